// Signing a phone in from the desktop (issue 22 §3) in a real Chromium: a signed-in desktop opens
// Settings → Add a device, a second browser context the size of a phone (with an iPhone's user agent)
// opens the link, confirms and lands signed in; the desktop lists that session by its device name and
// revokes it; the used link then says so.
import { describe, expect, it } from 'vitest';
import { OWNER_LOGIN, useE2E } from './fixture.js';
import { AddDeviceDialog } from './pages/add-device-dialog.js';
import { SettingsPage } from './pages/settings-page.js';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent: IPHONE };

describe('adding a device from a signed-in desktop', () => {
  const fixture = useE2E();

  it('signs a phone in with the code’s link, lists it by name, revokes it, and refuses the link a second time', async () => {
    const e2e = fixture();
    const desktop = await e2e.newPage();
    await e2e.signIn(desktop);
    const settings = new SettingsPage(desktop);
    await settings.open();
    const addDevice = new AddDeviceDialog(desktop);
    await addDevice.open();
    await expect(addDevice.qrCode.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).resolves.toBeGreaterThan(0);
    await expect(addDevice.countdown.textContent()).resolves.toMatch(/^This code works for \d+ more seconds?, once/);
    // No camera in a test browser: the link is read from the dialog's text, as a person without one would.
    const link = await addDevice.link();
    await e2e.screenshot(desktop, 'add-device-dialog');
    expect(link).toMatch(new RegExp(`^${e2e.baseUrl}/auth/device-link/[A-Za-z0-9_-]{43}$`));

    const phone = await e2e.newPage(PHONE);
    await phone.goto(link);
    await phone.getByRole('heading', { name: `Sign in this device as @${OWNER_LOGIN}?` }).waitFor();
    await phone.getByText('This iPhone · Safari gets a sign-in session of its own').waitFor();
    await e2e.screenshot(phone, 'add-device-phone-confirm');
    await phone.getByRole('button', { name: 'Sign in this device' }).tap();
    await phone.waitForURL((url) => url.pathname === '/workspaces');
    await phone.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
    expect(e2e.consoleProblems(phone)).toEqual([]);

    // The desktop's list shows the phone once the dialog closes, by its device name, and ends its session.
    await addDevice.close();
    const phoneRow = settings.sessionRows().filter({ hasText: 'iPhone · Safari' });
    await phoneRow.waitFor();
    await expect(settings.sessionRows().count()).resolves.toBe(2);
    await phoneRow.getByRole('button', { name: /^Revoke the session/ }).click();
    await phoneRow.waitFor({ state: 'detached' });
    await expect(settings.sessionRows().count()).resolves.toBe(1);
    expect(e2e.consoleProblems(desktop)).toEqual([]);

    // The phone's next request is signed out.
    await phone.reload();
    await phone.waitForURL((url) => url.pathname === '/sign-in');

    // The same link again: used, and what to do about it.
    const again = await phone.goto(link);
    expect(again?.status()).toBe(410);
    await phone.getByRole('heading', { name: 'This link was used already' }).waitFor();
    await phone.getByText('open Settings → Add a device for a new code').waitFor();
    await e2e.screenshot(phone, 'add-device-phone-used');
  });

  it('replaces the code before it expires while the dialog stays open', async () => {
    const e2e = fixture();
    const desktop = await e2e.newPage();
    await e2e.signIn(desktop);
    // The page's clock, so that 45 s pass at once; the server's links are on its own real clock.
    await desktop.clock.install();
    const settings = new SettingsPage(desktop);
    await settings.open();
    const addDevice = new AddDeviceDialog(desktop);
    await addDevice.open();
    const first = await addDevice.link();
    await desktop.clock.fastForward(30_000);
    expect(await addDevice.link()).toBe(first);
    await expect(addDevice.countdown.textContent()).resolves.toMatch(/works for (29|30) more seconds/);
    await desktop.clock.fastForward(16_000);
    await expect.poll(() => addDevice.link(), { timeout: 10_000 }).not.toBe(first);
    await expect.poll(() => addDevice.countdown.textContent(), { timeout: 10_000 }).toMatch(/works for (59|60) more seconds/);
    expect(e2e.consoleProblems(desktop)).toEqual([]);
  });
});
