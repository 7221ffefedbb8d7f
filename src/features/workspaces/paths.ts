import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../http/errors.js';

const CLONES_DIR = '.clones';

/** `<root>/.clones/<workspace id>` (or `<root>/.clones` itself): where a clone runs before it is moved into place; emptied at start-up. */
export function cloneTempDirFor(root: string, workspaceId?: string): string {
  return workspaceId ? path.join(root, CLONES_DIR, workspaceId) : path.join(root, CLONES_DIR);
}

/** A path component we create ourselves: no separators, not '.'/'..', no leading '-'. */
const SEGMENT = /^[A-Za-z0-9_.][A-Za-z0-9._-]{0,99}$/;

export const outsideWorkspaces = () =>
  new AppError(400, 'path_outside_workspaces', 'The workspace directory would be outside WORKSPACES_DIR (a symbolic link or ".." points elsewhere); refused.');

/** Owners never start with '.', which keeps `<root>/.clones` (clones in progress) apart from them. */
export function isSafeSegment(segment: string, { leadingDot = false } = {}): boolean {
  return SEGMENT.test(segment) && !segment.includes('..') && (leadingDot || !segment.startsWith('.'));
}

/** `<root>/<owner>/<name>` after checking both components; no filesystem access. */
export function workspacePathFor(root: string, owner: string, name: string): string {
  if (!isSafeSegment(owner) || !isSafeSegment(name, { leadingDot: true })) {
    throw new AppError(400, 'invalid_workspace_path', `"${owner}/${name}" cannot be used as a directory name.`);
  }
  const target = path.resolve(root, owner, name);
  if (path.dirname(path.dirname(target)) !== path.resolve(root)) throw outsideWorkspaces();
  return target;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * Resolves `target` with realpath (its deepest existing ancestor when it does not exist yet) and
 * throws unless the result is strictly inside the real root: a symbolic link anywhere on the way
 * that points outside is refused.
 */
export async function ensureConfined(root: string, target: string): Promise<string> {
  // Private repositories are cloned below it: only the server's user may look in.
  await mkdir(root, { recursive: true, mode: 0o700 });
  const realRoot = await realpath(root);
  let existing = path.resolve(target);
  const rest: string[] = [];
  for (;;) {
    try {
      const real = await realpath(existing);
      const resolved = path.join(real, ...rest);
      if (!isInside(realRoot, resolved)) throw outsideWorkspaces();
      return resolved;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // A dangling symbolic link is not "missing": it points somewhere we do not control.
      const link = await lstat(existing).catch(() => null);
      if (link?.isSymbolicLink()) throw outsideWorkspaces();
      const parent = path.dirname(existing);
      if (parent === existing) throw outsideWorkspaces();
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}
