// The Node.js versions package.json promises (`engines.node`) are ones every installed package
// accepts, and the Docker image runs one of them. A dependency that raises its floor (cookie 2,
// content-type 3 and content-disposition 3 moved to Node 22) makes `npm ci` warn EBADENGINE and
// breaks the promise silently; this test names it instead. See docs/testing.md, "Node.js versions".
import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { readDockerfile, stage } from '../deploy/files.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as unknown;

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
}
const manifest = readJson('package.json') as { engines: { node: string } };
const lock = readJson('package-lock.json') as { packages: Record<string, LockEntry> };
const supported = manifest.engines.node;

/**
 * Packages allowed to exclude a supported version, each with the reason. Keep this empty if you can:
 * an entry here is an EBADENGINE warning on every `npm ci`.
 */
const accepted: Record<string, string> = {
  // prisma (the CLI, a dev dependency) pins @prisma/dev, which pins this; no release supports Node 20.
  // Only `prisma dev` (a local Postgres server) loads it, and Shellport never runs that. npm
  // overrides cannot remove a dependency, only replace it.
  'node_modules/@prisma/streams-local': 'only `prisma dev` loads it',
};

/** The Node range an entry of the lockfile declares, if any (old packages used an array form). */
function nodeRange(entry: LockEntry): string | undefined {
  return Array.isArray(entry.engines) ? undefined : entry.engines?.node;
}

describe('Node.js versions', () => {
  it('package.json declares a valid range, and the lockfile was written from it', () => {
    expect(semver.validRange(supported), supported).not.toBeNull();
    expect(nodeRange(lock.packages['']!)).toBe(supported);
  });

  it('every package in package-lock.json accepts every Node version package.json supports', () => {
    const excluding = Object.entries(lock.packages)
      .filter(([key, entry]) => key !== '' && !(key in accepted) && nodeRange(entry) !== undefined)
      .filter(([, entry]) => !semver.subset(supported, nodeRange(entry)!))
      .map(([key, entry]) => `${key.replace(/^.*node_modules\//, '')}@${entry.version}: ${nodeRange(entry)}`);
    // Fix by pinning a version that still supports them (package.json "overrides"), or by narrowing
    // engines.node (and the README, docs/deploy.md and the Dockerfile with it).
    expect(excluding, `packages that exclude part of "${supported}"`).toEqual([]);
  });

  it('the accepted exceptions still exist and still need accepting', () => {
    for (const key of Object.keys(accepted)) {
      const range = lock.packages[key] && nodeRange(lock.packages[key]);
      expect(range, `${key} is still installed`).toBeDefined();
      expect(semver.subset(supported, range!), `${key} (${range}) still excludes part of "${supported}"`).toBe(false);
    }
  });

  it('the Docker image runs the oldest supported Node line, the one CI tests on', () => {
    const dockerfile = readDockerfile();
    for (const name of ['build', 'runtime']) {
      const image = stage(dockerfile, name).image;
      const major = /^node:(\d+)\b/.exec(image)?.[1];
      expect(major, `${name} stage image ${image} names a Node major`).toBeDefined();
      expect(Number(major), `${name} stage image ${image}`).toBe(semver.minVersion(supported)!.major);
      // The tag pulls the newest release of that line: engines.node must accept it, not only x.0.0.
      expect(semver.satisfies(`${major}.999.0`, supported), `${image} within "${supported}"`).toBe(true);
    }
  });
});
