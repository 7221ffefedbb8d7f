// The protocol client without a DOM: an in-memory transport (the server's side of the messages) and
// an in-memory screen whose writes are "parsed" when the test says so, as xterm.js parses later.
import { describe, expect, it } from 'vitest';
import type { TerminalInfo } from '../../../src/shared/terminals.js';
import { ACK_EVERY_BYTES, chunkInput, TerminalStream, type ParsingFlags } from '../../../src/web/terminals/stream-client.js';
import type { Answer, ConnectionState, Notices, Requests, ServerEvents, TerminalTransport } from '../../../src/web/terminals/transport-contract.js';

const SESSION: TerminalInfo = {
  id: 'a1b2c3d4-0000-4000-8000-000000000001',
  workspaceId: null,
  name: null,
  shell: '/bin/bash',
  pid: 42,
  status: 'active',
  cwd: '/home/me',
  cols: 80,
  rows: 24,
  createdAt: '2026-12-07T00:00:00.000Z',
  lastActivityAt: '2026-12-07T00:00:00.000Z',
  endedAt: null,
  exitCode: null,
  endReason: null,
  seq: 0,
  clients: 1,
};

class MemoryTransport implements TerminalTransport {
  state: ConnectionState = 'connected';
  readonly requests: Array<{ event: string; payload: any; answer(value: any): void }> = [];
  readonly notices: Array<{ event: keyof Notices; payload: any }> = [];
  private readonly handlers = new Map<string, Set<(payload: any) => void>>();
  on<E extends keyof ServerEvents>(event: E, handler: (payload: ServerEvents[E]) => void): () => void {
    const set = this.handlers.get(event) ?? new Set();
    set.add(handler as (payload: any) => void);
    this.handlers.set(event, set);
    return () => set.delete(handler as (payload: any) => void);
  }
  onReady(): () => void {
    return () => undefined;
  }
  onState(): () => void {
    return () => undefined;
  }
  request<E extends keyof Requests>(event: E, payload: Requests[E]['payload']): Promise<Answer<Requests[E]['result']>> {
    return new Promise((resolve) => this.requests.push({ event, payload, answer: resolve }));
  }
  notify<E extends keyof Notices>(event: E, payload: Notices[E]): boolean {
    if (this.state !== 'connected') return false;
    this.notices.push({ event, payload });
    return true;
  }
  reconnect(): void {}
  close(): void {}
  emit<E extends keyof ServerEvents>(event: E, payload: ServerEvents[E]): void {
    for (const handler of this.handlers.get(event) ?? []) handler(payload);
  }
  acks(): number[] {
    return this.notices.filter((notice) => notice.event === 'terminal:ack').map((notice) => notice.payload.seq);
  }
  inputs(): string[] {
    return this.notices.filter((notice) => notice.event === 'terminal:input').map((notice) => notice.payload.data);
  }
}

class MemoryScreen {
  text = '';
  resets = 0;
  private queue: Array<{ data: Uint8Array | string; processed?: () => void }> = [];
  write(data: Uint8Array | string, processed?: () => void): void {
    this.queue.push({ data, processed });
  }
  reset(): void {
    this.text = '';
    this.resets++;
  }
  size() {
    return { cols: 80, rows: 24 };
  }
  /** Parses everything written so far, in order. */
  parse(): void {
    while (this.queue.length > 0) {
      const { data, processed } = this.queue.shift()!;
      this.text += typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
      processed?.();
    }
  }
}

