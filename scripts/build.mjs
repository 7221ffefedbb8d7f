#!/usr/bin/env node
// Compiles the server (src/ → dist/, file by file, keeping the layout so paths such as
// prisma/migrations resolve the same from src/ and dist/). Type checking is `npm run typecheck`.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const SKIP_DIRS = new Set(['web']);

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) && dir === src ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const started = Date.now();
await build({
  entryPoints: sourceFiles(src),
  outdir: path.join(root, 'dist'),
  outbase: src,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
console.log(`Built the server into dist/ in ${Date.now() - started} ms`);
