// What `shellport hooks install|uninstall|show` changes in an agent's own settings (issue 20 §1),
// as pure functions of the file's text: Claude Code's ~/.claude/settings.json (`hooks` entries that
// run this installation's `shellport hook claude`) and Codex's ~/.codex/config.toml (`notify`). The
// owner's own entries are never removed; Shellport's are recognized by their command (a `shellport`
// in a `terminal-bin` directory, wherever that installation is), so an install after an upgrade
// replaces them and `uninstall` removes exactly them. The command line (scripts/shellport.mjs) does
// the reading and writing; the server runs that command as the terminals' account (/api/hooks).
// Plain JavaScript with no dependencies, like the command.
import { unifiedDiff } from './unified-diff.mjs';

/** The agents whose settings this module changes. */
export const INSTALL_AGENTS = ['claude', 'codex'];

/**
 * The longest a permission request waits in Shellport (MAX_APPROVAL_TIMEOUT_SECONDS in
 * src/shared/attention.ts; a test checks they agree), and the margin `shellport hook` waits beyond
 * the timeout the server states before giving up.
 */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 3600;
export const APPROVAL_WAIT_MARGIN_SECONDS = 30;

/**
 * The Claude Code events Shellport listens to (https://code.claude.com/docs/en/hooks), each with
 * the `timeout` (seconds) Claude Code gives the command. A permission request waits for the owner's
 * answer: its timeout outlasts the longest Shellport waits, so Shellport's own deadline decides.
 */
