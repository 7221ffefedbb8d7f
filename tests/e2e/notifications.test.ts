// Web Push end to end (issue 20), without the internet: Settings subscribes this browser, the server
// encrypts and signs a push to the fake push service (tests/helpers/fake-push-service.ts), which
// decrypts it as a browser's push service would; DevTools delivers that to the real service worker,
// whose notification a click turns into the terminal it is about — after signing in, if needed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { PushMessage } from '../../src/shared/attention.js';
import { useE2E } from './fixture.js';
import { AppShell } from './pages/app-shell.js';
import { ServiceWorkerDriver, useFakePushSubscription } from './pages/service-worker.js';
import { SettingsPage } from './pages/settings-page.js';
import { TerminalsPage } from './pages/terminals.js';

const fixture = useE2E({ push: true });

const FAKE_AGENT = path.resolve(import.meta.dirname, '../helpers/fake-agent.mjs');

/** A signed-in page whose browser is subscribed (Settings → Notifications) as `name`. */
async function subscribedPage(e2e: ReturnType<typeof fixture>, name: string): Promise<{ page: Page; sw: ServiceWorkerDriver }> {
  const push = e2e.push!;
  const page = await e2e.newPage();
  await page.context().grantPermissions(['notifications'], { origin: e2e.baseUrl });
  await useFakePushSubscription(page, push.subscribe({ applicationServerKey: e2e.app.push.publicKey }), e2e.app.push.publicKey);
  await e2e.signIn(page);
  const settings = new SettingsPage(page);
  await settings.open();
  const sw = new ServiceWorkerDriver(page);
  await sw.waitUntilControlling();
  await settings.turnOnNotifications(name);
  return { page, sw };
}

