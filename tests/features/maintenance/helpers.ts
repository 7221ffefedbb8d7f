import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run <command>` the way an operator does, minus npm itself: node scripts/cli.mjs maintenance. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/cli.mjs'), 'maintenance', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Decompresses a .db.gz backup next to itself and returns the plain file's path. */
export function gunzipBackup(file: string): string {
  const plain = file.replace(/\.gz$/, '.plain');
  writeFileSync(plain, gunzipSync(readFileSync(file)));
  return plain;
}

export interface PromFamily {
  help?: string;
  type?: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/**
 * A strict reader of the Prometheus text exposition format (0.0.4): every line is a HELP, a TYPE,
 * or a sample `name{label="value",...} number`; throws on anything else.
 */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const family = (name: string) => {
    let entry = families.get(name);
    if (!entry) families.set(name, (entry = { samples: [] }));
    return entry;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let match = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (match) {
      family(match[1]!).help = match[2]!;
      continue;
    }
    match = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (match) {
      family(match[1]!).type = match[2]!;
      continue;
    }
    match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)(?: -?\d+)?$/.exec(line);
    if (!match) throw new Error(`Not Prometheus text: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (match[2]) {
      const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;
      let consumed = 0;
      for (const label of match[2].matchAll(labelPattern)) {
        labels[label[1]!] = label[2]!;
        consumed += label[0].length;
      }
      if (consumed !== match[2].length) throw new Error(`Bad labels in ${JSON.stringify(line)}`);
    }
    const sampleName = match[1]!;
    const base = sampleName.replace(/_(bucket|sum|count)$/, '');
    const owner = families.has(sampleName) ? sampleName : base;
    family(owner).samples.push({ name: sampleName, labels, value: Number(match[3]) });
  }
  return families;
}
