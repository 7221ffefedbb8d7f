import { describe, expect, it } from 'vitest';
import { StreamRoles } from '../../../src/web/terminals/stream-roles.js';

describe('StreamRoles', () => {
  it('treats everything as replay until the attach says where the replay ends', () => {
    const roles = new StreamRoles();
    roles.startAttach();
    roles.noteRole(0, true);
    expect(roles.take(0, 100)).toEqual([{ from: 0, to: 100, live: false, mayAnswer: false }]);
  });

  it('splits a message that straddles the end of the replay: only the live part may answer', () => {
    const roles = new StreamRoles();
    roles.startAttach();
    roles.replayEndsAt(40);
    roles.noteRole(40, true);
    expect(roles.take(0, 100)).toEqual([
      { from: 0, to: 40, live: false, mayAnswer: false },
      { from: 40, to: 100, live: true, mayAnswer: true },
    ]);
    expect(roles.isLiveAt(39)).toBe(false);
    expect(roles.isLiveAt(40)).toBe(true);
  });

  it('applies a role change at its offset, not when it arrives', () => {
    const roles = new StreamRoles();
    roles.startAttach();
    roles.replayEndsAt(0);
    roles.noteRole(0, true);
    expect(roles.take(0, 10)).toEqual([{ from: 0, to: 10, live: true, mayAnswer: true }]);
    // Another client typed when the stream ended at 25: from 25 on, this one does not answer.
    roles.noteRole(25, false);
    expect(roles.take(10, 20)).toEqual([{ from: 10, to: 20, live: true, mayAnswer: true }]);
    expect(roles.take(20, 30)).toEqual([
      { from: 20, to: 25, live: true, mayAnswer: true },
      { from: 25, to: 30, live: true, mayAnswer: false },
    ]);
    // It types again at 50.
    roles.noteRole(50, true);
    expect(roles.take(30, 60)).toEqual([
      { from: 30, to: 50, live: true, mayAnswer: false },
      { from: 50, to: 60, live: true, mayAnswer: true },
    ]);
  });

  it('keeps changes that arrive in order at the same offset in arrival order', () => {
    const roles = new StreamRoles();
    roles.replayEndsAt(0);
    roles.noteRole(5, true);
    roles.noteRole(5, false);
    // Both apply at 5, the later last: no answering anywhere in [0, 10).
    expect(roles.take(0, 10)).toEqual([{ from: 0, to: 10, live: true, mayAnswer: false }]);
  });

  it('forgets the role and the live point when the connection drops or a new attach starts', () => {
    const roles = new StreamRoles();
    roles.replayEndsAt(0);
    roles.noteRole(0, true);
    expect(roles.take(0, 5)[0]).toMatchObject({ mayAnswer: true });
    roles.connectionLost();
    expect(roles.take(5, 10)).toEqual([{ from: 5, to: 10, live: false, mayAnswer: false }]);
    roles.startAttach();
    roles.replayEndsAt(null);
    roles.noteRole(10, true);
    // An ended terminal: all of it is replay.
    expect(roles.take(10, 20)).toEqual([{ from: 10, to: 20, live: false, mayAnswer: false }]);
  });

  it('gives nothing for an empty range', () => {
    expect(new StreamRoles().take(7, 7)).toEqual([]);
  });
});
