import { z } from 'zod';
import { ENV_NAME_PATTERN, ENV_NAME_RULE, isReservedEnvName, RESERVED_ENV_NAME_RULE } from '../../shared/workspaces.js';

/*
 * Every input of the workspaces API. Names that end up in git's argv or in a path are checked here
 * against GitHub's and git's own rules, so nothing a client sends can be read as a git option
 * (no leading '-') or climb out of WORKSPACES_DIR ('..', '/', '\').
 */

// GitHub logins: letters, digits and single hyphens, 1-39 characters, not starting with a hyphen.
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
// Repository names: letters, digits, '.', '-', '_' (GitHub rewrites anything else); '.' and '..' are not names.
const GITHUB_REPO = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,99}$/;

export function isValidGitHubOwner(owner: string): boolean {
  return GITHUB_OWNER.test(owner);
}

export function isValidGitHubRepoName(name: string): boolean {
  return GITHUB_REPO.test(name) && name !== '.' && name !== '..' && !name.toLowerCase().endsWith('.git');
}

/**
 * git check-ref-format rules (https://git-scm.com/docs/git-check-ref-format) for a branch name,
 * plus no leading '-' so it can never be taken for an option.
 */
export function isValidBranchName(ref: string): boolean {
  if (ref.length === 0 || ref.length > 255) return false;
  if (ref.startsWith('-') || ref.startsWith('/') || ref.endsWith('/') || ref.endsWith('.')) return false;
  if (ref === '@' || ref.includes('..') || ref.includes('//') || ref.includes('@{')) return false;
  // Control characters, space and ~ ^ : ? * [ \ (and DEL) are not allowed anywhere.
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(ref)) return false;
  return ref.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}

const repoFullName = z
  .string()
  .trim()
  .max(140)
  .refine(
    (value) => {
      const [owner, name, ...rest] = value.split('/');
      return rest.length === 0 && owner !== undefined && name !== undefined && isValidGitHubOwner(owner) && isValidGitHubRepoName(name);
    },
    { error: 'a GitHub repository as owner/name (letters, digits, ".", "-", "_"; no "..", no leading "-")' },
  );

const gitUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => /^https?:\/\//i.test(value), { error: 'an https:// git URL' });

export const createWorkspaceBody = z
  .object({
    repo: repoFullName.optional(),
    url: gitUrl.optional(),
  })
  .strict()
  .refine((body) => (body.repo === undefined) !== (body.url === undefined), {
    error: 'give either repo (owner/name) or url, not both',
  });
export type CreateWorkspaceBody = z.infer<typeof createWorkspaceBody>;

export const workspaceIdParams = z.object({ id: z.uuid({ error: 'a workspace id' }) });

export const deleteWorkspaceQuery = z.object({
  confirm: z.string().max(300).optional(),
});

export const switchBranchBody = z
  .object({
    branch: z.string().max(255).refine(isValidBranchName, {
      error: 'a git branch name (no leading "-", no "..", no spaces or ~^:?*[\\, no component starting with "." or ending with ".lock")',
    }),
  })
  .strict();

const ENV_NAME = new RegExp(`^${ENV_NAME_PATTERN}$`);

export const envVarParams = z.object({
  id: z.uuid({ error: 'a workspace id' }),
  name: z
    .string()
    .regex(ENV_NAME, { error: `an environment variable name: ${ENV_NAME_RULE}` })
    .refine((name) => !isReservedEnvName(name), { error: `a name Shellport does not reserve (${RESERVED_ENV_NAME_RULE})` }),
});

export const envVarBody = z
  .object({
    value: z
      .string()
      .max(32 * 1024, { error: 'at most 32 KiB' })
      .refine((value) => !value.includes('\0'), { error: 'text without NUL characters' }),
    secret: z.boolean().default(false),
  })
  .strict();

export const credentialRequestBody = z.object({
  protocol: z.string().max(20),
  host: z.string().max(300),
  path: z.string().max(2048).optional(),
});
