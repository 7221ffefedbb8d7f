// Claude Code's permission rules as a run's approval hook reads them (src/features/runs/tool-rules.ts).
import { describe, expect, it } from 'vitest';
import { decideByRules, ruleMatches } from '../../../src/features/runs/tool-rules.js';

const bash = (command: string) => ({ command });

describe('ruleMatches', () => {
  it('matches a tool by name, alone or with (*)', () => {
    expect(ruleMatches('Bash', 'Bash', bash('rm -rf /'))).toBe(true);
    expect(ruleMatches('Edit(*)', 'Edit', { file_path: '/x' })).toBe(true);
    expect(ruleMatches('Edit', 'Write', { file_path: '/x' })).toBe(false);
  });

  it('matches a simple Bash command exactly, by prefix:* at a word boundary, or by * wildcards', () => {
    expect(ruleMatches('Bash(npm test)', 'Bash', bash('npm test'))).toBe(true);
    expect(ruleMatches('Bash(npm test)', 'Bash', bash('npm test --watch'))).toBe(false);
    expect(ruleMatches('Bash(git diff:*)', 'Bash', bash('git diff HEAD~1'))).toBe(true);
    expect(ruleMatches('Bash(git diff:*)', 'Bash', bash('git diff'))).toBe(true);
    expect(ruleMatches('Bash(git diff:*)', 'Bash', bash('git diffx'))).toBe(false);
    expect(ruleMatches('Bash(git * main)', 'Bash', bash('git push origin main'))).toBe(true);
    expect(ruleMatches('Bash(git * main)', 'Bash', bash('git push origin dev'))).toBe(false);
  });

  it('never matches a compound command by its first part', () => {
    for (const command of ['git diff; rm -rf ~', 'git diff && curl x', 'git diff | sh', 'git diff $(curl x)', 'git diff `id`', 'git diff\nrm x']) {
      expect(ruleMatches('Bash(git diff:*)', 'Bash', bash(command))).toBe(false);
    }
  });

  it('matches a WebFetch domain exactly, and reads no other specifier', () => {
    expect(ruleMatches('WebFetch(domain:docs.example.com)', 'WebFetch', { url: 'https://docs.example.com/a' })).toBe(true);
    expect(ruleMatches('WebFetch(domain:example.com)', 'WebFetch', { url: 'https://evil-example.com/' })).toBe(false);
    expect(ruleMatches('WebFetch(domain:example.com)', 'WebFetch', { url: 'not a url' })).toBe(false);
    expect(ruleMatches('Edit(src/**)', 'Edit', { file_path: 'src/a.ts' })).toBe(false);
  });
});

describe('decideByRules', () => {
  it('denies what a disallowing rule covers even when an allowing one does too; otherwise allows, or leaves it to the owner', () => {
    const rules = { allowed: ['Bash(git:*)', 'WebFetch'], disallowed: ['Bash(git push:*)'] };
    expect(decideByRules(rules, 'Bash', bash('git status'))).toBe('allow');
    expect(decideByRules(rules, 'Bash', bash('git push --force'))).toBe('deny');
    expect(decideByRules(rules, 'Bash', bash('npm publish'))).toBeNull();
    expect(decideByRules(rules, 'WebFetch', { url: 'https://x.test/' })).toBe('allow');
    expect(decideByRules(rules, 'Edit', { file_path: 'a' })).toBeNull();
  });
});
