// Claude Code's permission rules (`Bash(git diff:*)`, `Edit`, `WebFetch(domain:example.com)`) as a run's
// approval hook needs them: a tool call the run's rules allow goes on without asking the owner, one they
// disallow is denied without asking. Only the forms that can be read with certainty are matched — a tool
// name alone, a Bash command (exact, `prefix:*`, or with `*` wildcards) and a WebFetch domain; any other
// rule matches nothing here, so such a call is asked of the owner rather than decided by a guess.
// https://code.claude.com/docs/en/iam#permission-rules

export type RuleDecision = 'allow' | 'deny';

const RULE = /^([A-Za-z0-9_.-]+)(?:\((.*)\))?$/s;

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 's');
}

function matchesBash(specifier: string, input: Record<string, unknown>): boolean {
  const command = typeof input.command === 'string' ? input.command.trim() : null;
  if (command === null) return false;
  // A compound command could hide a second command after an allowed prefix: only a simple one is matched.
  if (/[;&|`\n]|\$\(/.test(command)) return false;
  if (specifier.endsWith(':*')) {
    const prefix = specifier.slice(0, -2);
    return command === prefix || command.startsWith(`${prefix} `);
  }
  return specifier.includes('*') ? globToRegExp(specifier).test(command) : command === specifier;
}

function matchesWebFetch(specifier: string, input: Record<string, unknown>): boolean {
  if (!specifier.startsWith('domain:') || typeof input.url !== 'string') return false;
  try {
    return new URL(input.url).hostname === specifier.slice('domain:'.length);
  } catch {
    return false;
  }
}

/** Whether `rule` covers a call of `tool` with `input` (false when the rule's form is not read here). */
export function ruleMatches(rule: string, tool: string, input: Record<string, unknown>): boolean {
  const parsed = RULE.exec(rule.trim());
  if (!parsed || parsed[1] !== tool) return false;
  const specifier = parsed[2];
  if (specifier === undefined || specifier === '*') return true;
  if (tool === 'Bash') return matchesBash(specifier, input);
  if (tool === 'WebFetch') return matchesWebFetch(specifier, input);
  return false;
}

/** A disallowing rule wins over an allowing one, as in Claude Code; null: the rules do not decide, ask. */
export function decideByRules(rules: { allowed: readonly string[]; disallowed: readonly string[] }, tool: string, input: Record<string, unknown>): RuleDecision | null {
  if (rules.disallowed.some((rule) => ruleMatches(rule, tool, input))) return 'deny';
  if (rules.allowed.some((rule) => ruleMatches(rule, tool, input))) return 'allow';
  return null;
}