export const CLAUDE_HOOK_EVENTS = [
  { event: 'SessionStart', timeout: 10 },
  { event: 'UserPromptSubmit', timeout: 10 },
  { event: 'Notification', timeout: 10 },
  { event: 'PermissionRequest', timeout: MAX_APPROVAL_TIMEOUT_SECONDS + 2 * APPROVAL_WAIT_MARGIN_SECONDS },
  { event: 'Stop', timeout: 10 },
  { event: 'SessionEnd', timeout: 10 },
];

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A word for sh: as is when it needs no quoting, else in single quotes. */
export function shellQuote(word) {
  return SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The hook command Shellport writes for `agent`: this installation's `shellport hook <agent>`. */
export function hookCommand(wrapperPath, agent) {
  return `${shellQuote(wrapperPath)} hook ${agent}`;
}

const isShellportProgram = (program) => /(^|\/)terminal-bin\/shellport$/.test(program);

/** Whether a Claude Code hook command is one Shellport wrote for `agent` (from any installation). */
export function isShellportHookCommand(command, agent) {
  if (typeof command !== 'string') return false;
  const match = /^\s*(?:'((?:[^']|'\\'')*)'|(\S+))\s+hook\s+(\S+)(?:\s|$)/.exec(command);
  if (!match) return false;
  const program = match[1] !== undefined ? match[1].replace(/'\\''/g, "'") : match[2];
  return isShellportProgram(program) && match[3] === agent;
}

/** The settings file of an agent under a home directory, honouring the agents' own variables for it. */
export function settingsFileFor(agent, home, env = {}) {
  if (agent === 'claude') return `${(env.CLAUDE_CONFIG_DIR || `${home}/.claude`).replace(/\/+$/, '')}/settings.json`;
  if (agent === 'codex') return `${(env.CODEX_HOME || `${home}/.codex`).replace(/\/+$/, '')}/config.toml`;
  throw new Error(`Shellport installs hooks for ${INSTALL_AGENTS.join(' and ')}, not ${agent}`);
}

/**
 * What install and uninstall would make of an agent's settings file.
 * `text`: the file's content, or null when there is none.
 * @returns {{ installed: boolean; afterInstall: string | null; afterUninstall: string | null; note: string | null; problem: string | null }}
 *   afterInstall/afterUninstall: the new content, or null when that action changes nothing (or cannot be done).
 */
export function planHooks(agent, text, wrapperPath) {
  if (agent === 'claude') return planClaude(text, wrapperPath);
  if (agent === 'codex') return planCodex(text, wrapperPath);
  throw new Error(`Shellport installs hooks for ${INSTALL_AGENTS.join(' and ')}, not ${agent}`);
}

/** The view of one agent's hooks that `shellport hooks show --json` prints and GET /api/hooks answers (AgentHooksView). */
export function hooksView(agent, settingsFile, text, wrapperPath) {
  const plan = planHooks(agent, text, wrapperPath);
  const diff = (after) => (after === null ? null : unifiedDiff(text ?? '', after, { from: text === null ? '/dev/null' : settingsFile, to: settingsFile }) || null);
  return {
    agent,
    settingsFile,
    installed: plan.installed,
    installChange: diff(plan.afterInstall),
    uninstallChange: diff(plan.afterUninstall),
    note: plan.note,
    problem: plan.problem,
  };
}

// ---------------------------------------------------------------------------------------------
// Claude Code: settings.json, { "hooks": { "<Event>": [ { "matcher"?: …, "hooks": [ { "type": "command", "command": …, "timeout": … } ] } ] } }

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The indentation the file uses (two spaces when it cannot tell), so that a rewrite changes only what it must. */
function indentOf(text) {
  const match = /\n([ \t]+)\S/.exec(text ?? '');
  return match ? match[1] : '  ';
}

/** A deep copy of settings without Shellport's hook entries; containers emptied by that alone go too. */
function withoutShellportClaudeHooks(settings) {
  const copy = structuredClone(settings);
  if (!isObject(copy.hooks)) return copy;
  for (const [event, groups] of Object.entries(copy.hooks)) {
    if (!Array.isArray(groups)) continue;
    const kept = [];
    let changed = false;
    for (const group of groups) {
      if (!isObject(group) || !Array.isArray(group.hooks)) {
        kept.push(group);
        continue;
      }
      const hooks = group.hooks.filter((hook) => !(isObject(hook) && isShellportHookCommand(hook.command, 'claude')));
      if (hooks.length === group.hooks.length) {
        kept.push(group);
        continue;
      }
      changed = true;
      if (hooks.length > 0) kept.push({ ...group, hooks });
    }
    if (!changed) continue;
    if (kept.length > 0) copy.hooks[event] = kept;
    else delete copy.hooks[event];
  }
  if (Object.keys(copy.hooks).length === 0 && isObject(settings.hooks) && Object.keys(settings.hooks).length > 0) delete copy.hooks;
  return copy;
}

function planClaude(text, wrapperPath) {
  let settings = {};
  if (text !== null && text.trim() !== '') {
    try {
      settings = JSON.parse(text);
    } catch (error) {
      return refused(`it is not valid JSON (${error.message}); fix it first, then run this again`);
    }
    if (!isObject(settings)) return refused('it does not hold a JSON object; fix it first, then run this again');
    if (settings.hooks !== undefined && !isObject(settings.hooks)) return refused('its "hooks" is not an object; fix it first, then run this again');
    for (const { event } of CLAUDE_HOOK_EVENTS) {
      const groups = settings.hooks?.[event];
      if (groups !== undefined && !Array.isArray(groups)) return refused(`its "hooks"."${event}" is not a list; fix it first, then run this again`);
    }
  }
  const indent = indentOf(text);
  const serialize = (value) => `${JSON.stringify(value, null, indent)}\n`;
  const stripped = withoutShellportClaudeHooks(settings);
  const command = hookCommand(wrapperPath, 'claude');
  const installed = structuredClone(stripped);
  installed.hooks = isObject(installed.hooks) ? installed.hooks : {};
  for (const { event, timeout } of CLAUDE_HOOK_EVENTS) {
    installed.hooks[event] = [...(installed.hooks[event] ?? []), { hooks: [{ type: 'command', command, timeout }] }];
  }
  // Installed: Shellport's entries are exactly the ones an install would write (command, events, timeouts).
  const isInstalled = sameHooks(settings, installed);
  const hasOurs = JSON.stringify(stripped) !== JSON.stringify(settings);
  return {
    installed: isInstalled,
    afterInstall: isInstalled ? null : serialize(installed),
    afterUninstall: hasOurs ? serialize(stripped) : null,
    note: null,
    problem: null,
  };
}

/** Whether `settings` holds exactly the Shellport entries of `installed` (same command, same timeouts), in any place. */
function sameHooks(settings, installed) {
  const ours = (value) =>
    JSON.stringify(
      Object.entries(isObject(value.hooks) ? value.hooks : {})
        .flatMap(([event, groups]) =>
          (Array.isArray(groups) ? groups : []).flatMap((group) =>
            (isObject(group) && Array.isArray(group.hooks) ? group.hooks : []).filter((hook) => isObject(hook) && isShellportHookCommand(hook.command, 'claude')).map((hook) => [event, group.matcher ?? null, hook]),
          ),
        )
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    );
  return ours(settings) === ours(installed);
}

function refused(problem) {
  return { installed: false, afterInstall: null, afterUninstall: null, note: null, problem };
}

// ---------------------------------------------------------------------------------------------
// Codex: config.toml, a top-level `notify = ["program", "arg", …]` run with the event's JSON appended.
// Codex runs one notify program: one that is already set keeps running, after Shellport has
// reported (`shellport hook codex --then <program> <args>…`), and `uninstall` puts it back.

const MARKER = '# Shellport: tell Shellport when a Codex turn ends (`shellport hooks uninstall codex` undoes this).';

/** A TOML basic string: JSON's escapes are TOML's (\uXXXX included). */
const tomlString = (value) => JSON.stringify(value);

/**
 * Reads a TOML array of strings starting at `start` (at `[`). Returns the values and the index after
 * `]`, or null for anything else (numbers, inline tables, multi-line strings): such a notify is left
 * to the owner to edit.
 */
function readStringArray(text, start) {
  let i = start;
  if (text[i] !== '[') return null;
  i++;
  const values = [];
  let expectValue = true;
  while (i < text.length) {
    const char = text[i];
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      i++;
    } else if (char === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (char === ']') {
      return { values, end: i + 1 };
    } else if (char === ',') {
      if (expectValue) return null;
      expectValue = true;
      i++;
    } else if (char === '"' || char === "'") {
      if (!expectValue || text.startsWith(char.repeat(3), i)) return null;
      const parsed = char === '"' ? readBasicString(text, i) : readLiteralString(text, i);
      if (!parsed) return null;
      values.push(parsed.value);
      i = parsed.end;
      expectValue = false;
    } else {
      return null;
    }
  }
  return null;
}

function readBasicString(text, start) {
  let value = '';
  let i = start + 1;
  const escapes = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
  while (i < text.length) {
    const char = text[i];
    if (char === '"') return { value, end: i + 1 };
    if (char === '\n') return null;
    if (char === '\\') {
      const next = text[i + 1];
      if (next in escapes) {
        value += escapes[next];
        i += 2;
      } else if (next === 'u' || next === 'U') {
        const length = next === 'u' ? 4 : 8;
        const hex = text.slice(i + 2, i + 2 + length);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) return null;
        value += String.fromCodePoint(parseInt(hex, 16));
        i += 2 + length;
      } else {
        return null;
      }
    } else {
      value += char;
      i++;
    }
  }
  return null;
}

