// The real agent CLIs the tests run (tests/tools/package.json, installed there by `npm test`'s
// pretest step, scripts/test-tools.mjs): each is a native binary in a platform package of npm.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const toolsRequire = createRequire(path.resolve(import.meta.dirname, '../tools/package.json'));

function packageDir(name: string): string {
  try {
    return path.dirname(toolsRequire.resolve(`${name}/package.json`));
  } catch {
    throw new Error(`${name} is not installed in tests/tools: run \`npm run test:tools\` (npm test does it first).`);
  }
}

function existing(file: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run test:tools\` again.`);
  return file;
}

/** Claude Code's native binary (the wrapper's postinstall links the same file over its placeholder). */
export function claudeBinary(): string {
  return existing(path.join(packageDir(`@anthropic-ai/claude-code-${process.platform}-${process.arch}`), 'claude'));
}

/** Codex's Node launcher (`codex exec` goes through it, as an installed `codex` does). */
export function codexLauncher(): string {
  return existing(path.join(packageDir('@openai/codex'), 'bin', 'codex.js'));
}

/** Codex's native binary, for a PTY (the launcher would sit between the terminal and it). */
export function codexBinary(): string {
  const triples: Record<string, string> = { 'linux-x64': 'x86_64-unknown-linux-musl', 'linux-arm64': 'aarch64-unknown-linux-musl' };
  const triple = triples[`${process.platform}-${process.arch}`];
  if (!triple) throw new Error(`no Codex binary known for ${process.platform}-${process.arch}`);
  return existing(path.join(packageDir(`@openai/codex-${process.platform}-${process.arch}`), 'vendor', triple, 'bin', 'codex'));
}
