import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { saveUpload } from '../../../src/features/terminals/uploads.js';
import { makeTempDir } from '../../helpers/app.js';
import { connectClient, startTerminalApp, waitUntil, type TerminalClient, type TerminalTestApp } from './helpers.js';

interface Reply {
  status: number;
  body: { file?: { name: string; path: string; dir: string; bytes: number; replaced: boolean }; error?: { code: string; message: string } };
}

interface UploadOptions {
  overwrite?: boolean;
  cookie?: string | null;
  origin?: string | null;
  /** Sent without Content-Length (chunked), in 64 KiB writes, until the server answers. */
  chunked?: boolean;
}

/** A real HTTP upload over a socket (not inject), with the owner's cookie and our Origin unless told otherwise. */
function upload(app: TerminalTestApp, sessionId: string, name: string, data: Buffer, options: UploadOptions = {}): Promise<Reply> {
  const query = new URLSearchParams({ name, ...(options.overwrite ? { overwrite: 'true' } : {}) });
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  const cookie = options.cookie === undefined ? app.cookie : options.cookie;
  const origin = options.origin === undefined ? app.origin : options.origin;
  if (cookie) headers.cookie = cookie;
  if (origin) headers.origin = origin;
  if (!options.chunked) headers['content-length'] = String(data.length);
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request(`${app.origin}/api/terminals/${sessionId}/files?${query}`, { method: 'POST', headers }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Reply['body'] }));
    });
    // Writing on after an early answer fails once the server closes the connection: that is expected.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (!options.chunked) return void request.end(data);
    void (async () => {
      for (let offset = 0; offset < data.length && !answered && !request.destroyed; offset += 64 * 1024) {
        if (!request.write(data.subarray(offset, offset + 64 * 1024))) await new Promise((done) => request.once('drain', done));
      }
      if (!request.destroyed) request.end();
    })();
  });
}

/** A running bash whose current directory is `dir` (made by the test, inside the shell's HOME). */
async function shellIn(app: TerminalTestApp, dirName: string): Promise<{ client: TerminalClient; id: string; dir: string }> {
  const client = await connectClient(app);
  const session = await client.create({ shell: 'bash' });
  await client.attach(session.id);
  const dir = path.join(String(app.config.terminals.baseEnv.HOME), dirName);
  mkdirSync(dir, { recursive: true });
  client.input(session.id, `cd '${dir}' && echo "IN-$((6*7))"\n`);
  await client.waitForText(session.id, 'IN-42');
  return { client, id: session.id, dir };
}

async function expectServing(app: TerminalTestApp) {
  const reply = await app.app.inject({ method: 'GET', url: '/api/terminals', headers: { cookie: app.cookie } });
  expect(reply.statusCode).toBe(200);
}

