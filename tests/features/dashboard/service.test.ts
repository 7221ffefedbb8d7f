import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { branchFromHead, compareDashboardRuns, compareDashboardTerminals, createDashboard, terminalTitle } from '../../../src/features/dashboard/service.js';
import type { DashboardRun, DashboardTerminal } from '../../../src/shared/attention.js';
import type { TerminalActivity, TerminalInfo } from '../../../src/shared/terminals.js';
import { oneLine } from '../../../src/shared/text.js';
import { makeTempDir } from '../../helpers/app.js';

const activity = (state: TerminalActivity['state'], since: string, needsYou = false): TerminalActivity => ({ state, since, needsYou });

function row(id: string, value: TerminalActivity | null): DashboardTerminal {
  return { id, workspaceId: null, workspaceName: null, branch: null, title: id, activity: value, preview: [], lastLine: null, agent: null, approvalId: null };
}

function terminal(id: string, workspaceId: string | null, value: TerminalActivity | null, name: string | null = null): TerminalInfo {
  return {
    id, workspaceId, name, shell: '/bin/bash', pid: 1, status: 'active', cwd: '/', cols: 80, rows: 24, createdAt: '', lastActivityAt: '', endedAt: null,
    exitCode: null, endReason: null, seq: 0, clients: 0, lastCommand: null, activity: value,
  };
}

describe('the dashboard', () => {
  it('reads the branch from HEAD, and nothing from a detached one', () => {
    expect(branchFromHead('ref: refs/heads/feature/login\n')).toBe('feature/login');
    expect(branchFromHead('4b825dc642cb6eb9a060e54bf8d69288fbee4904\n')).toBeNull();
    expect(branchFromHead('')).toBeNull();
  });

  it('names a terminal by the owner\'s name, else its command, else its shell', () => {
    expect(terminalTitle({ name: 'api', lastCommand: 'npm test', shell: '/bin/bash' })).toBe('api');
    expect(terminalTitle({ name: null, lastCommand: 'npm test', shell: '/bin/bash' })).toBe('npm test');
    expect(terminalTitle({ name: null, lastCommand: null, shell: '/usr/bin/zsh' })).toBe('zsh');
  });

  it('puts the terminals needing the owner first, the longest waiting first; then waiting ones; then the latest change', () => {
    const rows = [
      row('idle-old', activity('idle', '2026-01-01T00:00:00Z')),
      row('needs-new', activity('waiting', '2026-01-01T00:05:00Z', true)),
      row('working-new', activity('working', '2026-01-01T00:04:00Z')),
      row('seen-waiting', activity('waiting', '2026-01-01T00:01:00Z')),
      row('needs-old', activity('approval', '2026-01-01T00:02:00Z', true)),
      row('unknown', null),
    ];
    expect(rows.sort(compareDashboardTerminals).map((r) => r.id)).toEqual(['needs-old', 'needs-new', 'seen-waiting', 'working-new', 'idle-old', 'unknown']);
  });

  it('joins each terminal with its workspace, branch, screen preview, agent and pending approval', async () => {
    const dir = makeTempDir('shellport-dashboard-');
    mkdirSync(path.join(dir, '.git'));
    writeFileSync(path.join(dir, '.git', 'HEAD'), 'ref: refs/heads/fix-it\n');
    const dashboard = createDashboard({
      listRunning: async () => [terminal('a', 'w1', activity('working', '2026-01-01T00:00:00Z')), terminal('b', null, activity('approval', '2026-01-01T00:00:00Z', true), 'agent')],
      listWorkspaces: async () => [{ id: 'w1', name: 'shop', localPath: dir }],
      screenPreview: async (id, rows) => (id === 'a' ? ['$ npm run build', 'compiling…'].slice(-rows) : []),
      agentFor: (id) => (id === 'b' ? { name: 'claude', task: 'fix the tests' } : null),
      pendingApprovalFor: (id) => (id === 'b' ? { id: 'approval-1' } : null),
    });
    const rows = await dashboard.terminals();
    expect(rows.map((r) => r.id)).toEqual(['b', 'a']);
    expect(rows[0]).toMatchObject({ title: 'agent', preview: [], lastLine: null, workspaceName: null, branch: null, agent: { name: 'claude', task: 'fix the tests' }, approvalId: 'approval-1' });
    expect(rows[1]).toMatchObject({ title: 'bash', workspaceName: 'shop', branch: 'fix-it', preview: ['$ npm run build', 'compiling…'], lastLine: 'compiling…', agent: null, approvalId: null });
  });
});

describe('agent runs on the dashboard', () => {
  const run = (id: string, status: DashboardRun['status'], since: string, approvalId: string | null = null): DashboardRun => ({ id, workspaceId: 'w', workspaceName: null, agent: 'Claude Code', status, prompt: id, since, approvalId });

  it('puts runs waiting for approval first, then running, waiting to retry, queued, the oldest first within each', () => {
    const runs = [
      run('queued', 'queued', '2026-12-07T10:00:00Z'),
      run('retry', 'waiting-retry', '2026-12-07T10:00:00Z'),
      run('late', 'running', '2026-12-07T11:00:00Z'),
      run('early', 'running', '2026-12-07T09:00:00Z'),
      run('asking', 'running', '2026-12-07T12:00:00Z', 'a1'),
    ];
    expect(runs.sort(compareDashboardRuns).map((item) => item.id)).toEqual(['asking', 'early', 'late', 'retry', 'queued']);
  });

  it('shows a prompt on one line of at most 200 characters', () => {
    expect(oneLine('  Fix\n\tthe   tests  ', 200)).toBe('Fix the tests');
    expect(oneLine('x'.repeat(300), 200)).toBe(`${'x'.repeat(199)}…`);
  });
});
