#!/usr/bin/env node
// Entry point of the operator commands: `node scripts/cli.mjs <tool> <command> [args]`, behind
// `npm run backup|prune|vacuum|restore|backups` (tool `maintenance`, src/features/maintenance/cli.ts)
// `npm run key:rotate|owner:rebind|sign-in-link` (tool `admin`, src/features/auth/admin-cli.ts)
// and `npm run terminal-host -- status|restart` (tool `terminal-host`, src/features/terminals/host-cli.ts).
// With dev dependencies installed (a clone after `npm ci`) it runs the TypeScript source through
// tsx, so it is always the code in the checkout. Without them (`npm ci --omit=dev` in production)
// it runs the compiled dist/ built by `npm run build`. Both are the same code the server runs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = {
  maintenance: { module: 'features/maintenance/cli', run: 'runCli' },
  admin: { module: 'features/auth/admin-cli', run: 'runAdminCommand' },
  'terminal-host': { module: 'features/terminals/host-cli', run: 'runTerminalHostCli' },
};

async function loadTool(tool) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    tsx = null;
  }
  if (tsx) {
    tsx.register();
    return import(pathToFileURL(path.join(root, 'src', `${tool.module}.ts`)).href);
  }
  const compiled = path.join(root, 'dist', `${tool.module}.js`);
  if (existsSync(compiled)) return import(pathToFileURL(compiled).href);
  process.stderr.write('Neither tsx (a dev dependency) nor a compiled dist/ is available: run `npm ci` or `npm run build` first.\n');
  process.exit(2);
}

const [toolName, ...args] = process.argv.slice(2);
const tool = TOOLS[toolName];
if (!tool) {
  process.stderr.write(`Usage: node scripts/cli.mjs <${Object.keys(TOOLS).join('|')}> <command> [arguments]\n`);
  process.exit(2);
}
const module = await loadTool(tool);
try {
  process.exitCode = await module[tool.run](args);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
}
