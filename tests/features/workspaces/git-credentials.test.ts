import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_HELPER_PATH } from '../../../src/features/workspaces/terminal-context.js';
import { createBareRepo, runGit } from '../../fake-github/repos.js';
import type { TestClock } from '../../helpers/app.js';
import { signInWithGitHub } from '../../helpers/github-sign-in.js';
import { OWNER, cloneReady, listen, ownerApp, shellEnvironment, useGitHubFixture } from './helpers.js';

const HOUR = 3_600_000;
const clockRef: { clock?: TestClock } = {};
// Expiring (GitHub App) tokens, on the app's clock, so a refresh can be provoked.
const github = useGitHubFixture({ tokenKind: 'github-app', clock: { now: () => clockRef.clock?.now() ?? new Date() } });
let counter = 0;

async function newRepo() {
  counter += 1;
  const name = `push-${counter}`;
  const bare = await createBareRepo(path.join(github.fixtures, `${name}.git`), { branches: { main: ['first'] } });
  github.fake.addRepo({ owner: OWNER, name, private: true, bare: bare.path });
  return { name, bare: bare.path };
}

/** A terminal-like environment: the shell's own environment, without any git config of this machine. */
function terminalGitEnv(shellEnv: Record<string, string>): NodeJS.ProcessEnv {
  return { ...shellEnv, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
}

async function commitAndPush(dir: string, env: NodeJS.ProcessEnv, file: string) {
  writeFileSync(path.join(dir, file), `${file}\n`);
  const author = ['-c', 'user.name=Owner', '-c', 'user.email=owner@example.invalid'];
  expect((await runGit(['add', '--', file], { cwd: dir, env })).code).toBe(0);
  expect((await runGit([...author, 'commit', '--quiet', '-m', file], { cwd: dir, env })).code).toBe(0);
  return runGit(['push', 'origin', 'HEAD:main'], { cwd: dir, env });
}

/** Runs the helper script as git would (`get` with attributes on stdin). */
function runHelper(env: NodeJS.ProcessEnv, input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CREDENTIAL_HELPER_PATH, 'get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The owner's app, listening, with a fresh repository cloned as a workspace and a terminal open in it. */
async function terminalInNewWorkspace() {
  const owner = await ownerApp(github.fake, {}, clockRef);
  const baseUrl = await listen(owner.app);
  const repo = await newRepo();
  const workspace = await cloneReady(owner, `${OWNER}/${repo.name}`);
  const terminal = await owner.app.terminals.create({ workspaceId: workspace.id, shell: 'sh' });
  const shellEnv = await shellEnvironment(terminal.pid!);
  return { owner, baseUrl, repo, workspace, terminal, shellEnv };
}

const basicOf = (token: string) => `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

describe('git inside terminals', () => {
  it('pushes from a terminal with the current token, before and after the token is refreshed, and writes it nowhere', async () => {
    const { owner, baseUrl, repo, workspace, terminal, shellEnv } = await terminalInNewWorkspace();
    const token1 = await owner.token();

    expect(shellEnv).toMatchObject({
      GIT_CONFIG_COUNT: '3',
      GIT_CONFIG_KEY_0: `credential.${github.fake.url}.helper`,
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: `credential.${github.fake.url}.helper`,
      GIT_CONFIG_KEY_2: `credential.${github.fake.url}.useHttpPath`,
      GIT_CONFIG_VALUE_2: 'true',
      SHELLPORT_CREDENTIAL_URL: `${baseUrl}/internal/git-credential`,
    });
    expect(shellEnv.GIT_CONFIG_VALUE_1).toBe(`!'${process.execPath}' '${CREDENTIAL_HELPER_PATH}'`);
    expect(shellEnv.SHELLPORT_CREDENTIAL_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Object.values(shellEnv).join('\n')).not.toContain(token1);

    const env = terminalGitEnv(shellEnv);
    const first = await commitAndPush(workspace.localPath, env, 'one.txt');
    expect(first.code, first.stderr).toBe(0);
    const local1 = (await runGit(['rev-parse', 'HEAD'], { cwd: workspace.localPath, env })).stdout.trim();
    expect((await runGit(['--git-dir', repo.bare, 'rev-parse', 'main'], { env })).stdout.trim()).toBe(local1);
    const pushes = () => github.fake.requests.filter((r) => r.path === `/${OWNER}/${repo.name}.git/git-receive-pack` && r.status === 200);
    expect(pushes().at(-1)!.headers.authorization).toBe(basicOf(token1));

    // Eight hours later the token is about to expire: the next git call gets a refreshed one.
    owner.clock.advance(8 * HOUR - 2 * 60_000);
    const second = await commitAndPush(workspace.localPath, env, 'two.txt');
    expect(second.code, second.stderr).toBe(0);
    const token2 = await owner.token();
    expect(token2).not.toBe(token1);
    expect(pushes().at(-1)!.headers.authorization).toBe(basicOf(token2));
    const local2 = (await runGit(['rev-parse', 'HEAD'], { cwd: workspace.localPath, env })).stdout.trim();
    expect((await runGit(['--git-dir', repo.bare, 'rev-parse', 'main'], { env })).stdout.trim()).toBe(local2);
    // The refresh revoked the first token at GitHub: only the new one can have made this push.
    expect(await owner.app.db.authLog.count({ where: { action: 'token_refresh', success: true } })).toBe(1);

    const gitConfig = readFileSync(path.join(workspace.localPath, '.git', 'config'), 'utf8');
    for (const secret of [token1, token2, shellEnv.SHELLPORT_CREDENTIAL_SECRET!]) {
      expect(gitConfig).not.toContain(secret);
      expect(owner.logText()).not.toContain(secret);
    }
    const session = await owner.app.db.terminal.findUniqueOrThrow({ where: { id: terminal.id } });
    expect(session.env).not.toContain(shellEnv.SHELLPORT_CREDENTIAL_SECRET!);

    // git's own credential lookup gets the token for the workspace's repository, and nothing for another host.
    const host = new URL(github.fake.url).host;
    const fill = await runGit(['credential', 'fill'], { env, input: async (stdin) => void stdin.write(`protocol=http\nhost=${host}\npath=${OWNER}/${repo.name}.git\n\n`) });
    expect(fill.stdout).toContain(`password=${token2}`);
    const other = await runGit(['credential', 'fill'], { env, input: async (stdin) => void stdin.write('protocol=https\nhost=example.com\n\n') });
    expect(other.code).not.toBe(0);
    expect(other.stdout).not.toContain(token2);
  }, 60_000);

  it('refuses requests without the secret, with a wrong one, for another host, through a proxy, or after the terminal ended', async () => {
    const { owner, baseUrl, repo, workspace, terminal, shellEnv } = await terminalInNewWorkspace();
    const repoPath = `${OWNER}/${repo.name}.git`;
    const secret = shellEnv.SHELLPORT_CREDENTIAL_SECRET!;
    const host = new URL(github.fake.url).host;
    const token = await owner.token();
    const ask = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${baseUrl}/internal/git-credential`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    const ok = await ask({ protocol: 'http', host, path: repoPath }, { authorization: `Bearer ${secret}` });
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.text()).toBe(`username=x-access-token\npassword=${token}\n`);

    const refusals: Array<[string, Response]> = [
      ['no secret', await ask({ protocol: 'http', host, path: repoPath })],
      ['wrong secret', await ask({ protocol: 'http', host, path: repoPath }, { authorization: `Bearer ${'A'.repeat(43)}` })],
      ['other host', await ask({ protocol: 'https', host: 'example.com', path: repoPath }, { authorization: `Bearer ${secret}` })],
      ['other scheme', await ask({ protocol: 'https', host, path: repoPath }, { authorization: `Bearer ${secret}` })],
      ['other repository', await ask({ protocol: 'http', host, path: `${OWNER}/elsewhere.git` }, { authorization: `Bearer ${secret}` })],
      ['no repository path', await ask({ protocol: 'http', host }, { authorization: `Bearer ${secret}` })],
      ['proxied', await ask({ protocol: 'http', host, path: repoPath }, { authorization: `Bearer ${secret}`, 'x-forwarded-for': '203.0.113.9' })],
    ];
    for (const [what, response] of refusals) {
      expect(response.status, what).toBe(403);
      const body = await response.text();
      expect(JSON.parse(body).error.code, what).toBe('credential_refused');
      expect(body).not.toContain(token);
    }

    // The helper script prints nothing for another host, or without the secret.
    const env = terminalGitEnv(shellEnv);
    const otherHost = await runHelper(env, 'protocol=https\nhost=example.com\n\n');
    expect(otherHost.stdout).toBe('');
    expect(otherHost.stderr).toMatch(/only gives credentials for/);
    const noSecret = await runHelper({ ...env, SHELLPORT_CREDENTIAL_SECRET: '' }, `protocol=http\nhost=${host}\npath=${repoPath}\n\n`);
    expect(noSecret.stdout).toBe('');
    const good = await runHelper(env, `protocol=http\nhost=${host}\npath=${repoPath}\n\n`);
    expect(good.stdout).toBe(`username=x-access-token\npassword=${token}\n`);

    // Once the terminal has ended, its secret is worthless.
    await owner.app.terminals.kill(terminal.id);
    const ended = await ask({ protocol: 'http', host, path: repoPath }, { authorization: `Bearer ${secret}` });
    expect(ended.status).toBe(403);
    expect(((await ended.json()) as { error: { message: string } }).error.message).toMatch(/has ended/);

    // The secret is known by its SHA-256 on the terminal's row (which outlives the server), never itself.
    const row = await owner.app.db.terminal.findUniqueOrThrow({ where: { id: terminal.id } });
    expect(row.secretDigest).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(secret);
    // Another terminal of the same workspace has a secret of its own.
    const second = await owner.app.terminals.create({ workspaceId: workspace.id, shell: 'sh' });
    const secondSecret = (await shellEnvironment(second.pid!)).SHELLPORT_CREDENTIAL_SECRET!;
    expect(secondSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secondSecret).not.toBe(secret);
    const fromSecond = await ask({ protocol: 'http', host, path: repoPath }, { authorization: `Bearer ${secondSecret}` });
    expect(fromSecond.status).toBe(200);
    expect(owner.logText()).not.toContain(token);
    expect(owner.logText()).not.toContain(secret);
  }, 60_000);

  it("gives the token only for the workspace's own repository: git says why another repository, or a terminal outside a workspace, gets none", async () => {
    const { owner, baseUrl, repo, workspace, shellEnv } = await terminalInNewWorkspace();
    const other = await newRepo();
    const token = await owner.token();
    const env = terminalGitEnv(shellEnv);
    const host = new URL(github.fake.url).host;
    const pushesTo = (name: string) => github.fake.requests.filter((r) => r.path === `/${OWNER}/${name}.git/git-receive-pack`);

    // The owner's token could write to the other repository; the terminal cannot, whatever its remotes say.
    expect((await runGit(['remote', 'add', 'other', `${github.fake.url}/${OWNER}/${other.name}.git`], { cwd: workspace.localPath, env })).code).toBe(0);
    writeFileSync(path.join(workspace.localPath, 'elsewhere.txt'), 'x\n');
    const author = ['-c', 'user.name=Owner', '-c', 'user.email=owner@example.invalid'];
    await runGit(['add', '--', 'elsewhere.txt'], { cwd: workspace.localPath, env });
    await runGit([...author, 'commit', '--quiet', '-m', 'elsewhere'], { cwd: workspace.localPath, env });
    const refused = await runGit(['push', 'other', 'HEAD:main'], { cwd: workspace.localPath, env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`git-credential-shellport: Shellport gives this terminal credentials only for ${OWNER}/${repo.name}, the repository its workspace was cloned from, not for ${OWNER}/${other.name}.`);
    expect(pushesTo(other.name).filter((r) => r.status === 200)).toEqual([]);
    expect(pushesTo(other.name).map((r) => r.headers.authorization).filter(Boolean)).toEqual([]);
    // Its own repository still works, also named in another letter case.
    const own = await runGit(['push', 'origin', 'HEAD:main'], { cwd: workspace.localPath, env });
    expect(own.code, own.stderr).toBe(0);
    const upper = await runHelper(env, `protocol=http\nhost=${host}\npath=${OWNER.toUpperCase()}/${repo.name.toUpperCase()}\n\n`);
    expect(upper.stdout).toBe(`username=x-access-token\npassword=${token}\n`);

    // A terminal outside any workspace has no repository of its own.
    const home = await owner.app.terminals.create({ workspaceId: null, shell: 'sh' });
    const homeEnv = terminalGitEnv(await shellEnvironment(home.pid!));
    const fromHome = await runHelper(homeEnv, `protocol=http\nhost=${host}\npath=${OWNER}/${repo.name}.git\n\n`);
    expect(fromHome.stdout).toBe('');
    expect(fromHome.stderr).toContain("This terminal is not in a workspace cloned from");
    const clone = await runGit(['clone', '--quiet', '--', `${github.fake.url}/${OWNER}/${repo.name}.git`, path.join(github.fixtures, `home-clone-${repo.name}`)], { env: homeEnv });
    expect(clone.code).not.toBe(0);
    expect(clone.stderr).toContain('Shellport gives GitHub credentials only for a workspace');
    expect(baseUrl).toMatch(/^http:/);
  }, 60_000);

  it('stops giving credentials once nobody is signed in ("sign out everywhere"), with a message git prints, and gives them again after the next sign-in', async () => {
    const { owner, workspace, shellEnv } = await terminalInNewWorkspace();
    const env = terminalGitEnv(shellEnv);
    const before = await commitAndPush(workspace.localPath, env, 'before.txt');
    expect(before.code, before.stderr).toBe(0);

    const publicUrl = new URL(owner.config.server.publicUrl);
    const signOut = await owner.call({ method: 'POST', url: '/auth/logout-all', headers: { origin: publicUrl.origin, host: publicUrl.host } });
    expect(signOut.statusCode, signOut.body).toBe(200);
    expect(await owner.app.auth.sessions.list()).toEqual([]);

    // The terminal runs on, but its pushes stop, and git says why.
    const after = await commitAndPush(workspace.localPath, env, 'after.txt');
    expect(after.code).not.toBe(0);
    expect(after.stderr).toContain('git-credential-shellport: Nobody is signed in to Shellport (signed out everywhere, or the sign-in expired)');

    const again = await signInWithGitHub(owner.app, github.fake, OWNER);
    expect(again.cookie).toBeTruthy();
    const retried = await runGit(['push', 'origin', 'HEAD:main'], { cwd: workspace.localPath, env });
    expect(retried.code, retried.stderr).toBe(0);
  }, 60_000);

  it('records every answer, given or refused, in the auth log with the terminal and the repository, never the token or the secret', async () => {
    const { owner, baseUrl, repo, terminal, shellEnv } = await terminalInNewWorkspace();
    const secret = shellEnv.SHELLPORT_CREDENTIAL_SECRET!;
    const host = new URL(github.fake.url).host;
    const token = await owner.token();
    const ask = (body: unknown, bearer?: string) =>
      fetch(`${baseUrl}/internal/git-credential`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify(body),
      });
    const before = await owner.app.db.authLog.count();
    expect((await ask({ protocol: 'http', host, path: `${OWNER}/${repo.name}.git` }, secret)).status).toBe(200);
    expect((await ask({ protocol: 'http', host, path: `${OWNER}/someone-else.git` }, secret)).status).toBe(403);
    expect((await ask({ protocol: 'http', host, path: `${OWNER}/${repo.name}.git` })).status).toBe(403);

    const rows = await owner.app.db.authLog.findMany({ where: { action: 'git_credential' }, orderBy: { id: 'asc' } });
    expect(await owner.app.db.authLog.count()).toBe(before + 3);
    expect(rows.map((row) => ({ success: row.success, ip: row.ip, details: JSON.parse(row.details) }))).toEqual([
      { success: true, ip: '127.0.0.1', details: { repository: `http://${host}/${OWNER}/${repo.name}.git`, terminal: terminal.id, workspace: terminal.workspaceId } },
      {
        success: false,
        ip: '127.0.0.1',
        details: { repository: `http://${host}/${OWNER}/someone-else.git`, terminal: terminal.id, workspace: terminal.workspaceId, reason: 'other_repository' },
      },
      { success: false, ip: '127.0.0.1', details: { repository: `http://${host}/${OWNER}/${repo.name}.git`, terminal: null, workspace: null, reason: 'unknown_secret' } },
    ]);
    const everything = JSON.stringify(await owner.app.db.authLog.findMany());
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(secret);

    // The operations screen's auth log lists them.
    const listed = await owner.call({ method: 'GET', url: '/api/auth/log' });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.body).toContain('git_credential');
    expect(listed.body).not.toContain(token);
  }, 60_000);
});
