import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/app.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const COMMITTED = path.join(ROOT, 'src/generated/prisma');

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

describe('the committed Prisma client', () => {
  it('is what `npm run db:generate` produces from schema.prisma today', { timeout: 60_000 }, async () => {
    // Same relative layout as the repo, so the schema's `output = "../src/generated/prisma"` lands in `work`.
    const work = makeTempDir('shellport-generate-');
    mkdirSync(path.join(work, 'prisma'));
    copyFileSync(path.join(ROOT, 'prisma/schema.prisma'), path.join(work, 'prisma/schema.prisma'));
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/prisma-generate.mjs'), '--schema', 'prisma/schema.prisma'], {
      cwd: work,
    });
    const output = path.join(work, 'src/generated/prisma');

    const committedFiles = listFiles(COMMITTED).sort();
    expect(listFiles(output).sort()).toEqual(committedFiles);
    for (const file of committedFiles) {
      const fresh = readFileSync(path.join(output, file), 'utf8');
      const committed = readFileSync(path.join(COMMITTED, file), 'utf8');
      expect(fresh === committed, `src/generated/prisma/${file} is stale: run npm run db:generate`).toBe(true);
    }
  });
});
