// The proposed commit messages and pull request texts (src/features/workspaces/review-proposal.ts).
import { describe, expect, it } from 'vitest';
import { describeBranch, proposeCommitMessage, proposePullRequest } from '../../../src/features/workspaces/review-proposal.js';

describe('describeBranch', () => {
  it('turns branch names into sentences', () => {
    expect(describeBranch('feature/add-dark-mode')).toBe('Add dark mode');
    expect(describeBranch('fix/login-timeout')).toBe('Fix login timeout');
    expect(describeBranch('fix/fix-login')).toBe('Fix login');
    expect(describeBranch('fix-login')).toBe('Fix login');
    expect(describeBranch('octocat/new_parser')).toBe('Octocat new parser');
    expect(describeBranch('review.and.ship')).toBe('Review and ship');
    expect(describeBranch('-')).toBeNull();
  });
});

describe('proposeCommitMessage', () => {
  it('names one file on the default branch', () => {
    expect(proposeCommitMessage([{ path: 'README.md', oldPath: null, status: 'modified' }], 'main', 'main')).toBe('Update README.md');
    expect(proposeCommitMessage([{ path: 'b.txt', oldPath: 'a.txt', status: 'renamed' }], 'main', 'main')).toBe('Rename a.txt to b.txt');
    expect(proposeCommitMessage([{ path: 'x', oldPath: null, status: 'deleted' }], null, 'main')).toBe('Delete x');
  });

  it('counts several files in their common directory, then lists them', () => {
    const files = [
      { path: 'src/web/b.ts', oldPath: null, status: 'added' as const },
      { path: 'src/web/a.ts', oldPath: null, status: 'added' as const },
    ];
    expect(proposeCommitMessage(files, 'main', 'main')).toBe('Add 2 files in src/web\n\n- Add src/web/a.ts\n- Add src/web/b.ts');
    expect(proposeCommitMessage([...files, { path: 'README.md', oldPath: null, status: 'modified' }], 'master', null)).toBe(
      'Update 3 files\n\n- Update README.md\n- Add src/web/a.ts\n- Add src/web/b.ts',
    );
  });

  it('takes the subject from a topic branch', () => {
    expect(proposeCommitMessage([{ path: 'a.ts', oldPath: null, status: 'modified' }], 'feature/retry-uploads', 'main')).toBe('Retry uploads\n\n- Update a.ts');
  });

  it('lists at most twenty files, and proposes nothing without changes', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ path: `f${String(i).padStart(2, '0')}.txt`, oldPath: null, status: 'modified' as const }));
    const message = proposeCommitMessage(many, 'main', 'main');
    expect(message.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(21);
    expect(message).toContain('- … and 5 more');
    expect(proposeCommitMessage([], 'main', 'main')).toBe('');
  });
});

describe('proposePullRequest', () => {
  it('uses the only commit’s subject and body', () => {
    expect(proposePullRequest('feature/x', [{ subject: 'Add x', body: 'Because.\n' }])).toEqual({ title: 'Add x', body: 'Because.' });
  });

  it('uses the branch for several commits and lists them oldest first', () => {
    expect(proposePullRequest('fix/upload-stall', [{ subject: 'Second', body: '' }, { subject: 'First', body: '' }])).toEqual({
      title: 'Fix upload stall',
      body: 'Commits:\n- First\n- Second',
    });
    expect(proposePullRequest('x', [])).toEqual({ title: 'X', body: '' });
  });
});