function readLiteralString(text, start) {
  const end = text.indexOf("'", start + 1);
  const newline = text.indexOf('\n', start + 1);
  if (end === -1 || (newline !== -1 && newline < end)) return null;
  return { value: text.slice(start + 1, end), end: end + 1 };
}

/** The top-level `notify` of a config.toml: where it is and what it says; null when there is none. */
function findNotify(text) {
  let offset = 0;
  for (const line of text.split('\n')) {
    if (/^\s*\[/.test(line)) return null; // a table begins: keys below are not top-level
    const match = /^(\s*)notify\s*=\s*/.exec(line);
    if (match) {
      const start = offset + match[0].length;
      const array = readStringArray(text, start);
      if (!array) return { start: offset, end: null, values: null };
      // The rest of the line after `]` may hold only a comment.
      const lineEnd = text.indexOf('\n', array.end);
      const rest = text.slice(array.end, lineEnd === -1 ? text.length : lineEnd);
      if (!/^\s*(#.*)?$/.test(rest)) return { start: offset, end: null, values: null };
      return { start: offset, end: lineEnd === -1 ? text.length : lineEnd + 1, values: array.values };
    }
    offset += line.length + 1;
  }
  return null;
}

const notifyLine = (values) => `notify = [${values.map(tomlString).join(', ')}]\n`;

function planCodex(text, wrapperPath) {
  const source = text ?? '';
  const ours = [wrapperPath, 'hook', 'codex'];
  const found = findNotify(source);
  if (found && found.values === null) {
    return refused('its top-level `notify` is not a list of strings Shellport can read; edit it by hand: notify = ["' + wrapperPath + '", "hook", "codex"]');
  }
  const isOurs = found !== null && isShellportProgram(found.values[0] ?? '') && found.values[1] === 'hook' && found.values[2] === 'codex';
  // What the owner had before Shellport: kept after `--then`.
  const previous = !found ? [] : isOurs ? (found.values[3] === '--then' ? found.values.slice(4) : []) : found.values;
  const wanted = previous.length > 0 ? [...ours, '--then', ...previous] : ours;
  const markerBefore = (at) => source.slice(0, at).endsWith(`${MARKER}\n`);
  let afterInstall;
  let afterUninstall = null;
  if (!found) {
    afterInstall = `${MARKER}\n${notifyLine(wanted)}${source.length > 0 && !source.startsWith('\n') ? '\n' : ''}${source}`;
  } else {
    const head = source.slice(0, found.start);
    const tail = source.slice(found.end);
    afterInstall = isOurs ? `${head}${notifyLine(wanted)}${tail}` : `${head}${MARKER}\n${notifyLine(wanted)}${tail}`;
    if (isOurs) {
      const cleanHead = markerBefore(found.start) ? head.slice(0, -(MARKER.length + 1)) : head;
      // The blank line install put after a lone notify goes with it.
      const cleanTail = previous.length === 0 && cleanHead === '' && tail.startsWith('\n') ? tail.slice(1) : tail;
      afterUninstall = previous.length > 0 ? `${cleanHead}${notifyLine(previous)}${tail}` : `${cleanHead}${cleanTail}`;
    }
  }
  const installed = afterInstall === source;
  const note =
    previous.length > 0
      ? `Codex already runs \`${previous.join(' ')}\` when a turn ends (notify). Codex runs one notify program, so Shellport runs that one after reporting, and uninstalling puts it back.`
      : null;
  return { installed, afterInstall: installed ? null : afterInstall, afterUninstall, note, problem: null };
}