describe('notifications', () => {
  it('subscribes this browser, shows a bell as a notification, and a click opens that terminal', { timeout: 90_000 }, async () => {
    const e2e = fixture();
    const push = e2e.push!;
    const page = await e2e.newPage();
    await page.context().grantPermissions(['notifications'], { origin: e2e.baseUrl });
    await useFakePushSubscription(page, push.subscribe({ applicationServerKey: e2e.app.push.publicKey }), e2e.app.push.publicKey);
    await e2e.signIn(page);
    const settings = new SettingsPage(page);
    await settings.open();
    const sw = new ServiceWorkerDriver(page);
    await sw.waitUntilControlling();

    // The name comes from the user agent (headless Chromium on Linux); the owner calls it "laptop".
    await expect(settings.notifications.getByLabel('Name of this device', { exact: true }).inputValue()).resolves.toBe('Linux computer');
    await settings.turnOnNotifications('laptop');
    const device = settings.device('laptop');
    await device.getByText('this browser').waitFor();
    await expect(device.getByRole('checkbox', { name: 'Bell' }).isChecked()).resolves.toBe(true);
    await e2e.screenshot(page, 'settings-notifications');

    // Send test: the server pushes, the fake push service decrypts it, the worker shows it.
    await device.getByRole('button', { name: 'Send a test notification to laptop' }).click();
    const test = await push.waitForMessage((delivery) => (delivery.json as PushMessage | null)?.kind === 'test', 15_000);
    await page.getByText(/^The push service took the test for laptop \(HTTP 201\)/).waitFor();
    await sw.deliverPush(test.json);
    await sw.waitForNotification((test.json as PushMessage).title);

    // A terminal rings the bell while no page shows it (and keeps waiting: a command that ended would no longer want the owner).
    const terminals = new TerminalsPage(page);
    await terminals.open('/terminals');
    const sessionId = await terminals.sessionIdIn(0);
    // It rings only once the page has left the terminal (told by a file): a page still showing it would see it at once, and nothing would be pushed.
    const go = path.join(mkdtempSync(path.join(tmpdir(), 'shellport-bell-')), 'go');
    await terminals.run(String.raw`until [ -e ${go} ]; do sleep 0.05; done; printf '\a'; sleep 120`);
    await new AppShell(page).goTo('Settings');
    await settings.notifications.waitFor();
    writeFileSync(go, '');
    const bell = await push.waitForMessage((delivery) => (delivery.json as PushMessage | null)?.kind === 'bell', 20_000);
    const message = bell.json as PushMessage;
    expect(message).toMatchObject({ kind: 'bell', sessionId, url: `/terminals?session=${sessionId}` });
    expect(message.title).toMatch(/^Bell · /);

    const shown = await sw.deliverPushUntilShown(message);
    expect(shown).toMatchObject({ body: message.body, tag: message.tag, data: { url: message.url, sessionId }, actions: [] });

    // The click: the open window shows that terminal, without a page load.
    await page.evaluate(() => ((globalThis as any).notAReload = true));
    await sw.click(message.tag);
    await page.waitForURL(`**/terminals?session=${sessionId}`);
    await terminals.waitReady();
    await expect(terminals.sessionIdIn(0)).resolves.toBe(sessionId);
    await expect(page.evaluate(() => (globalThis as any).notAReload)).resolves.toBe(true);
    // The notification is gone once clicked.
    await expect.poll(async () => (await sw.notifications()).map((notification) => notification.tag)).not.toContain(message.tag);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('a click in a signed-out browser lands on the terminal once signed in', { timeout: 60_000 }, async () => {
    const e2e = fixture();
    const owner = await e2e.newPage();
    await e2e.signIn(owner);
    const terminals = new TerminalsPage(owner);
    await terminals.open('/terminals');
    const sessionId = await terminals.sessionIdIn(0);

    // Another browser, signed out: its worker gets a notification for that terminal.
    const page = await e2e.newPage();
    await page.context().grantPermissions(['notifications'], { origin: e2e.baseUrl });
    await page.goto('/sign-in');
    const sw = new ServiceWorkerDriver(page);
    await sw.waitUntilControlling();
    const message: PushMessage = { kind: 'waiting', title: 'Waiting for input · bash', body: 'It is waiting for you.', tag: `terminal-${sessionId}`, url: `/terminals?session=${sessionId}`, sessionId, sentAt: new Date().toISOString() };
    await sw.deliverPush(message);
    await sw.waitForNotification(message.title);
    await sw.click(message.tag);
    // Signed out, the terminal's page asks for sign-in first…
    await page.waitForURL('**/sign-in');
    await page.getByRole('link', { name: /Sign in with GitHub/ }).waitFor();
    // …and signing in comes back to it.
    await e2e.signIn(page);
    await page.waitForURL(`**/terminals?session=${sessionId}`);
    await new TerminalsPage(page).waitReady();
    await expect(new TerminalsPage(page).sessionIdIn(0)).resolves.toBe(sessionId);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('answers an approval from the notification’s buttons, and says so when another device was first', { timeout: 90_000 }, async () => {
    const e2e = fixture();
    const push = e2e.push!;
    const { page, sw } = await subscribedPage(e2e, 'phone');
    expect(await page.evaluate(async () => (await fetch('/api/hooks/claude/install', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status)).toBe(200);
    const desk = await e2e.newPage();
    await e2e.signIn(desk);
    const terminals = new TerminalsPage(desk);
    await terminals.open('/terminals');
    // A terminal of its own (the others of this file run sleep).
    await terminals.newTerminal();
    const sessionId = await terminals.sessionIdIn(0);
    await terminals.run(`"$SHELLPORT_NODE" ${FAKE_AGENT} ask-permission Bash 'npm publish --dry-run'`);
    // Nobody looks at the terminal: the request goes to the devices.
    await desk.goto('/workspaces');

    const isApproval = (summary: string) => (delivery: { json: unknown }) => {
      const message = delivery.json as PushMessage | null;
      return message?.kind === 'approval' && message.body.includes(summary);
    };
    const first = (await push.waitForMessage(isApproval('npm publish --dry-run'), 20_000)).json as PushMessage;
    expect(first).toMatchObject({ kind: 'approval', approvalId: expect.any(String), body: 'Bash: npm publish --dry-run' });
    await sw.deliverPush(first);
    const shown = await sw.waitForNotification(first.title);
    expect(shown.actions).toEqual([
      { action: 'allow', title: 'Allow' },
      { action: 'deny', title: 'Deny' },
    ]);
    await sw.click(first.tag, 'allow');
    // The request's notification makes way for the outcome, under the same tag.
    const outcome = await sw.waitForNotification('Allowed', 25_000);
    expect(outcome).toMatchObject({ tag: first.tag, body: first.body });
    await terminals.open(`/terminals?session=${sessionId}`);
    await expect(terminals.sessionIdIn(0)).resolves.toBe(sessionId);
    await terminals.waitForLine(/^ALLOWED$/, 0, 15_000);
    expect(e2e.app.approvals.list().find((approval) => approval.id === first.approvalId)?.status).toBe('allowed');

    // Another request, answered on the laptop before the phone's button is pressed.
    await terminals.run(`"$SHELLPORT_NODE" ${FAKE_AGENT} ask-permission Bash 'git push --force'`);
    await desk.goto('/workspaces');
    const second = (await push.waitForMessage(isApproval('git push --force'), 20_000)).json as PushMessage;
    await sw.deliverPush(second);
    await sw.waitForNotification(second.title);
    const answered = await desk.evaluate(
      async (id) => (await fetch(`/api/approvals/${id}/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'deny', reason: 'Never force.' }) })).status,
      second.approvalId!,
    );
    expect(answered).toBe(200);
    await sw.click(second.tag, 'allow');
    const stale = await sw.waitForNotification('Already answered');
    expect(stale.tag).toBe(second.tag);
    expect(stale.body).toMatch(/^This request was already denied from .+ at .+\.$/);
    expect(e2e.app.approvals.list().find((approval) => approval.id === second.approvalId)?.status).toBe('denied');
  });

  it('renames a device, chooses what it hears about and its quiet hours, and removes it', { timeout: 60_000 }, async () => {
    const e2e = fixture();
    const { page } = await subscribedPage(e2e, 'desk');
    const settings = new SettingsPage(page);
    const stored = async () => {
      const { devices } = (await page.evaluate(async () => (await fetch('/api/push')).json())) as { devices: { id: string; name: string; preferences: { kinds: Record<string, boolean>; quietHours: unknown; timeZone: string } }[] };
      return devices;
    };
    const desk = settings.device('desk');
    await desk.getByRole('checkbox', { name: 'Long command done' }).uncheck();
    await page.getByText('desk: Long command done off.').waitFor();
    await desk.getByRole('checkbox', { name: 'No notifications between' }).check();
    await desk.getByLabel('From', { exact: true }).fill('22:30');
    await desk.getByLabel('To', { exact: true }).fill('06:45');
    await desk.getByLabel('To', { exact: true }).press('Tab');
    await page.getByText('desk: quiet from 22:30 to 06:45.').waitFor();
    await expect.poll(async () => (await stored()).find((device) => device.name === 'desk')?.preferences).toMatchObject({
      kinds: { approval: true, bell: true, 'long-command': false },
      quietHours: { start: '22:30', end: '06:45' },
      timeZone: await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
    });

    await desk.getByLabel('Name', { exact: true }).fill('work laptop');
    await desk.getByLabel('Name', { exact: true }).press('Tab');
    const renamed = settings.device('work laptop');
    await renamed.getByText('this browser').waitFor();
    await expect(renamed.getByText(/Quiet 22:30–06:45 \(overnight\)/).count()).resolves.toBe(1);
    await page.reload();
    await expect(settings.device('work laptop').getByRole('checkbox', { name: 'Long command done' }).isChecked()).resolves.toBe(false);

    await settings.device('work laptop').getByRole('button', { name: 'Remove work laptop' }).click();
    await page.getByRole('dialog', { name: 'Remove work laptop?' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByText('work laptop removed.').waitFor();
    await settings.notifications.getByRole('button', { name: 'Turn on notifications' }).waitFor();
    expect((await stored()).map((device) => device.name)).not.toContain('work laptop');
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('on an iPhone not added to the home screen, says how to add it instead of offering notifications', async () => {
    const e2e = fixture();
    const page = await e2e.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
    });
    await e2e.signIn(page);
    const settings = new SettingsPage(page);
    await settings.open();
    await settings.notifications.getByText(/notifications reach web apps only once they are on the home screen/).waitFor();
    await expect(settings.notifications.getByRole('listitem').allInnerTexts()).resolves.toEqual(
      expect.arrayContaining([expect.stringMatching(/^Tap Share/), expect.stringMatching(/^Choose Add to Home Screen/)]),
    );
    await expect(settings.notifications.getByRole('button', { name: 'Turn on notifications' }).count()).resolves.toBe(0);
    await e2e.screenshot(page, 'phone-settings-notifications-ios');
  });
});
