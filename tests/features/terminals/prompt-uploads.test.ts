// Files for a prompt (issue 22 §2): POST /api/terminals/:id/files?into=uploads puts them into the
// repository's .shellport/uploads under a name of their own, and keeps that folder out of git.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { excludeUploads, findRepository, promptUploadName } from '../../../src/features/terminals/prompt-uploads.js';
import { makeTempDir } from '../../helpers/app.js';
import { connectClient, startTerminalApp, type TerminalTestApp } from './helpers.js';

async function uploadForPrompt(app: TerminalTestApp, id: string, name: string, data: Buffer, into = 'uploads') {
  const reply = await fetch(`${app.origin}/api/terminals/${id}/files?${new URLSearchParams({ name, into })}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', cookie: app.cookie, origin: app.origin },
    body: new Uint8Array(data),
  });
  return { status: reply.status, body: (await reply.json()) as { file?: { name: string; path: string; dir: string; bytes: number }; error?: { code: string; message: string } } };
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: cwd } });

describe('uploads for a prompt', () => {
  it('names each file for the moment it came, within 255 bytes', () => {
    const now = new Date('2026-12-07T15:22:33.456Z');
    expect(promptUploadName('image.png', now)).toBe('image-20261207-152233.png');
    expect(promptUploadName('image.png', now, 1)).toBe('image-20261207-152233-2.png');
    expect(promptUploadName('.env', now)).toBe('.env-20261207-152233');
    expect(promptUploadName('notes', now)).toBe('notes-20261207-152233');
    const long = promptUploadName(`${'é'.repeat(200)}.jpeg`, now);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(255);
    expect(long.endsWith('-20261207-152233.jpeg')).toBe(true);
  });

  it('finds the repository from a directory inside it, a worktree\'s main one, and none outside', async () => {
    const root = makeTempDir('prompt-uploads-');
    const repo = path.join(root, 'repo');
    mkdirSync(path.join(repo, 'src/deep'), { recursive: true });
    git(repo, 'init', '-q');
    expect(await findRepository(path.join(repo, 'src/deep'))).toEqual({ top: repo, gitDir: path.join(repo, '.git') });
    git(repo, '-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-q', '--allow-empty', '-m', 'start');
    git(repo, 'worktree', 'add', '-q', path.join(root, 'tree'));
    expect(await findRepository(path.join(root, 'tree'))).toEqual({ top: path.join(root, 'tree'), gitDir: path.join(repo, '.git') });
    const outside = path.join(root, 'plain');
    mkdirSync(outside);
    // The temp directory may itself be inside a repository on a developer's machine: only check it is not this one.
    expect((await findRepository(outside))?.top).not.toBe(repo);
  });

  it('adds the exclude line once, after what the file held', async () => {
    const gitDir = makeTempDir('prompt-exclude-');
    mkdirSync(path.join(gitDir, 'info'));
    writeFileSync(path.join(gitDir, 'info/exclude'), '*.log');
    await excludeUploads(gitDir);
    await excludeUploads(gitDir);
    expect(readFileSync(path.join(gitDir, 'info/exclude'), 'utf8')).toBe("*.log\n# Files pasted into Shellport's terminals for agents to read\n/.shellport/uploads/\n");
  });

  it('puts a pasted image into the repository\'s .shellport/uploads, a second one beside it, and git does not see them', async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    const session = await client.create({ shell: 'bash' });
    await client.attach(session.id);
    const repo = path.join(String(app.config.terminals.baseEnv.HOME), 'project');
    mkdirSync(path.join(repo, 'src'), { recursive: true });
    git(repo, 'init', '-q');
    client.input(session.id, `cd '${repo}/src' && echo "IN-$((6*7))"\n`);
    await client.waitForText(session.id, 'IN-42');

    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const first = await uploadForPrompt(app, session.id, 'image.png', png);
    expect(first.status).toBe(201);
    const uploads = path.join(repo, '.shellport/uploads');
    expect(first.body.file).toMatchObject({ dir: uploads, bytes: png.length });
    expect(first.body.file!.name).toMatch(/^image-\d{8}-\d{6}\.png$/);
    expect(first.body.file!.path).toBe(path.join(uploads, first.body.file!.name));
    expect(readFileSync(first.body.file!.path)).toEqual(png);
    // The same name again (a phone's pasted images are all image.png): a file of its own, no question.
    const second = await uploadForPrompt(app, session.id, 'image.png', png);
    expect(second.status).toBe(201);
    expect(second.body.file!.path).not.toBe(first.body.file!.path);
    expect(path.dirname(second.body.file!.path)).toBe(uploads);
    // Kept out of git, without a change to anything committed.
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(readFileSync(path.join(repo, '.git/info/exclude'), 'utf8')).toContain('/.shellport/uploads/\n');

    // A bad `into` is refused, naming the field.
    const refused = await uploadForPrompt(app, session.id, 'image.png', png, 'elsewhere');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'validation_failed' });
    expect(refused.body.error!.message).toMatch(/into/);
  });

  it('refuses a .shellport or uploads that is a symbolic link or a file rather than write where it points', async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    const session = await client.create({ shell: 'bash' });
    await client.attach(session.id);
    const repo = path.join(String(app.config.terminals.baseEnv.HOME), 'linked');
    const elsewhere = makeTempDir('prompt-elsewhere-');
    mkdirSync(repo, { recursive: true });
    git(repo, 'init', '-q');
    symlinkSync(elsewhere, path.join(repo, '.shellport'));
    client.input(session.id, `cd '${repo}' && echo "IN-$((6*7))"\n`);
    await client.waitForText(session.id, 'IN-42');

    const linked = await uploadForPrompt(app, session.id, 'image.png', Buffer.from('image'));
    expect(linked.status).toBe(409);
    expect(linked.body.error).toMatchObject({ code: 'not_a_folder' });
    expect(linked.body.error!.message).toContain(path.join(repo, '.shellport'));
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readFileSync(path.join(repo, '.git/info/exclude'), 'utf8')).not.toContain('/.shellport/uploads/');
  });
});
