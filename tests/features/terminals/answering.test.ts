import { describe, expect, it } from 'vitest';
import { connectClient, startTerminalApp, waitUntil } from './helpers.js';

const lastRole = (client: { answering: { sessionId: string; answering: boolean; seq: number }[] }, sessionId: string) =>
  client.answering.filter((event) => event.sessionId === sessionId).at(-1);

describe('one client answers queries (docs/protocol.md, "Answering queries")', () => {
  it('names the first attached client, hands the role to whoever types, and to a remaining client when the answerer leaves', async () => {
    const app = await startTerminalApp();
    const a = await connectClient(app);
    const b = await connectClient(app);
    const session = await a.create();
    await a.attach(session.id);
    await waitUntil(() => lastRole(a, session.id));
    await b.attach(session.id);
    await waitUntil(() => lastRole(b, session.id));
    expect(lastRole(a, session.id)).toMatchObject({ answering: true });
    expect(lastRole(b, session.id)).toMatchObject({ answering: false });

    // B types: from the end of the stream at that moment, B answers and A does not — the same offset for both.
    await a.waitForText(session.id, /[$#] (?:\x1b\]133;B\x07)?$/);
    const before = a.answering.length;
    b.input(session.id, 'echo typed-$((3*4))\r');
    await a.waitForText(session.id, 'typed-12');
    const handedA = a.answering.slice(before).filter((event) => event.sessionId === session.id);
    const handedB = lastRole(b, session.id)!;
    expect(handedA).toHaveLength(1);
    expect(handedA[0]).toMatchObject({ answering: false });
    expect(handedB).toMatchObject({ answering: true, seq: handedA[0]!.seq });
    // The role changed before the input reached the shell: the echo comes after the offset.
    expect(a.text(session.id).slice(0, handedA[0]!.seq)).not.toContain('typed-12');

    // Typing again changes nothing (no event per keystroke).
    const count = a.answering.length + b.answering.length;
    b.input(session.id, 'echo again\r');
    await b.waitForText(session.id, /again[\s\S]*again/);
    expect(a.answering.length + b.answering.length).toBe(count);

    // B leaves: A, still attached, answers from then on.
    await b.ok('terminal:detach', { sessionId: session.id });
    await waitUntil(() => lastRole(a, session.id)?.answering === true);
  });
});
