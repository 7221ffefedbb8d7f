// The prompt marks of Shellport's bash and zsh integration (issue 20; issue 22 §1 for B), in a real
// shell on a real PTY: A when the prompt hooks start, B at the very end of the prompt (after anything
// the owner's hooks print or ask, and after the prompt's text), and a PS1 that never grows however
// many prompts there are, or however the owner changes it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/app.js';
import { startTerminalApp, waitUntil, type TerminalTestClient } from './helpers.js';
import { connectWsClient } from './transports.js';

const A = '\x1b]133;A\x07';
const B = '\x1b]133;B\x07';

/** What the terminal shows of some output: CSI sequences and carriage returns left out. */
const visible = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/** Each prompt so far: what came between its A and its B (null where an A had no B before the next A). */
function prompts(text: string): Array<string | null> {
  return text
    .split(A)
    .slice(1)
    .map((part) => (part.includes(B) ? part.slice(0, part.indexOf(B)) : null));
}

/** Waits for the `count`-th B mark; returns everything received. */
async function waitForPrompts(client: TerminalTestClient, sessionId: string, count: number): Promise<string> {
  // 20 s: a shell's start-up files take their time on a loaded machine.
  return waitUntil(() => {
    const text = client.text(sessionId);
    if (text.split(B).length - 1 < count) throw new Error(`waiting for ${count} prompts; have …${JSON.stringify(text.slice(-300))}`);
    return text;
  }, 20_000);
}

/** Runs `line` and waits for the prompt after it; returns the output since `line` was typed. */
async function run(client: TerminalTestClient, sessionId: string, line: string): Promise<string> {
  const before = client.text(sessionId).length;
  const count = client.text(sessionId).split(B).length - 1;
  client.input(sessionId, `${line}\r`);
  return (await waitForPrompts(client, sessionId, count + 1)).slice(before);
}

/** The numbers a command printed as `len=<n>`. */
const lengths = (text: string) => [...text.matchAll(/len=(\d+)/g)].map((match) => Number(match[1]));

describe('shell integration prompt marks (OSC 133 A and B) in a real shell', () => {
  it('bash: B after the prompt text and after the owner’s PROMPT_COMMAND, PS1 the same length at every prompt', async () => {
    const home = makeTempDir('shellport-bash-home-');
    // The owner's own hook runs after ours (as direnv's or a passphrase prompt's would): between A and B.
    writeFileSync(path.join(home, '.bashrc'), "PS1='owner\\$ '\nowner_hook() { printf 'hook-ran '; }\nPROMPT_COMMAND=\"${PROMPT_COMMAND:+$PROMPT_COMMAND;}owner_hook\"\n");
    const app = await startTerminalApp({ HOME: home });
    const client = await connectWsClient(app);
    const session = await client.create({ shell: 'bash' });
    await client.attach(session.id);
    const first = await waitForPrompts(client, session.id, 1);
    // The prompt's bytes end with B: nothing visible comes after it.
    expect(first.endsWith(B)).toBe(true);
    expect(visible(prompts(first)[0]!)).toMatch(/^hook-ran owner[$#] $/);

    let output = '';
    for (let i = 0; i < 4; i++) output += await run(client, session.id, 'echo "len=${#PS1}"');
    // Empty lines too: prompts with no command between them.
    for (let i = 0; i < 3; i++) output += await run(client, session.id, '');
    output += await run(client, session.id, 'echo "len=${#PS1}"');
    const [length, ...others] = lengths(output);
    expect(others).toEqual([length, length, length, length]);
    // 'owner\$ ' plus the mark's 14 characters (`\[\e]133;B\a\]`).
    expect(length).toBe('owner\\$ '.length + 14);

    // The owner changes PS1 at the prompt: the mark comes back at its end, once.
    output = await run(client, session.id, "PS1='changed> '");
    output += await run(client, session.id, 'echo "len=${#PS1}"');
    output += await run(client, session.id, 'echo "len=${#PS1}"');
    expect(lengths(output)).toEqual(['changed> '.length + 14, 'changed> '.length + 14]);
    const all = client.text(session.id);
    const shown = prompts(all).map((prompt) => (prompt === null ? null : visible(prompt)));
    expect(shown.slice(-2)).toEqual(['hook-ran changed> ', 'hook-ran changed> ']);
    expect(shown).not.toContain(null);
    // Every prompt: A first, then the prompt, then B; never a B without its A.
    expect(all.split(B).length).toBe(all.split(A).length);
  }, 60_000);

  it('bash without the owner’s dotfiles: the default PS1 gets B at its end, and a command’s C follows it', async () => {
    const app = await startTerminalApp();
    const client = await connectWsClient(app);
    const session = await client.create({ shell: 'bash' });
    await client.attach(session.id);
    await waitForPrompts(client, session.id, 1);
    const output = await run(client, session.id, 'echo marked');
    expect(visible(output)).toContain('marked');
    const prompt = prompts(client.text(session.id))[0]!;
    expect(visible(prompt)).toMatch(/[$#] $/);
    // The command line follows B, then C and the command's output.
    expect(client.text(session.id)).toMatch(/\x1b\]133;B\x07echo marked\r\n.*\x1b\]133;C\x07marked/s);
  }, 60_000);

  it('zsh: B at the end of the prompt, after a theme’s precmd that sets PS1 and after what a precmd prints; PS1 never grows', async () => {
    const home = makeTempDir('shellport-zsh-home-');
    // A theme: a precmd function that sets PS1 afresh at every prompt (after our A), and one that prints.
    writeFileSync(
      path.join(home, '.zshrc'),
      ["PS1='zsh%# '", 'owner_hook() { printf "hook-ran " }', 'owner_theme() { PS1="theme-${#history}%# " }', 'precmd_functions+=(owner_hook owner_theme)'].join('\n') + '\n',
    );
    const app = await startTerminalApp({ HOME: home });
    const client = await connectWsClient(app);
    const session = await client.create({ shell: '/usr/bin/zsh' });
    await client.attach(session.id);
    await waitForPrompts(client, session.id, 1);
    let output = '';
    for (let i = 0; i < 3; i++) output += await run(client, session.id, 'echo "len=${#PS1}"');
    for (let i = 0; i < 2; i++) output += await run(client, session.id, '');
    const shown = prompts(client.text(session.id)).map((prompt) => (prompt === null ? null : visible(prompt)));
    expect(shown).not.toContain(null);
    for (const prompt of shown) expect(prompt).toMatch(/^hook-ran theme-\d+# $/);

    // Without the theme's precmd, a PS1 the owner sets keeps one mark at its end.
    output = await run(client, session.id, 'precmd_functions=(${precmd_functions:#owner_theme}); PS1="plain%# "');
    for (let i = 0; i < 3; i++) output += await run(client, session.id, 'echo "len=${#PS1}"');
    // 'plain%# ' plus the mark's 12 characters (`%{`, ESC ] 133;B BEL, `%}`).
    expect(lengths(output)).toEqual(Array(3).fill('plain%# '.length + 12));
    expect(visible(prompts(client.text(session.id)).at(-1)!)).toBe('hook-ran plain# ');
  }, 60_000);
});
