// The workspaces screens in a real Chromium against the real server and the fake GitHub: adding a
// workspace from the repository picker with live clone progress, errors in words, a failed clone's
// URL corrected, deleting, and filtering a long list. Screenshots go to test-artifacts/.
import { describe, expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { AppShell } from './pages/app-shell.js';
import { SettingsPage } from './pages/settings-page.js';
import { createWorkspace, isWorkspacesList, WorkspacesPage } from './pages/workspaces-page.js';
import { holdRequests, sessionCookie } from './screens-shared.js';

// Browser globals used inside page.evaluate() callbacks (the Node type-check has no DOM library).
declare const document: any;
declare const window: any;
declare const getComputedStyle: any;
declare const MutationObserver: any;

const fixture = useE2E();

describe('web app screens: adding workspaces', () => {
  it('adds a workspace from the repository picker and shows the clone progress until it is done', async () => {
    const e2e = fixture();
    await e2e.addRepo('big-project', { megabytes: 12, description: 'Plenty of bytes to clone' });
    await e2e.addRepo('other-thing');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();
    // On a desktop the search box is ready for typing.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'q');

    // The picker lists both repositories; the search narrows it down.
    await page.getByRole('button', { name: 'Add octocat/other-thing' }).waitFor();
    await workspaces.searchRepositories('bytes');
    await page.getByRole('button', { name: 'Add octocat/other-thing' }).waitFor({ state: 'detached' });
    await e2e.screenshot(page, 'add-workspace');

    // Record every progress label the card shows, from the moment the list appears.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        for (const label of document.querySelectorAll('.progress-label')) {
          const text = label.textContent ?? '';
          if (seen[seen.length - 1] !== text) seen.push(text);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await workspaces.addFromPicker('octocat/big-project');
    const card = await workspaces.waitUntilReady('octocat/big-project');
    // The clone has ended, and so has its progress toast (it turns into "Cloned …" or has faded).
    await expect(new AppShell(page).toasts().filter({ hasText: 'Cloning octocat/big-project' }).count()).resolves.toBe(0);
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((text) => /\d+%/.test(text))).toBe(true);
    // While receiving, how much has arrived: a slow clone looks slow, not stuck.
    expect(seen.some((text) => /^Receiving objects — \d+% · [\d.]+ [KMG]?i?B/.test(text)), seen.join(' | ')).toBe(true);

    // What the workspace is doing, in words (not "Idle").
    await expect(workspaces.activity('octocat/big-project').textContent()).resolves.toBe('No changes, no terminal running');
    await expect(card.locator('dd').first().textContent()).resolves.toBe('main');
    await expect(card.locator('progress').count()).resolves.toBe(0);
    const listed = (await e2e.app.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie: await sessionCookie(page) } })).json().workspaces;
    expect(listed.find((w: { name: string }) => w.name === 'octocat/big-project')).toMatchObject({ name: 'octocat/big-project', cloneState: 'ready' });

    // Fetch from the card's More menu; then the branch switcher (from the same menu) lists the other branch.
    await workspaces.chooseFromMenu('octocat/big-project', 'Fetch');
    await new AppShell(page).toasts().filter({ hasText: 'Fetched octocat/big-project.' }).waitFor();
    await workspaces.chooseFromMenu('octocat/big-project', 'Switch branch');
    await card.getByRole('heading', { name: 'Switch branch', level: 3 }).waitFor();
    await expect(card.getByLabel('Branch', { exact: true }).inputValue()).resolves.toBe('main');
    await expect(card.getByLabel('Branch', { exact: true }).evaluate((select) => select === document.activeElement)).resolves.toBe(true);
    await e2e.screenshot(page, 'workspaces');

    // The picker now marks it as a workspace.
    await workspaces.openAddWorkspace();
    await page.getByText('Already a workspace').waitFor();
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('shows API errors in words and deletes a workspace only after typed confirmation', async () => {
    const e2e = fixture();
    await e2e.addRepo('to-delete');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();

    await workspaces.cloneUrl('https://someone:secret@example.com/team/project.git');
    const error = page.getByRole('alert').filter({ hasText: /user name|password|credentials/i });
    await error.waitFor();
    await expect(error.textContent()).resolves.not.toContain('secret');

    // The repository list is cached on the server; "Refresh list" asks GitHub again.
    await workspaces.searchRepositories('to-delete');
    await page.getByRole('button', { name: 'Refresh list' }).click();
    await workspaces.addFromPicker('octocat/to-delete');
    const card = await workspaces.waitUntilReady('octocat/to-delete');

    // Environment variables: a name the server would refuse is explained next to the field, and not sent.
    await workspaces.chooseFromMenu('octocat/to-delete', 'Environment variables');
    const envRequests: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/env/')) envRequests.push(request.url());
    });
    const envName = card.getByLabel('Name', { exact: true });
    await envName.fill('1BAD NAME');
    await card.getByRole('button', { name: 'Save variable' }).click();
    await card.getByText('A name may use letters, digits and underscores (_), not starting with a digit').waitFor();
    await expect(envName.getAttribute('aria-invalid')).resolves.toBe('true');
    // The error replaces the hint rather than repeating it.
    expect(await card.getByText('Letters, digits and _; for example API_KEY.').isHidden()).toBe(true);
    await expect(envName.evaluate((input) => input === document.activeElement)).resolves.toBe(true);
    expect(envRequests).toEqual([]);
    // A secret is chosen first, is masked while typed, and is listed by name only.
    await card.getByLabel(/^Secret/).check();
    await card.getByLabel('Name', { exact: true }).fill('API_KEY');
    const envValue = card.getByLabel('Value', { exact: true });
    await expect(envValue.getAttribute('type')).resolves.toBe('password');
    await envValue.fill('hunter2');
    await card.getByRole('button', { name: 'Save variable' }).click();
    await card.getByRole('button', { name: 'Remove API_KEY' }).waitFor();
    await expect(card.getByText('hunter2').count()).resolves.toBe(0);
    await expect(envName.getAttribute('aria-invalid')).resolves.toBeNull();
    await expect.poll(() => envValue.getAttribute('type')).toBe('text');

    await workspaces.chooseFromMenu('octocat/to-delete', 'Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete octocat/to-delete?' });
    const confirm = dialog.getByRole('button', { name: 'Delete workspace' });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    // Disabled looks disabled: hollow and dashed, unlike the red button it becomes.
    const look = () => confirm.evaluate((button) => ({ background: getComputedStyle(button).backgroundColor, border: getComputedStyle(button).borderTopStyle }));
    const disabledLook = await look();
    await dialog.getByRole('textbox').fill('octocat/to-delete');
    const enabledLook = await look();
    expect(disabledLook.border).toBe('dashed');
    expect(enabledLook.border).toBe('solid');
    expect(disabledLook.background).not.toBe(enabledLook.background);
    await confirm.click();
    await card.waitFor({ state: 'detached' });
    await page.getByText('Deleted octocat/to-delete.').waitFor();
    const listed = (await e2e.app.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie: await sessionCookie(page) } })).json().workspaces;
    expect(listed.map((w: { name: string }) => w.name)).not.toContain('octocat/to-delete');
    // The only console output is Chromium's note about the refused request (HTTP 400).
    expect(e2e.consoleProblems(page).filter((line) => !/Failed to load resource: .*status of 400/.test(line))).toEqual([]);
  });

  it('offers to correct the URL of a failed clone, and the corrected clone replaces it', async () => {
    const e2e = fixture();
    await e2e.addRepo('fixed-repo');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();
    // An SSH URL (what GitHub's Code button shows first) is answered next to the field, with the https URL to use.
    await workspaces.cloneUrl('git@github.com:octocat/fixed-repo.git');
    const urlError = page.locator('.field-error').filter({ hasText: 'SSH URLs cannot be cloned here' });
    await urlError.waitFor();
    await urlError.getByRole('button', { name: 'Use this URL' }).click();
    await expect(workspaces.gitUrlInput.inputValue()).resolves.toBe('https://github.com/octocat/fixed-repo.git');
    expect(await urlError.count()).toBe(0);

    const typo = 'https://127.0.0.1:1/nope/missing.git';
    await workspaces.cloneUrl(typo);
    await page.waitForURL(isWorkspacesList);
    // The new workspace is in view and marked, wherever the list put it.
    expect(new URL(page.url()).searchParams.get('added')).toMatch(/\S+/);
    const failed = workspaces.card('127.0.0.1-1/missing');
    await failed.getByText('Error', { exact: true }).waitFor({ timeout: 20_000 });

    await workspaces.editUrlOf('127.0.0.1-1/missing');
    await expect(workspaces.gitUrlInput.inputValue()).resolves.toBe(typo);
    await expect(workspaces.gitUrlInput.evaluate((input) => input === document.activeElement)).resolves.toBe(true);
    await workspaces.cloneUrl(`${e2e.fake.url}/octocat/fixed-repo.git`);
    await page.waitForURL(isWorkspacesList);
    await expect.poll(() => workspaces.card('octocat/fixed-repo').evaluate((card) => card.classList.contains('workspace-added'))).toBe(true);
    await workspaces.waitUntilReady('octocat/fixed-repo');
    await expect(failed.count()).resolves.toBe(0);
    const listed = (await e2e.app.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie: await sessionCookie(page) } })).json().workspaces;
    expect(listed.map((w: { name: string }) => w.name)).not.toContain('127.0.0.1-1/missing');
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('filters a long workspace list by name, repository or description', async () => {
    const e2e = fixture();
    const names = ['alpha-api', 'alpha-web', 'beta-cli', 'gamma-docs', 'delta-infra', 'epsilon-bot'];
    for (const name of names) await e2e.addRepo(name, { description: name === 'gamma-docs' ? 'Handbook for the team' : undefined });
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const workspaces = new WorkspacesPage(page);
    const filter = page.getByRole('searchbox', { name: 'Filter workspaces' });
    // Only this test's workspaces (tests before this one added theirs to the shared server); deleted
    // from another screen, so that no list is loading their git status meanwhile.
    await new SettingsPage(page).open();
    await page.evaluate(async () => {
      const { workspaces: existing } = (await (await fetch('/api/workspaces')).json()) as { workspaces: { id: string; name: string }[] };
      for (const workspace of existing) await fetch(`/api/workspaces/${workspace.id}?confirm=${encodeURIComponent(workspace.name)}`, { method: 'DELETE' });
    });
    // A short list has no filter.
    for (const name of names.slice(0, 5)) await createWorkspace(page, `octocat/${name}`);
    await new AppShell(page).goTo('Workspaces');
    await workspaces.card('octocat/alpha-api').waitFor();
    await expect.poll(() => filter.isHidden()).toBe(true);

    await createWorkspace(page, 'octocat/epsilon-bot');
    await page.reload();
    await filter.fill('ALPHA');
    const shown = () => page.locator('.workspace-list > li:not([hidden])').count();
    await expect.poll(shown).toBe(2);
    await expect.poll(() => workspaces.card('octocat/alpha-web').isVisible()).toBe(true);
    await filter.fill('handbook');
    await expect.poll(shown).toBe(1);
    await expect.poll(() => workspaces.card('octocat/gamma-docs').isVisible()).toBe(true);
    await filter.fill('nothing-like-this');
    await expect.poll(shown).toBe(0);
    await page.getByText('No workspace matches this filter.').waitFor();
    // Escape clears it.
    await filter.press('Escape');
    await expect.poll(shown).toBe(6);
    await expect.poll(() => page.getByText('No workspace matches this filter.').isHidden()).toBe(true);
    expect(e2e.consoleProblems(page)).toEqual([]);
  }, 60_000);

  it('keeps a long clone\'s progress toast until the clone is done, and says so on whatever screen shows then', async () => {
    const e2e = fixture();
    await e2e.addRepo('slow-clone');
    const page = await e2e.newPage();
    await page.clock.install();
    await e2e.signIn(page);
    // The page hears of the clone's end only from the clone's own event stream, which waits here
    // until the test lets it go: by then a minute has passed, the clone is done, and the owner has
    // moved on to Settings.
    const cloneEvents = await holdRequests(page, (url) => /^\/api\/workspaces\/[\w-]+\/events$/.test(url.pathname));
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();
    // The server caches the repository list, from before this repository existed.
    await page.getByRole('button', { name: 'Refresh list' }).click();
    await workspaces.addFromPicker('octocat/slow-clone');
    const toasts = new AppShell(page).toasts();
    await toasts.filter({ hasText: 'Cloning octocat/slow-clone…' }).waitFor();
    const cookie = await sessionCookie(page);
    await expect
      .poll(() => e2e.app.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie } }).then((response) => response.json().workspaces.find((w: { name: string }) => w.name === 'octocat/slow-clone')?.cloneState), { timeout: 20_000 })
      .toBe('ready');
    await page.clock.fastForward(60_000);
    await expect(toasts.filter({ hasText: 'Cloning octocat/slow-clone…' }).count()).resolves.toBe(1);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await cloneEvents.release();
    await toasts.filter({ hasText: 'Cloned octocat/slow-clone.' }).waitFor();
    await expect(toasts.filter({ hasText: 'Cloning octocat/slow-clone…' }).count()).resolves.toBe(0);
  });

  it('says when the GitHub account has no repositories, rather than that none matches', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    await page.route('**/api/github/repos?*', (route) => route.fulfill({ json: { repositories: [], total: 0 } }));
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();
    await page.getByText('Your GitHub account has no repositories this sign-in can see. Create one on GitHub, then choose Refresh list, or paste a git URL below.').waitFor();
    await workspaces.searchRepositories('anything');
    await page.getByText('No repository matches.').waitFor();
    expect(e2e.consoleProblems(page)).toEqual([]);
  });
});
