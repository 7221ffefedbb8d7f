#!/usr/bin/env node
// Entry point of `npm run backup|prune|vacuum|restore|backups` (src/features/maintenance/cli.ts).
// With dev dependencies installed (a clone after `npm ci`) it runs the TypeScript source through
// tsx, so it is always the code in the checkout. Without them (`npm ci --omit=dev` in production)
// it runs the compiled dist/ built by `npm run build`. Both are the same code as the server's jobs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, 'dist/features/maintenance/cli.js');

async function loadCli() {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    tsx = null;
  }
  if (tsx) {
    tsx.register();
    return import(pathToFileURL(path.join(root, 'src/features/maintenance/cli.ts')).href);
  }
  if (existsSync(compiled)) return import(pathToFileURL(compiled).href);
  process.stderr.write('Neither tsx (a dev dependency) nor a compiled dist/ is available: run `npm ci` or `npm run build` first.\n');
  process.exit(2);
}

const { runCli } = await loadCli();
try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
