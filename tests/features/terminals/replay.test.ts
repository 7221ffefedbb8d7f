import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { readScrollback, segmentFileName } from '../../../src/features/terminals/scrollback-files.js';
import { createTestClock, signInAsOwner, testConfig } from '../../helpers/app.js';
import { connectClient, startTerminalApp, storedBytes, waitUntil } from './helpers.js';
import { TRANSPORTS } from './transports.js';

/** The standalone numbers in `seq` output, in order (the first follows the shell integration's "command starts" mark). */
function numbers(text: string): number[] {
  return [...text.matchAll(/^(?:\x1b\]133;C\x07)?(\d+)\r$/gm)].map((match) => Number(match[1]));
}

describe.each(TRANSPORTS)('replay over $name', ({ connect }) => {
  it('a client reconnecting with its last seq gets exactly what it missed, under heavy output', async () => {
    const app = await startTerminalApp();
    const typist = await connect(app);
    const session = await typist.create();
    await typist.attach(session.id);
    typist.input(session.id, 'seq 1 200000; echo DONE-$((1+1))\n');

    const collected: Buffer[] = [];
    let position = 0;
    for (let round = 0; round < 4; round++) {
      const reader = await connect(app);
      await reader.attach(session.id, { lastSeq: position });
      if (round < 3) await waitUntil(() => reader.stream(session.id).seq >= position + 100_000 || reader.text(session.id).includes('DONE-2'));
      else await reader.waitForText(session.id, 'DONE-2');
      reader.close(); // a dropped connection in the middle of the flood
      const stream = reader.stream(session.id);
      expect(stream.discontinuities).toEqual([]);
      expect(stream.resets).toEqual([]);
      collected.push(...stream.chunks);
      position = stream.seq;
    }
    const replayed = Buffer.concat(collected);
    expect(replayed.length).toBe(position);
    const text = replayed.toString();
    expect(numbers(text)).toEqual(Array.from({ length: 200_000 }, (_, i) => i + 1));
    await typist.waitForText(session.id, 'DONE-2');
    expect(typist.bytes(session.id).subarray(0, position).equals(replayed)).toBe(true);
  });

  it('replays from disk once the in-memory buffer has wrapped, and resets past the retained size', async () => {
    const app = await startTerminalApp({
      TERMINAL_FLOW_HIGH_WATERMARK_KB: '16',
      TERMINAL_FLOW_LOW_WATERMARK_KB: '4',
      TERMINAL_RING_BUFFER_KB: '64',
      TERMINAL_RETAINED_OUTPUT_KB: '256',
      TERMINAL_PERSIST_BATCH_KB: '16',
    });
    const first = await connect(app);
    const session = await first.create();
    await first.attach(session.id);
    first.input(session.id, 'seq 1 30000; echo DONE-$((2+2))\n'); // ~170 KB: more than the ring holds
    await first.waitForText(session.id, 'DONE-4');
    const inspected = app.app.terminals.inspect(session.id)!;
    expect(inspected.ringStart).toBeGreaterThan(0); // the ring wrapped: offset 0 is only on disk

    const replay = await connect(app);
    const reply = await replay.attach(session.id, { lastSeq: 0 });
    expect(reply).toMatchObject({ from: 0, reset: false });
    await replay.waitForText(session.id, 'DONE-4');
    expect(replay.stream(session.id).discontinuities).toEqual([]);
    expect(replay.bytes(session.id).equals(first.bytes(session.id).subarray(0, replay.stream(session.id).seq))).toBe(true);

    first.input(session.id, 'seq 1 60000; echo DONE-$((3+3))\n'); // now past the retained 256 KiB
    await first.waitForText(session.id, 'DONE-6');
    await waitUntil(() => app.app.terminals.inspect(session.id)!.retainedStart > 0);
    // The writer thread removes old segments after it appends: once it has, the oldest byte kept no
    // longer moves, so the late client's replay starts at the one reset it is told about.
    await waitUntil(() => storedBytes(app, session.id) <= 256 * 1024 + 64 * 1024 + 16 * 1024, 5000);
    const late = await connect(app);
    const lateReply = await late.attach(session.id, { lastSeq: 0 });
    expect(lateReply.reset).toBe(true);
    expect(lateReply.from).toBeGreaterThan(0);
    await late.waitForText(session.id, 'DONE-6');
    const stream = late.stream(session.id);
    expect(stream.resets).toEqual([lateReply.from]);
    expect(stream.discontinuities).toEqual([]);
    expect(late.bytes(session.id).equals(first.bytes(session.id).subarray(lateReply.from, stream.seq))).toBe(true);
  });

});

// The server's side of a restart: the transport plays no part.
describe('replay', () => {
  it('after a server restart, terminals left running are ended with reason server-restart and stay readable; output of unknown terminals is deleted', async () => {
    const first = await startTerminalApp();
    const client = await connectClient(first);
    const session = await client.create();
    await client.attach(session.id);
    client.input(session.id, 'echo before-restart-$((10*10))\n');
    await client.waitForText(session.id, 'before-restart-100');
    await waitUntil(async () => {
      const stored = readScrollback(first.config.storage.scrollbackDir, session.id, 0, 1024 * 1024);
      return stored?.data.toString().includes('before-restart-100');
    });

    // Output whose terminal the database does not know (as after restoring an older backup).
    const orphan = path.join(first.config.storage.scrollbackDir, 'not-in-the-database');
    mkdirSync(orphan);
    writeFileSync(path.join(orphan, segmentFileName(0)), 'stale');

    // A second server on the same data directory: the first one's terminals are gone with it.
    const config = testConfig({ HOME: first.config.terminals.baseEnv.HOME!, LOG_LEVEL: 'silent' }, first.dataDir);
    const second = await buildApp({ config, clock: createTestClock() });
    try {
      const row = await second.db.terminal.findUniqueOrThrow({ where: { id: session.id } });
      expect(row).toMatchObject({ status: 'terminated', endReason: 'server-restart' });
      expect(second.terminals.countActive()).toBe(0);
      expect(existsSync(orphan)).toBe(false);
      const cookie = await signInAsOwner(second);
      const output = await second.inject({ method: 'GET', url: `/api/terminals/${session.id}/output`, headers: { cookie } });
      expect(output.statusCode).toBe(200);
      expect(output.rawPayload.toString()).toContain('before-restart-100');
      expect(output.headers['shellport-terminal-status']).toBe('terminated');
    } finally {
      await second.close();
    }
  });
});
