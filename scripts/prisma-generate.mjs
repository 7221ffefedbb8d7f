#!/usr/bin/env node
// Runs `prisma generate` anywhere, including machines that cannot download Prisma's schema
// engine: generate never executes that engine, it only insists that a file exists, so when no
// engine is available we point PRISMA_SCHEMA_ENGINE_BINARY at a placeholder.
// Extra arguments are passed to `prisma generate` (e.g. --schema).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const enginesDir = path.join(root, 'node_modules/@prisma/engines');
const hasEngine = existsSync(enginesDir) && readdirSync(enginesDir).some((name) => name.startsWith('schema-engine'));

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && !hasEngine) {
  const placeholder = path.join(tmpdir(), 'shellport-prisma-schema-engine-placeholder');
  writeFileSync(placeholder, '');
  env.PRISMA_SCHEMA_ENGINE_BINARY = placeholder;
}

const cli = path.join(root, 'node_modules/prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate', ...process.argv.slice(2)], { stdio: 'inherit', env, cwd: process.cwd() });
process.exit(result.status ?? 1);