describe('uploading files into a terminal', () => {
  it('writes the file byte-exact into the shell\'s current directory, with the default mode, and logs it without its contents', async () => {
    const app = await startTerminalApp();
    const { client, id, dir } = await shellIn(app, 'deep/sub dir');
    const data = randomBytes(3 * 1024 * 1024 + 17);

    const reply = await upload(app, id, 'data.bin', data);
    expect(reply.status).toBe(201);
    expect(reply.body.file).toEqual({ name: 'data.bin', path: path.join(dir, 'data.bin'), dir, bytes: data.length, replaced: false });
    expect(readFileSync(path.join(dir, 'data.bin')).equals(data)).toBe(true);
    expect(readdirSync(dir)).toEqual(['data.bin']);

    // The same mode as a file the shell creates (the umask both inherit).
    client.input(id, 'touch by-shell && echo "TOUCHED-$((2*3))"\n');
    await client.waitForText(id, 'TOUCHED-6');
    expect(statSync(path.join(dir, 'data.bin')).mode).toBe(statSync(path.join(dir, 'by-shell')).mode);

    // Names starting with a dot and names with spaces and non-ASCII letters are the user's own files.
    expect((await upload(app, id, '.env.local', Buffer.from('A=1\n'))).status).toBe(201);
    expect((await upload(app, id, 'ré sumé (1).txt', Buffer.alloc(0))).body.file).toMatchObject({ bytes: 0 });
    expect(readFileSync(path.join(dir, 'ré sumé (1).txt')).length).toBe(0);

    const logged = app.logLines().find((line) => line.msg === 'file uploaded into a terminal directory' && line.bytes === data.length);
    expect(logged).toMatchObject({ sessionId: id, path: path.join(dir, 'data.bin'), level: 30 });
    expect(app.logText()).not.toContain(data.subarray(0, 64).toString('base64'));
  });

  it('refuses to replace an existing file unless overwrite=true, and never writes over a directory', async () => {
    const app = await startTerminalApp();
    const { id, dir } = await shellIn(app, 'work');
    writeFileSync(path.join(dir, 'notes.txt'), 'original');
    mkdirSync(path.join(dir, 'src'));

    const refused = await upload(app, id, 'notes.txt', Buffer.from('new'));
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'file_exists' });
    expect(refused.body.error?.message).toContain(path.join(dir, 'notes.txt'));
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('original');

    const replaced = await upload(app, id, 'notes.txt', Buffer.from('new'), { overwrite: true });
    expect(replaced.status).toBe(201);
    expect(replaced.body.file).toMatchObject({ replaced: true, bytes: 3 });
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('new');

    const directory = await upload(app, id, 'src', Buffer.from('x'), { overwrite: true });
    expect(directory.status).toBe(409);
    expect(directory.body.error).toMatchObject({ code: 'not_a_file' });
    expect(statSync(path.join(dir, 'src')).isDirectory()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'src']);
    await expectServing(app);
  });

  it('refuses names that are not a plain file name with 400 naming the problem', async () => {
    const app = await startTerminalApp();
    const { id, dir } = await shellIn(app, 'names');
    const cases: [string, string][] = [
      ['../x', 'without "/"'],
      ['a/b', 'without "/"'],
      ['', 'it is empty'],
      ['.', 'not "." or ".."'],
      ['..', 'not "." or ".."'],
      ['a\0b', 'NUL'],
      ['é'.repeat(150), 'at most 255 bytes'],
      ['\x1b[31mred.txt', 'without control characters'],
      ['two\nlines.txt', 'without control characters'],
      ['invoice\u202Etxt.exe', 'text-direction marks'],
    ];
    for (const [name, problem] of cases) {
      const reply = await upload(app, id, name, Buffer.from('x'));
      expect(reply.status, name).toBe(400);
      expect(reply.body.error?.code).toBe('validation_failed');
      expect(reply.body.error?.message).toContain(`name: `);
      expect(reply.body.error?.message).toContain(problem);
    }
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(path.dirname(dir))).toEqual(['names']);
    await expectServing(app);
  });

  it('refuses a file over UPLOAD_MAX_MB with 413, whether its size is declared or not, and leaves nothing behind', async () => {
    const app = await startTerminalApp({ UPLOAD_MAX_MB: '1' });
    const { id, dir } = await shellIn(app, 'big');
    const tooBig = randomBytes(1024 * 1024 + 1);

    const declared = await upload(app, id, 'big.bin', tooBig);
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatchObject({ code: 'file_too_large' });
    expect(declared.body.error?.message).toContain('1 MiB');

    const streamed = await upload(app, id, 'big.bin', Buffer.concat([tooBig, randomBytes(4 * 1024 * 1024)]), { chunked: true });
    expect(streamed.status).toBe(413);
    expect(streamed.body.error).toMatchObject({ code: 'file_too_large' });
    expect(readdirSync(dir)).toEqual([]);

    // Exactly the limit is fine.
    expect((await upload(app, id, 'max.bin', tooBig.subarray(1), { chunked: true })).status).toBe(201);
    expect(readdirSync(dir)).toEqual(['max.bin']);
    await expectServing(app);
  });

  it('leaves neither the file nor a temporary file when the client goes away mid-upload', async () => {
    const app = await startTerminalApp();
    const { id, dir } = await shellIn(app, 'aborted');
    const request = http.request(`${app.origin}/api/terminals/${id}/files?name=half.bin`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(8 * 1024 * 1024), cookie: app.cookie, origin: app.origin },
    });
    request.on('error', () => undefined);
    request.write(randomBytes(1024 * 1024));
    // The server is writing the temporary file: the upload is under way.
    await waitUntil(() => readdirSync(dir).some((entry) => entry.endsWith('.part')));
    request.destroy();

    await waitUntil(() => readdirSync(dir).length === 0);
    expect(app.logLines().some((line) => line.msg === 'file uploaded into a terminal directory')).toBe(false);
    await expectServing(app);
    expect((await upload(app, id, 'half.bin', Buffer.from('whole'))).status).toBe(201);
  });

  it('leaves no temporary file behind when uploads are cancelled at once, before the file is even open', async () => {
    const dir = makeTempDir('shellport-cancelled-');
    const cancelled = Array.from({ length: 100 }, async (_, i) => {
      const body = new PassThrough();
      const saving = saveUpload({ dir, name: `file-${i}.bin`, body, maxBytes: 1024 * 1024, overwrite: false });
      body.write(randomBytes(512));
      setTimeout(() => body.destroy(), i % 10);
      return saving.then(
        () => 'saved',
        (error: { code?: string }) => error.code,
      );
    });
    expect(new Set(await Promise.all(cancelled))).toEqual(new Set(['upload_aborted']));
    // Anything still being opened or closed after the answers would show up here.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('answers 404 for an unknown terminal and 409 for an ended one', async () => {
    const app = await startTerminalApp();
    const unknown = await upload(app, '00000000-0000-4000-8000-000000000000', 'x.txt', Buffer.from('x'));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('not_found');

    const notAnId = await upload(app, 'nope', 'x.txt', Buffer.from('x'));
    expect(notAnId.status).toBe(400);

    const { client, id } = await shellIn(app, 'ended');
    await client.ok('terminal:kill', { sessionId: id });
    const ended = await upload(app, id, 'x.txt', Buffer.from('x'));
    expect(ended.status).toBe(409);
    expect(ended.body.error).toMatchObject({ code: 'session_ended' });
    expect(ended.body.error?.message).toContain('Open a new terminal');
    await expectServing(app);
  });

  it('refuses uploads without a sign-in or from another site, and writes nothing', async () => {
    const app = await startTerminalApp();
    const { id, dir } = await shellIn(app, 'guarded');
    const anonymous = await upload(app, id, 'x.txt', Buffer.from('x'), { cookie: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error?.code).toBe('unauthenticated');
    const forged = await upload(app, id, 'x.txt', Buffer.from('x'), { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect(forged.body.error?.code).toBe('cross_site_request');
    expect(readdirSync(dir)).toEqual([]);
    await expectServing(app);
  });
});
