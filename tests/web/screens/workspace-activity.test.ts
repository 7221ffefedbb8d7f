// A workspace card's badge says what the workspace is doing, rather than "Idle".
import { describe, expect, it } from 'vitest';
import { describeActivity } from '../../../src/web/screens/workspace-activity.js';

const now = Date.parse('2026-03-10T12:00:00Z');
const workspace = (over: Partial<{ activeTerminals: number; status: 'active' | 'idle' | 'archived'; lastActivityAt: string }> = {}) => ({
  activeTerminals: 0,
  status: 'idle' as const,
  lastActivityAt: '2026-03-10T11:00:00Z',
  ...over,
});
const git = (over: Partial<{ changedFiles: number; conflicted: number; ahead: number; behind: number }> = {}) => ({ changedFiles: 0, conflicted: 0, ahead: 0, behind: 0, ...over });

describe('what a workspace is doing', () => {
  it('says nothing is going on in plain words', () => {
    expect(describeActivity(workspace(), git(), now)).toBe('No changes, no terminal running');
    // Until git answers, only the terminals are known.
    expect(describeActivity(workspace(), null, now)).toBe('No terminal running');
  });

  it('lists running terminals, changed files and commits to push or pull, with singular and plural', () => {
    expect(describeActivity(workspace({ activeTerminals: 1, status: 'active' }), git(), now)).toBe('1 terminal running');
    expect(describeActivity(workspace({ activeTerminals: 2, status: 'active' }), git({ changedFiles: 3, ahead: 1, behind: 2 }), now)).toBe(
      '2 terminals running · 3 files changed · 1 commit to push · 2 commits to pull',
    );
    expect(describeActivity(workspace(), git({ changedFiles: 3, conflicted: 1 }), now)).toBe('1 file in conflict · 2 files changed');
    expect(describeActivity(workspace(), git({ changedFiles: 1 }), now)).toBe('1 file changed');
  });

  it('says how long an unused workspace has been left', () => {
    expect(describeActivity(workspace({ status: 'archived', lastActivityAt: '2026-01-29T11:00:00Z' }), git(), now)).toBe('No changes, no terminal running; not used for 40 days');
    // Changes left behind matter more than the time.
    expect(describeActivity(workspace({ status: 'archived', lastActivityAt: '2026-01-29T11:00:00Z' }), git({ changedFiles: 2 }), now)).toBe('2 files changed');
  });
});
