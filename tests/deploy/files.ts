// Readers for the deployment files, so tests can check them against the app (Docker cannot run here).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Stage {
  name: string;
  /** The FROM image with ARG defaults substituted. */
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/**
 * A small Dockerfile reader: comments, `\` continuations, stages. Enough to check what the image
 * declares; it does not implement heredocs or escape-directive changes (the Dockerfile uses neither).
 */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { parts: string[]; line: number } | null = null;
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    if (trimmed === '') return;
    const continued = trimmed.endsWith('\\');
    const content = continued ? trimmed.slice(0, -1).trim() : trimmed;
    if (!pending) pending = { parts: [], line: index + 1 };
    pending.parts.push(content);
    if (!continued) {
      const joined = pending.parts.filter(Boolean).join(' ');
      const match = /^(\S+)\s*(.*)$/.exec(joined);
      if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: pending.line });
      pending = null;
    }
  });

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`Unreadable FROM on line ${instruction.line}: ${instruction.args}`);
      const image = match[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => globalArgs[(a ?? b)!] ?? '');
      stages.push({ name: match[2] ?? String(stages.length), image, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name, value = ''] = instruction.args.split('=');
        globalArgs[name!.trim()] = value.trim();
      }
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

export function stage(dockerfile: Dockerfile, name: string): Stage {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`The Dockerfile has no stage named ${name}`);
  return found;
}

export function instructionsOf(s: Stage, keyword: string): Instruction[] {
  return s.instructions.filter((i) => i.keyword === keyword);
}

/** ENV key=value pairs (quoted values allowed), in order; later ones win. */
export function stageEnv(s: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructionsOf(s, 'ENV')) {
    if (!args.includes('=')) {
      const [key, ...value] = args.split(/\s+/);
      env[key!] = value.join(' ');
      continue;
    }
    for (const match of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
      env[match[1]!] = match[2]!.replace(/^["']|["']$/g, '');
    }
  }
  return env;
}

/** The exec-form array of CMD, ENTRYPOINT or HEALTHCHECK ... CMD. */
export function execForm(args: string): string[] {
  const start = args.indexOf('[');
  if (start === -1) throw new Error(`Not in exec form (JSON array): ${args}`);
  return JSON.parse(args.slice(start)) as string[];
}

/** The shell commands of a stage's RUN instructions, split on `&&`. */
export function runCommands(s: Stage): string[] {
  return instructionsOf(s, 'RUN').flatMap((i) => i.args.split('&&').map((c) => c.trim()));
}

/** npm commands in the order a file runs them (a Dockerfile stage or a shell script). */
export function npmCommands(commands: string[]): string[] {
  return commands.map((c) => c.trim()).filter((c) => /^npm\s/.test(c));
}

export function readDockerfile(): Dockerfile {
  return parseDockerfile(readRepoFile('Dockerfile'));
}

export interface ComposeService {
  build?: unknown;
  image?: string;
  pull_policy?: string;
  command?: string[] | string;
  restart?: string;
  profiles?: string[];
  env_file?: string | (string | { path: string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] | string; interval?: string; timeout?: string; start_period?: string; retries?: number };
  stop_grace_period?: string;
  depends_on?: unknown;
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string; ip_range?: string; gateway?: string }[] } } | null>;
}

export function readCompose(): ComposeFile {
  return parseYaml(readRepoFile('docker-compose.yml')) as ComposeFile;
}

/**
 * A service's environment as a map, with `${VAR}` / `${VAR:-default}` interpolated the way Compose
 * does from `.env` (`vars`; unset or empty takes the default).
 */
export function composeEnvironment(service: ComposeService, vars: Record<string, string | undefined> = {}): Record<string, string> {
  const entries: [string, string][] = Array.isArray(service.environment)
    ? service.environment.map((e) => {
        const [key, ...rest] = e.split('=');
        return [key!, rest.join('=')];
      })
    : Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, vars)]));
}

export function interpolate(value: string, vars: Record<string, string | undefined> = {}): string {
  return value.replace(/\$\{(\w+)(?:(:?)-([^}]*))?\}/g, (_, name: string, colon: string | undefined, fallback: string | undefined) => {
    const given = vars[name];
    if (fallback === undefined) return given ?? '';
    return given === undefined || (colon === ':' && given === '') ? fallback : given;
  });
}

/** Names a compose file interpolates from the host environment / .env (`${NAME...}`). */
export function interpolatedNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{(\w+)/g)].map((m) => m[1]!))];
}

/** Seconds in a compose/systemd duration such as "15s", "1m30s" or "20". */
export function durationSeconds(value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)\s*(ms|h|m|s)/g)) {
    total += Number(amount) * ({ h: 3600, m: 60, s: 1, ms: 0.001 } as const)[unit as 'h' | 'm' | 's' | 'ms'];
  }
  return total;
}

/** A systemd unit file as section → key → values (keys may repeat). */
export function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = sections[section[1]!] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq === -1) throw new Error(`Unreadable unit line: ${line}`);
    (current[line.slice(0, eq).trim()] ??= []).push(line.slice(eq + 1).trim());
  }
  return sections;
}

/**
 * Whether `.dockerignore` leaves a path in the build context. Patterns are anchored at the context's
 * root, `*` and `?` stay within one path segment, a pattern matching a directory excludes what is
 * inside, and the last matching line wins (`!` re-includes), as Docker applies them.
 */
export function dockerContextFilter(dockerignore: string): (file: string) => boolean {
  const rules = dockerignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('')
        .map((ch) => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('')
        .replace(/\[\^\/\]\*\[\^\/\]\*/g, '.*'); // `**` crosses directories
      return { negated, regex: new RegExp(`^${source}$`) };
    });
  return (file) => {
    const prefixes = file.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let included = true;
    for (const rule of rules) {
      if (prefixes.some((p) => rule.regex.test(p))) included = rule.negated;
    }
    return included;
  };
}
