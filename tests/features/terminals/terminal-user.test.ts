// TERMINAL_USER (issue 18): shells, the server's git and the file work in workspaces run as another
// account than the server, which keeps DATA_DIR, the vault key, the database and its own process to
// itself. Switching accounts needs root: these tests run where the test runner is root (CI and the
// dev container are) and say so when skipped.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBareRepo, runGit } from '../../fake-github/repos.js';
import { buildTestApp, makeTempDir } from '../../helpers/app.js';
import { OWNER, cloneReady, listen, ownerApp, useGitHubFixture } from '../workspaces/helpers.js';
import { stopTerminalHosts } from '../../helpers/terminal-host.js';
import { connectClient, startTerminalApp, type TerminalClient, type TerminalTestApp } from './helpers.js';

/** The `nobody` account of this machine, which the tests use as TERMINAL_USER. */
function nobody(): { uid: number; gid: number; home: string } | null {
  const line = (existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '').split('\n').find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid, , home] = line?.split(':') ?? [];
  return uid && gid && home !== undefined ? { uid: Number(uid), gid: Number(gid), home } : null;
}

const SHELLS = nobody();
const isRoot = process.getuid?.() === 0;
const canSwitch = isRoot && SHELLS !== null && SHELLS.uid !== 0;

/** A test app whose shells run as `nobody`, with a bash terminal of that account attached. */
async function shellOfTheAccount(home: string) {
  const app = await startTerminalApp({ TERMINAL_USER: 'nobody', WORKSPACES_DIR: path.join(home, 'workspaces') });
  const client = await connectClient(app);
  const session = await client.create({ shell: 'bash' });
  await client.attach(session.id);
  return { app, client, session };
}

/** A directory owned by the shells' account, standing for its home (the real one, /nonexistent, does not exist). */
function shellsHome(): string {
  const home = makeTempDir('shellport-shells-home-');
  chownSync(home, SHELLS!.uid, SHELLS!.gid);
  return home;
}

/** Runs `command` in the terminal; resolves what it printed between two markers. */
async function run(client: TerminalClient, id: string, command: string): Promise<string> {
  const marker = randomBytes(4).toString('hex');
  client.input(id, `echo "<$((0x${marker}))"; ${command}; echo "$((0x${marker}))>"\n`);
  const start = `<${parseInt(marker, 16)}`;
  const end = `${parseInt(marker, 16)}>`;
  const text = await client.waitForText(id, new RegExp(`${start}\\r?\\n([\\s\\S]*?)${end}`));
  const all = text.replace(/\r/g, '');
  return all.slice(all.lastIndexOf(start) + start.length, all.lastIndexOf(end)).trim();
}

/** A real HTTP upload; `chunked` leaves out Content-Length, so only the streamed bytes can exceed the limit. */
function upload(app: TerminalTestApp, sessionId: string, name: string, data: Buffer, overwrite = false, chunked = false): Promise<{ status: number; body: any }> {
  const query = new URLSearchParams({ name, ...(overwrite ? { overwrite: 'true' } : {}) });
  const length: Record<string, string> = chunked ? {} : { 'content-length': String(data.length) };
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${app.origin}/api/terminals/${sessionId}/files?${query}`,
      { method: 'POST', headers: { 'content-type': 'application/octet-stream', ...length, cookie: app.cookie, origin: app.origin } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
      },
    );
    request.on('error', (error) => (chunked ? undefined : reject(error)));
    request.end(data);
  });
}

/** An upload for a prompt (`into=uploads`, issue 22): the answer's status and body. */
async function uploadForPrompt(app: TerminalTestApp, sessionId: string, name: string, data: Buffer): Promise<{ status: number; body: any }> {
  const reply = await fetch(`${app.origin}/api/terminals/${sessionId}/files?${new URLSearchParams({ name, into: 'uploads' })}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', cookie: app.cookie, origin: app.origin },
    body: new Uint8Array(data),
  });
  return { status: reply.status, body: await reply.json() };
}