/** Timers the test fires by hand. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 0;
  return {
    setTimeout: (callback: () => void) => {
      pending.set(++next, callback);
      return next;
    },
    clearTimeout: (handle: unknown) => void pending.delete(handle as number),
    fire: () => {
      for (const [id, callback] of [...pending]) {
        pending.delete(id);
        callback();
      }
    },
  };
}

function setUp() {
  const transport = new MemoryTransport();
  const screen = new MemoryScreen();
  const timers = manualTimers();
  const flags: ParsingFlags[] = [];
  const events = { liveOutput: 0, exited: [] as Array<{ exitCode: number | null; reason: string }> };
  const stream = new TerminalStream({ ...SESSION }, transport, screen, {
    parsing: (value) => flags.push(value),
    liveOutput: () => events.liveOutput++,
    attached: () => undefined,
    exited: (end) => events.exited.push(end),
    resizedElsewhere: () => undefined,
  }, timers);
  return { transport, screen, timers, flags, events, stream };
}

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

async function attachAnswering(transport: MemoryTransport, stream: TerminalStream, answer: { from: number; reset?: boolean; seq: number | null; session?: Partial<TerminalInfo> }) {
  const attaching = stream.attach();
  const request = transport.requests.at(-1)!;
  request.answer({ ok: true, session: { ...SESSION, ...answer.session }, from: answer.from, reset: answer.reset ?? false, seq: answer.seq });
  await attaching;
  return request.payload;
}

describe('TerminalStream', () => {
  it('replays from the start, then de-duplicates overlapping output by offset', async () => {
    const { transport, screen, stream } = setUp();
    expect(await attachAnswering(transport, stream, { from: 0, seq: 10 })).toMatchObject({ lastSeq: null, cols: 80, rows: 24 });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 10, data: bytes('0123456789') });
    // A message overlapping what was received: only the new part is written.
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 14, data: bytes('6789ABCD') });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 12, data: bytes('AB') });
    // Another terminal's output is not ours.
    transport.emit('terminal:output', { sessionId: 'other', seq: 3, data: bytes('xyz') });
    screen.parse();
    expect(screen.text).toBe('0123456789ABCD');
    expect(stream.receivedSeq).toBe(14);
    expect(stream.processedSeq).toBe(14);
  });

  it('marks the replay as not live and what follows as live, and answers queries only where the server named it', async () => {
    const { transport, screen, stream, flags, events } = setUp();
    await attachAnswering(transport, stream, { from: 0, seq: 5 });
    transport.emit('terminal:answering', { sessionId: SESSION.id, answering: true, seq: 5 });
    // One message: five bytes of replay, then three new ones.
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 8, data: bytes('replyNEW') });
    screen.parse();
    expect(screen.text).toBe('replyNEW');
    // The replay is parsed with the initial flags (nothing live); the switch comes exactly before "NEW".
    expect(flags).toEqual([{ live: true, mayAnswer: true }]);
    expect(events.liveOutput).toBe(1);
    // Another device typed at 10: from there this one answers nothing.
    transport.emit('terminal:answering', { sessionId: SESSION.id, answering: false, seq: 10 });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 12, data: bytes('abcd') });
    screen.parse();
    expect(flags).toEqual([{ live: true, mayAnswer: true }, { live: true, mayAnswer: false }]);
  });

  it('acknowledges what the screen processed: at once past 64 KiB, else after a pause', async () => {
    const { transport, screen, stream, timers } = setUp();
    await attachAnswering(transport, stream, { from: 0, seq: 0 });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 100, data: new Uint8Array(100) });
    expect(transport.acks()).toEqual([]); // not processed yet
    screen.parse();
    expect(transport.acks()).toEqual([]); // debounced
    timers.fire();
    expect(transport.acks()).toEqual([100]);
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 100 + ACK_EVERY_BYTES, data: new Uint8Array(ACK_EVERY_BYTES) });
    screen.parse();
    expect(transport.acks()).toEqual([100, 100 + ACK_EVERY_BYTES]);
  });

  it('re-attaches from the last byte received after a dropped connection, and sends what was typed meanwhile once', async () => {
    const { transport, screen, stream, timers } = setUp();
    await attachAnswering(transport, stream, { from: 0, seq: 0 });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 20, data: new Uint8Array(20) });
    screen.parse();
    stream.connectionLost();
    transport.state = 'reconnecting';
    timers.fire(); // an ack for the old connection is not sent
    expect(transport.acks()).toEqual([]);
    expect(stream.send('ls\r')).toBe(true);
    expect(stream.queuedInputs).toBe(1);
    transport.state = 'connected';
    expect(await attachAnswering(transport, stream, { from: 20, seq: 20 })).toMatchObject({ lastSeq: 20 });
    expect(transport.inputs()).toEqual(['ls\r']);
    expect(stream.queuedInputs).toBe(0);
  });

  it('numbers its input and, after a dropped connection, sends the latest inputs again with the same numbers before what was typed meanwhile', async () => {
    const { transport, stream } = setUp();
    await attachAnswering(transport, stream, { from: 0, seq: 0 });
    stream.send('a');
    stream.send('b');
    const sent = transport.notices.filter((notice) => notice.event === 'terminal:input').map((notice) => notice.payload);
    expect(sent.map((payload) => payload.inputId)).toEqual([1, 2]);
    expect(sent[0].device).toMatch(/^[0-9a-f]{32}$/);
    expect(sent[1].device).toBe(sent[0].device);
    stream.connectionLost();
    transport.state = 'reconnecting';
    stream.send('c');
    transport.state = 'connected';
    transport.notices.length = 0;
    await attachAnswering(transport, stream, { from: 0, seq: 0 });
    const again = transport.notices.filter((notice) => notice.event === 'terminal:input').map((notice) => notice.payload);
    expect(again.map((payload) => [payload.data, payload.inputId, payload.device])).toEqual([
      ['a', 1, sent[0].device],
      ['b', 2, sent[0].device],
      ['c', 3, sent[0].device],
    ]);
    // Only a lost connection sends inputs again: a later attach on the same connection does not.
    transport.notices.length = 0;
    await attachAnswering(transport, stream, { from: 0, seq: 0 });
    expect(transport.inputs()).toEqual([]);
  });

  it('clears the screen on a reset and continues from its offset', async () => {
    const { transport, screen, stream } = setUp();
    await attachAnswering(transport, stream, { from: 0, seq: 0 });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 4, data: bytes('gone') });
    transport.emit('terminal:reset', { sessionId: SESSION.id, seq: 1000 });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 1004, data: bytes('kept') });
    screen.parse();
    expect(screen.resets).toBe(1);
    expect(screen.text).toBe('kept');
    expect(stream.processedSeq).toBe(1004);
  });

  it('when dropped as behind, acknowledges everything it was sent as soon as it is processed', async () => {
    const { transport, screen, stream } = setUp();
    await attachAnswering(transport, stream, { from: 0, seq: 0 });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 50, data: new Uint8Array(50) });
    transport.emit('terminal:behind', { sessionId: SESSION.id, seq: 50 });
    screen.parse();
    expect(transport.acks()).toEqual([50]);
  });

  it('on exit drops queued input, counts it, and reports the end after the last output', async () => {
    const { transport, screen, stream, events } = setUp();
    await attachAnswering(transport, stream, { from: 0, seq: 0 });
    stream.connectionLost();
    stream.send('typed while away');
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 3, data: bytes('bye') });
    transport.emit('terminal:exit', { sessionId: SESSION.id, exitCode: 0, signal: null, reason: 'exited', seq: 3 });
    expect(events.exited).toEqual([]);
    screen.parse();
    expect(events.exited).toEqual([{ exitCode: 0, reason: 'exited' }]);
    expect(stream.droppedInputs).toBe(1);
    expect(stream.terminal.status).toBe('terminated');
    expect(stream.send('more')).toBe(false);
  });

  it('splits long input into messages within the server limit, never inside a surrogate pair', () => {
    const text = '😀'.repeat(10);
    const chunks = chunkInput(text, 9);
    expect(chunks.join('')).toBe(text);
    for (const chunk of chunks) expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(12);
    expect(chunks.every((chunk) => !/[\ud800-\udbff]$/.test(chunk))).toBe(true);
  });

  it('says why when the terminal no longer exists', async () => {
    const { transport, stream } = setUp();
    const attaching = stream.attach();
    transport.requests.at(-1)!.answer({ ok: false, error: { code: 'not_found', message: 'gone' } });
    await attaching;
    expect(stream.error).toBe('This terminal no longer exists on the server.');
    expect(stream.isAttached).toBe(false);
  });
});

describe('TerminalStream snapshots', () => {
  it('asks for snapshots, paints one as replay (never answered), then continues from its offset', async () => {
    const { transport, screen, stream, flags, events } = setUp();
    const payload = await attachAnswering(transport, stream, { from: 0, seq: 0 });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 3, data: bytes('old') });
    screen.parse();
    flags.length = 0;
    // A re-attach far behind: the server answers with a snapshot at 5000 instead of a replay.
    const attaching = stream.attach();
    const request = transport.requests.at(-1)!;
    expect(request.payload).toMatchObject({ lastSeq: 3, snapshot: true });
    request.answer({ ok: true, session: SESSION, from: 5000, reset: true, seq: 5004, snapshot: true });
    await attaching;
    expect(payload).toMatchObject({ snapshot: true });
    transport.emit('terminal:snapshot', { sessionId: SESSION.id, seq: 5000, cols: 80, rows: 24, data: 'SCREEN\x1b[6n' });
    transport.emit('terminal:answering', { sessionId: SESSION.id, answering: true, seq: 5004 });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 5004, data: bytes('more') });
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 5007, data: bytes('new') });
    screen.parse();
    expect(screen.resets).toBe(1);
    expect(screen.text).toBe('SCREEN\x1b[6nmorenew');
    expect(stream.snapshotSeq).toBe(5000);
    expect(stream.processedSeq).toBe(5007);
    // Only the output past the attach's seq is live and may answer; the snapshot never.
    expect(flags).toEqual([{ live: false, mayAnswer: false }, { live: true, mayAnswer: true }]);
    expect(events.liveOutput).toBe(2);
  });

  it('loads earlier output by replaying everything without a snapshot', async () => {
    const { transport, screen, stream } = setUp();
    await attachAnswering(transport, stream, { from: 100, reset: true, seq: 100 });
    transport.emit('terminal:snapshot', { sessionId: SESSION.id, seq: 100, cols: 80, rows: 24, data: 'SCREEN' });
    screen.parse();
    const loading = stream.loadEarlierOutput();
    const request = transport.requests.at(-1)!;
    expect(request.payload.lastSeq).toBeNull();
    expect(request.payload.snapshot).toBeUndefined();
    request.answer({ ok: true, session: SESSION, from: 0, reset: false, seq: 100 });
    await loading;
    transport.emit('terminal:output', { sessionId: SESSION.id, seq: 100, data: new Uint8Array(100).fill(65) });
    screen.parse();
    expect(screen.resets).toBe(2);
    expect(screen.text).toBe('A'.repeat(100));
    expect(stream.snapshotSeq).toBeNull();
  });
});
