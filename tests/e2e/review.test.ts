// Review and ship from a phone (issue 21 §2): a workspace with changes, its diff read at 390×844 with
// touch, then Commit, Push and Open pull request against the fake GitHub, whose pull request page opens.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gitTestEnv, runGit } from '../fake-github/repos.js';
import { OWNER_LOGIN, useE2E } from './fixture.js';
import { ReviewPage } from './pages/review-page.js';
import { createWorkspace, WorkspacesPage } from './pages/workspaces-page.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;

const fixture = useE2E();

async function git(args: string[], cwd: string): Promise<string> {
  const result = await runGit(args, { cwd, env: gitTestEnv() });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

describe('review and ship on a phone', () => {
  it('reviews a workspace’s diff, commits, pushes and opens a pull request whose link opens', async () => {
    const e2e = fixture();
    await e2e.addRepo('shipit', {
      spec: { branches: { main: [{ message: 'first', files: { 'README.md': '# shipit\n\nSay hello to the world.\nThen leave.\n' } }] } },
    });
    const page = await e2e.newPage(PHONE);
    await e2e.signIn(page);
    const id = await createWorkspace(page, `${OWNER_LOGIN}/shipit`);
    const dir = await page.evaluate(async (workspaceId) => ((await (await fetch(`/api/workspaces/${workspaceId}`)).json()) as { workspace: { localPath: string } }).workspace.localPath, id);
    // Work done in a terminal (or by an agent): a topic branch, one line changed, one file added.
    await git(['switch', '-q', '-c', 'add-greeting'], dir);
    writeFileSync(path.join(dir, 'README.md'), '# shipit\n\nSay hello to the whole world.\nThen leave.\n');
    writeFileSync(path.join(dir, 'greeting.txt'), 'Hello!\nGoodbye!\n');

    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.waitUntilReady(`${OWNER_LOGIN}/shipit`);
    const review = new ReviewPage(page);
    await review.openFromCard(`${OWNER_LOGIN}/shipit`);

    // The files in words, then each diff with signs, numbers and the changed words marked.
    await expect(review.summary.textContent()).resolves.toBe('2 files changed: 3 lines added, 1 removed.');
    await expect(review.fileEntry('README.md').textContent()).resolves.toBe('README.mdFile modified · +1 \u22121');
    await expect(review.fileEntry('greeting.txt').textContent()).resolves.toBe('greeting.txtFile added (not yet known to git) · +2 \u22120');
    const removed = review.lines('README.md', 'del');
    await expect(removed.count()).resolves.toBe(1);
    await expect(removed.locator('.rv-sign').textContent()).resolves.toBe('\u2212');
    await expect(removed.locator('.rv-num').first().textContent()).resolves.toBe('3');
    await expect(review.lines('README.md', 'add').locator('.rv-sign').textContent()).resolves.toBe('+');
    await expect(review.lines('README.md', 'add').locator('mark.rv-word').textContent()).resolves.toBe('whole ');
    await expect(removed.locator('.rv-text').textContent()).resolves.toBe('Removed: line 3: Say hello to the world.');
    await expect(review.lines('greeting.txt', 'add').count()).resolves.toBe(2);
    // On a phone the diff is one column (side by side needs a wide window), and nothing scrolls sideways.
    await expect(page.locator('.rv-diff.rv-unified').count()).resolves.toBe(2);
    await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
    await e2e.screenshot(page, 'review-phone');

    // On a wide window the same diff is side by side: old lines left, their replacements right.
    const desk = await e2e.newPage();
    await e2e.signIn(desk);
    await desk.goto(`/workspaces/${id}/review`);
    const wide = new ReviewPage(desk);
    await wide.file('README.md').locator('.rv-diff.rv-split').waitFor();
    const changed = wide.file('README.md').locator('.rv-row').filter({ has: desk.locator('.rv-line[data-kind="del"]') });
    await expect(changed.locator('.rv-line[data-side="old"] .rv-text').textContent()).resolves.toBe('Removed: line 3: Say hello to the world.');
    await expect(changed.locator('.rv-line[data-side="new"] .rv-text').textContent()).resolves.toBe('Added: line 3: Say hello to the whole world.');
    // Only one side for a new file's lines; the other stays empty.
    await expect(wide.file('greeting.txt').locator('.rv-row .rv-empty[data-side="old"]').count()).resolves.toBe(2);
    await e2e.screenshot(desk, 'review-wide');
    expect(e2e.consoleProblems(desk)).toEqual([]);
    await desk.context().close();

    // Commit, with the proposed message.
    await expect(review.commitMessage.inputValue()).resolves.toBe('Add greeting\n\n- Update README.md\n- Add greeting.txt');
    await review.commitButton.tap();
    await review.toast('Committed ').waitFor();
    await expect(review.summary.textContent()).resolves.toBe('No uncommitted changes.');
    // As the signed-in owner, with GitHub's noreply address.
    const email = `${await ownerId(page)}+${OWNER_LOGIN}@users.noreply.127.0.0.1`;
    expect(await git(['log', '-1', '--format=%an <%ae>|%s'], dir)).toBe(`The Octocat <${email}>|Add greeting`);

    // Push: the branch reaches GitHub.
    await review.pushButton('add-greeting').tap();
    await review.toast('Pushed add-greeting to origin (a new branch there).').waitFor();
    const bare = e2e.fake.findRepo(OWNER_LOGIN, 'shipit')!.bare!;
    expect((await runGit(['--git-dir', bare, 'rev-parse', 'refs/heads/add-greeting'], { env: gitTestEnv() })).stdout.trim()).toBe(await git(['rev-parse', 'HEAD'], dir));

    // Open a pull request into main: title proposed from the commit, the page opens on GitHub.
    await expect(review.pullRequestTitle.inputValue()).resolves.toBe('Add greeting');
    await expect(review.pullRequestBase.inputValue()).resolves.toBe('main');
    const opened = page.context().waitForEvent('page');
    await review.openPullRequestButton.tap();
    const githubPage = await opened;
    await githubPage.waitForLoadState();
    expect(githubPage.url()).toBe(`${e2e.fake.url}/${OWNER_LOGIN}/shipit/pull/1`);
    await expect(githubPage.title()).resolves.toBe(`Add greeting by ${OWNER_LOGIN} · Pull Request #1 · ${OWNER_LOGIN}/shipit`);
    await review.pullRequestLink.waitFor();
    await expect(review.pullRequestLink.textContent()).resolves.toBe('#1 Add greeting');
    await expect(review.pullRequestLink.getAttribute('href')).resolves.toBe(`${e2e.fake.url}/${OWNER_LOGIN}/shipit/pull/1`);
    expect(e2e.fake.pullRequests(OWNER_LOGIN, 'shipit').map((pull) => [pull.number, pull.head, pull.base, pull.title])).toEqual([[1, 'add-greeting', 'main', 'Add greeting']]);
    await e2e.screenshot(page, 'review-phone-shipped');
    expect(e2e.consoleProblems(page)).toEqual([]);
  }, 120_000);
});

/** The owner's GitHub id, as the app knows it. */
async function ownerId(page: import('playwright-core').Page): Promise<number> {
  return page.evaluate(async () => ((await (await fetch('/api/me')).json()) as { owner: { githubId: number } }).owner.githubId);
}

// Browser globals used inside page.evaluate() callbacks (the Node type-check has no DOM library).
declare const document: { documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };
