import { z } from 'zod';
import { isValidBranchName } from './schemas.js';

/*
 * The input of the review-and-ship routes (review-routes.ts). Paths are matched against the files git
 * reports as changed before they reach git (as literal pathspecs), so these checks only bound their size.
 */

const BRANCH_RULE = 'a git branch name (no leading "-", no "..", no spaces or ~^:?*[\\, no component starting with "." or ending with ".lock")';

const branchName = z.string().max(255).refine(isValidBranchName, { error: BRANCH_RULE });

/** A file path as git reports it: relative, without NUL. */
const changedPath = z
  .string()
  .min(1, { error: 'a file path' })
  .max(4096)
  .refine((value) => !value.includes('\0') && !value.startsWith('/'), { error: 'a path relative to the workspace' });

const pathList = z.array(changedPath).min(1, { error: 'at least one path' }).max(1000);

/** `?run=<id>`: act on that agent run's git worktree instead of the workspace's directory. */
export const runQuery = z.object({ run: z.uuid({ error: 'run is an agent run id (a UUID)' }).optional() });

export const diffQuery = z.object({
  ...runQuery.shape,
  /** Compare with where the current branch left this branch (or origin/<branch>, or a commit). */
  base: branchName.optional(),
});

export const proposalQuery = z.object({ base: branchName.optional(), ...runQuery.shape });

export const discardPreviewQuery = z.object({
  ...runQuery.shape,
  /** Repeated (`?path=a&path=b`) to preview only some files. */
  path: z.union([changedPath, pathList]).optional(),
});

export const commitBody = z
  .object({
    message: z
      .string()
      .max(20_000, { error: 'at most 20,000 characters' })
      .refine((value) => value.trim().length > 0, { error: 'a commit message (it cannot be empty)' })
      .refine((value) => !value.includes('\0'), { error: 'text without NUL characters' }),
    paths: pathList.optional(),
  })
  .strict();

export const pullRequestBody = z
  .object({
    title: z
      .string()
      .max(256, { error: 'at most 256 characters' })
      .refine((value) => value.trim().length > 0, { error: 'a title (it cannot be empty)' }),
    body: z.string().max(65_536, { error: 'at most 65,536 characters' }).optional(),
    base: branchName,
    draft: z.boolean().optional(),
  })
  .strict();

export const discardBody = z
  .object({
    confirm: z.literal(true, { error: 'true: discarding cannot be undone' }),
    paths: pathList.optional(),
    /** The preview's token: refused when the changes moved on since. */
    token: z.string().regex(/^[0-9a-f]{32}$/, { error: 'the token of a discard preview' }).optional(),
  })
  .strict();