describe.runIf(canSwitch)('shells as another account (TERMINAL_USER, needs root: skipped otherwise)', () => {
  const github = useGitHubFixture();

  it("runs shells as TERMINAL_USER, which cannot read DATA_DIR, the vault key, the database or the server's environment", async () => {
    const home = shellsHome();
    const app = await startTerminalApp({ TERMINAL_USER: 'nobody', WORKSPACES_DIR: path.join(home, 'workspaces') });
    const keyFile = path.join(app.dataDir, 'secret.key');
    expect(existsSync(keyFile)).toBe(true);
    expect(existsSync(app.config.storage.databaseFile)).toBe(true);

    const client = await connectClient(app);
    const session = await client.create({ shell: 'bash' });
    await client.attach(session.id);
    expect(await run(client, session.id, 'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G) home=$HOME user=$USER pwd=$PWD"')).toBe(
      `uid=${SHELLS!.uid} gid=${SHELLS!.gid} groups=${SHELLS!.gid} home=${SHELLS!.home} user=nobody pwd=/`,
    );
    expect(process.getuid!()).not.toBe(SHELLS!.uid);
    const denied = (file: string) => `cat '${file}' >/dev/null 2>&1 && echo READ || echo DENIED`;
    expect(await run(client, session.id, denied(keyFile))).toBe('DENIED');
    expect(await run(client, session.id, denied(app.config.storage.databaseFile))).toBe('DENIED');
    expect(await run(client, session.id, `ls '${app.dataDir}' >/dev/null 2>&1 && echo READ || echo DENIED`)).toBe('DENIED');
    expect(await run(client, session.id, denied(`/proc/${process.pid}/environ`))).toBe('DENIED');
    expect(await run(client, session.id, `cat /proc/${process.pid}/environ 2>&1 | head -c 300`)).toMatch(/Permission denied/);
    // The server itself still reads all of it.
    expect(readFileSync(keyFile).length).toBeGreaterThan(0);
  });

  it('runs shells as TERMINAL_USER through the terminal host too, and they reach neither its socket, its token nor its environment', async () => {
    const home = shellsHome();
    const app = await startTerminalApp({ TERMINAL_USER: 'nobody', WORKSPACES_DIR: path.join(home, 'workspaces'), TERMINAL_HOST: 'auto' });
    const hostDir = path.join(app.dataDir, 'terminal-host');
    try {
      const client = await connectClient(app);
      const session = await client.create({ shell: 'bash' });
      await client.attach(session.id);
      expect(await run(client, session.id, 'echo "uid=$(id -u) user=$USER"')).toBe(`uid=${SHELLS!.uid} user=nobody`);
      const hostPid = Number(readFileSync(path.join(hostDir, 'host.pid'), 'utf8'));
      expect(hostPid).not.toBe(process.pid);
      const denied = (file: string) => `cat '${file}' >/dev/null 2>&1 && echo READ || echo DENIED`;
      expect(await run(client, session.id, denied(path.join(hostDir, 'token')))).toBe('DENIED');
      expect(await run(client, session.id, denied(`/proc/${hostPid}/environ`))).toBe('DENIED');
      expect(await run(client, session.id, `ls '${hostDir}' >/dev/null 2>&1 && echo READ || echo DENIED`)).toBe('DENIED');
      // The socket cannot even be reached: its directory is closed to the shells.
      expect(await run(client, session.id, `[ -S '${path.join(hostDir, 'host.sock')}' ] && echo SEEN || echo HIDDEN`)).toBe('HIDDEN');
    } finally {
      stopTerminalHosts(app.dataDir);
    }
  });

  it('clones as TERMINAL_USER: the workspace is its own, its terminals and git work there, and deleting removes it', async () => {
    const home = shellsHome();
    const owner = await ownerApp(github.fake, { TERMINAL_USER: 'nobody', WORKSPACES_DIR: path.join(home, 'workspaces') });
    await listen(owner.app);
    const bare = await createBareRepo(path.join(github.fixtures, 'two-users.git'), { branches: { main: ['first'] } });
    github.fake.addRepo({ owner: OWNER, name: 'two-users', private: true, bare: bare.path });
    const workspace = await cloneReady(owner, `${OWNER}/two-users`);
    expect(workspace.localPath.startsWith(path.join(home, 'workspaces'))).toBe(true);
    for (const entry of [path.join(home, 'workspaces'), path.dirname(workspace.localPath), workspace.localPath, path.join(workspace.localPath, '.git', 'config')]) {
      expect(statSync(entry).uid, entry).toBe(SHELLS!.uid);
    }
    expect((await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}/status` })).statusCode).toBe(200);
    expect((await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/fetch` })).statusCode).toBe(200);

    // A terminal in it is the shells' account, and git there pushes with the workspace's credentials.
    const baseUrl = `http://127.0.0.1:${(owner.app.server.address() as AddressInfo).port}`;
    const client = await connectClient({ ...owner, port: 0, origin: baseUrl, cookie: owner.cookie });
    const session = await client.create({ workspaceId: workspace.id, shell: 'bash' });
    await client.attach(session.id);
    expect(await run(client, session.id, 'echo "uid=$(id -u) pwd=$PWD"')).toBe(`uid=${SHELLS!.uid} pwd=${workspace.localPath}`);
    const pushed = await run(
      client,
      session.id,
      'export GIT_TERMINAL_PROMPT=0; git -c user.name=Owner -c user.email=owner@example.invalid commit --allow-empty --quiet -m two-users && git push --quiet origin HEAD:main 2>&1; echo "exit=$?"',
    );
    expect(pushed).toMatch(/exit=0$/);
    const head = (await runGit(['--git-dir', bare.path, 'log', '-1', '--format=%s', 'main'])).stdout.trim();
    expect(head).toBe('two-users');

    const removed = await owner.call({ method: 'DELETE', url: `/api/workspaces/${workspace.id}?confirm=${encodeURIComponent(workspace.name)}` });
    expect(removed.statusCode, removed.body).toBe(204);
    expect(existsSync(workspace.localPath)).toBe(false);
  }, 60_000);

  it("writes uploads as TERMINAL_USER: its files, and only where it may write itself", async () => {
    const home = shellsHome();
    const app = await startTerminalApp({ TERMINAL_USER: 'nobody', WORKSPACES_DIR: path.join(home, 'workspaces'), UPLOAD_MAX_MB: '3' });
    const client = await connectClient(app);
    const session = await client.create({ shell: 'bash' });
    await client.attach(session.id);
    const dir = path.join(home, 'drop here');
    expect(await run(client, session.id, `mkdir '${dir}' && cd '${dir}' && pwd`)).toBe(dir);

    const data = randomBytes(2 * 1024 * 1024 + 5);
    const saved = await upload(app, session.id, 'data.bin', data);
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.file).toEqual({ name: 'data.bin', path: path.join(dir, 'data.bin'), dir, bytes: data.length, replaced: false });
    expect(readFileSync(path.join(dir, 'data.bin')).equals(data)).toBe(true);
    expect(statSync(path.join(dir, 'data.bin')).uid).toBe(SHELLS!.uid);

    expect((await upload(app, session.id, 'data.bin', Buffer.from('again'))).body.error).toMatchObject({ code: 'file_exists' });
    const replaced = await upload(app, session.id, 'data.bin', Buffer.from('again'), true);
    expect(replaced.body.file).toMatchObject({ replaced: true, bytes: 5 });
    expect(readFileSync(path.join(dir, 'data.bin'), 'utf8')).toBe('again');
    mkdirSync(path.join(dir, 'sub'));
    expect((await upload(app, session.id, 'sub', Buffer.from('x'), true)).body.error).toMatchObject({ code: 'not_a_file' });
    // Too large, found out while streaming: the writer is stopped and its temporary file removed.
    const tooLarge = await upload(app, session.id, 'big.bin', randomBytes(3 * 1024 * 1024 + 1), false, true);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toMatchObject({ code: 'file_too_large' });

    // Root could write into / or DATA_DIR; the shells' account cannot, so neither can its uploads.
    expect(await run(client, session.id, `cd / && pwd`)).toBe('/');
    const refused = await upload(app, session.id, 'planted', Buffer.from('x'));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'permission_denied' });
    expect(existsSync('/planted')).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['data.bin', 'sub']);
  });

  it("puts images for a prompt into the repository's .shellport/uploads as TERMINAL_USER: its folders, its files, one exclude line", async () => {
    const home = shellsHome();
    const { app, client, session } = await shellOfTheAccount(home);
    const repo = path.join(home, 'project');
    // The repository is the shells' account's, made by it.
    expect(await run(client, session.id, `mkdir -p '${repo}/src' && cd '${repo}' && git init -q && cd src && pwd`)).toBe(path.join(repo, 'src'));

    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const uploads = path.join(repo, '.shellport', 'uploads');
    const first = await uploadForPrompt(app, session.id, 'image.png', png);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.file).toMatchObject({ dir: uploads, bytes: png.length, replaced: false });
    expect(first.body.file.name).toMatch(/^image-\d{8}-\d{6}\.png$/);
    expect(first.body.file.path).toBe(path.join(uploads, first.body.file.name));
    expect(readFileSync(first.body.file.path).equals(png)).toBe(true);
    const second = await uploadForPrompt(app, session.id, 'image.png', png);
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body.file.name).not.toBe(first.body.file.name);
    expect(path.dirname(second.body.file.path)).toBe(uploads);
    const exclude = path.join(repo, '.git', 'info', 'exclude');
    for (const entry of [path.join(repo, '.shellport'), uploads, first.body.file.path, second.body.file.path, exclude]) {
      expect(statSync(entry).uid, entry).toBe(SHELLS!.uid);
    }
    expect(readFileSync(exclude, 'utf8').split('\n').filter((line) => line === '/.shellport/uploads/')).toHaveLength(1);
    expect(readdirSync(uploads).sort()).toEqual([first.body.file.name, second.body.file.name].sort());
    // git (as the account, which owns the repository) sees nothing new.
    expect(await run(client, session.id, `git status --porcelain --untracked-files=all; echo "status=$?"`)).toBe('status=0');

    // From a linked worktree: its own top, the main repository's excludes (already there: not again).
    const tree = path.join(home, 'tree');
    const made = await run(client, session.id, `git -c user.email=a@b -c user.name=a commit -q --allow-empty -m start && git worktree add -q '${tree}' 2>&1 && cd '${tree}' && pwd`);
    expect(made).toBe(tree);
    const fromTree = await uploadForPrompt(app, session.id, 'shot.jpeg', png);
    expect(fromTree.status, JSON.stringify(fromTree.body)).toBe(201);
    expect(fromTree.body.file.dir).toBe(path.join(tree, '.shellport', 'uploads'));
    expect(statSync(fromTree.body.file.path).uid).toBe(SHELLS!.uid);
    expect(readFileSync(exclude, 'utf8').split('\n').filter((line) => line === '/.shellport/uploads/')).toHaveLength(1);
  });

  it('refuses a .shellport or uploads the account replaced with a symbolic link or a file, and writes nothing elsewhere', async () => {
    const home = shellsHome();
    const { app, client, session } = await shellOfTheAccount(home);
    const repo = path.join(home, 'project');
    // Somewhere the account may write itself, and somewhere only root may: followed, either would take the file.
    const outside = path.join(home, 'outside');
    const rootOnly = makeTempDir('shellport-root-only-');
    chmodSync(rootOnly, 0o755);
    expect(await run(client, session.id, `mkdir '${outside}' '${repo}' && cd '${repo}' && git init -q && ln -s '${outside}' .shellport && pwd`)).toBe(repo);
    const png = Buffer.from('image');
    const outsideLink = await uploadForPrompt(app, session.id, 'image.png', png);
    expect(outsideLink.status, JSON.stringify(outsideLink.body)).toBe(409);
    expect(outsideLink.body.error).toMatchObject({ code: 'not_a_folder', details: { path: path.join(repo, '.shellport') } });

    expect(await run(client, session.id, `rm .shellport && mkdir .shellport && ln -s '${rootOnly}' .shellport/uploads && echo planted`)).toBe('planted');
    const rootLink = await uploadForPrompt(app, session.id, 'image.png', png);
    expect(rootLink.status, JSON.stringify(rootLink.body)).toBe(409);
    expect(rootLink.body.error).toMatchObject({ code: 'not_a_folder', details: { path: path.join(repo, '.shellport', 'uploads') } });

    expect(await run(client, session.id, `rm .shellport/uploads && touch .shellport/uploads && echo planted`)).toBe('planted');
    expect((await uploadForPrompt(app, session.id, 'image.png', png)).body.error).toMatchObject({ code: 'not_a_folder' });

    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(rootOnly)).toEqual([]);
    expect(lstatSync(path.join(repo, '.shellport', 'uploads')).isFile()).toBe(true);
    // Refused before the exclude line: nothing in the repository changed.
    expect(readFileSync(path.join(repo, '.git', 'info', 'exclude'), 'utf8')).not.toContain('/.shellport/uploads/');
  });

  it("puts images for a prompt into the shell's directory outside a repository, as TERMINAL_USER, and only where it may write", async () => {
    const home = shellsHome();
    const { app, client, session } = await shellOfTheAccount(home);
    const plain = path.join(home, 'plain');
    expect(await run(client, session.id, `mkdir '${plain}' && cd '${plain}' && pwd`)).toBe(plain);
    const saved = await uploadForPrompt(app, session.id, 'image.png', Buffer.from('image'));
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.file.dir).toBe(path.join(plain, '.shellport', 'uploads'));
    for (const entry of [path.join(plain, '.shellport'), saved.body.file.dir, saved.body.file.path]) expect(statSync(entry).uid, entry).toBe(SHELLS!.uid);

    // Root could create /.shellport; the shells' account cannot, so neither can its uploads.
    expect(await run(client, session.id, 'cd / && pwd')).toBe('/');
    const refused = await uploadForPrompt(app, session.id, 'image.png', Buffer.from('image'));
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'permission_denied' });
    expect(existsSync('/.shellport')).toBe(false);
  });

  it('finds workspaces moved out of DATA_DIR when upgrading from one account to two (docs/deploy.md)', async () => {
    const before = await ownerApp(github.fake);
    const bare = await createBareRepo(path.join(github.fixtures, 'upgraded.git'), { branches: { main: ['first'] } });
    github.fake.addRepo({ owner: OWNER, name: 'upgraded', private: true, bare: bare.path });
    const workspace = await cloneReady(before, `${OWNER}/upgraded`);
    expect(workspace.localPath).toBe(path.join(before.dataDir, 'workspaces', OWNER, 'upgraded'));
    await before.app.close();

    // The documented move: the workspaces into the shells' home, theirs; DATA_DIR stays root's.
    const home = shellsHome();
    renameSync(path.join(before.dataDir, 'workspaces'), path.join(home, 'workspaces'));
    spawnSync('chown', ['-R', `${SHELLS!.uid}:${SHELLS!.gid}`, path.join(home, 'workspaces')]);
    const after = await ownerApp(github.fake, { DATA_DIR: before.dataDir, TERMINAL_USER: 'nobody', WORKSPACES_DIR: path.join(home, 'workspaces') });
    const moved = (await after.call({ method: 'GET', url: `/api/workspaces/${workspace.id}` })).json().workspace;
    expect(moved.localPath).toBe(path.join(home, 'workspaces', OWNER, 'upgraded'));
    const terminal = await after.app.terminals.create({ workspaceId: workspace.id, shell: 'sh' });
    expect(terminal.cwd).toBe(moved.localPath);
    // Right after the spawn the child may still be node-pty's fork, before it changed user and ran the shell.
    await expect.poll(() => readFileSync(`/proc/${terminal.pid}/status`, 'utf8'), { timeout: 5_000 }).toMatch(new RegExp(`^Uid:\\t${SHELLS!.uid}\\t`, 'm'));
  }, 60_000);

  it('refuses to start when the shells could reach DATA_DIR', async () => {
    const home = shellsHome();
    const inside = buildTestApp({ TERMINAL_USER: 'nobody' });
    await expect(inside).rejects.toThrow(/WORKSPACES_DIR \(.*\) is inside DATA_DIR/);

    const open = makeTempDir('shellport-open-data-');
    chmodSync(open, 0o755);
    await expect(buildTestApp({ TERMINAL_USER: 'nobody', DATA_DIR: open, WORKSPACES_DIR: path.join(home, 'workspaces') })).rejects.toThrow(
      /DATA_DIR \(.*\) is open to group or others \(mode 755\)/,
    );
  });
});
