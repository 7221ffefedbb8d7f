import { AppError } from '../../http/errors.js';
import type { GitHubAccess } from '../github/access.js';
import { toGitHubApiError } from '../github/repos.js';
import { isSafeSegment } from './paths.js';
import { isValidGitHubOwner, isValidGitHubRepoName, type CreateWorkspaceBody } from './schemas.js';

/** What a new workspace clones and where: `<root>/<ownerDir>/<nameDir>`. */
export interface ClonePlan {
  name: string;
  githubRepo: string | null;
  githubRepoId: bigint | null;
  cloneUrl: string;
  ownerDir: string;
  nameDir: string;
  defaultBranch: string | null;
  description: string | null;
}

/** Turns a create request (a GitHub `owner/name` or a pasted clone URL) into a checked ClonePlan. */
export function createClonePlanner({ github, githubOrigin }: { github: GitHubAccess; githubOrigin: string }) {
  async function planFromGitHub(owner: string, name: string): Promise<ClonePlan> {
    if (!isValidGitHubOwner(owner) || !isValidGitHubRepoName(name)) {
      throw new AppError(400, 'invalid_repository', `"${owner}/${name}" is not a valid GitHub repository name.`);
    }
    let data: { id: number; full_name: string; default_branch?: string; description?: string | null; owner: { login: string }; name: string };
    try {
      const octokit = await github.octokit();
      data = (await octokit.rest.repos.get({ owner, repo: name })).data;
    } catch (error) {
      throw toGitHubApiError(error, `Repository ${owner}/${name}`);
    }
    const fullName = data.full_name;
    return {
      name: fullName,
      githubRepo: fullName.toLowerCase(),
      githubRepoId: BigInt(data.id),
      cloneUrl: `${github.webUrl.replace(/\/+$/, '')}/${fullName}.git`,
      ownerDir: data.owner.login,
      nameDir: data.name,
      defaultBranch: data.default_branch ?? null,
      description: data.description ?? null,
    };
  }

  async function planFromUrl(raw: string): Promise<ClonePlan> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AppError(400, 'invalid_url', 'That is not a valid URL; paste the https:// clone URL of the repository.');
    }
    if (url.username || url.password) {
      throw new AppError(400, 'credentials_in_url', 'Remove the user name and password from the URL: Shellport uses your GitHub sign-in for GitHub and clones other hosts anonymously.');
    }
    const isGitHub = url.origin === githubOrigin;
    if (url.protocol !== 'https:' && !isGitHub) throw new AppError(400, 'invalid_url', 'Only https:// git URLs can be cloned.');
    if (url.search || url.hash) throw new AppError(400, 'invalid_url', 'A git URL has no query string or fragment; paste the clone URL.');
    const segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    if (isGitHub) {
      const [owner, repo, ...rest] = segments;
      if (!owner || !repo || rest.length > 0) {
        throw new AppError(400, 'invalid_repository', `A GitHub URL must look like ${github.webUrl}/owner/name(.git).`);
      }
      return planFromGitHub(owner, repo.replace(/\.git$/i, ''));
    }
    const last = segments.at(-1)?.replace(/\.git$/i, '') ?? '';
    const hostDir = url.port ? `${url.hostname}-${url.port}` : url.hostname;
    if (segments.length === 0 || segments.some((s) => s === '..' || s === '.' || s.startsWith('-')) || !isSafeSegment(last, { leadingDot: true }) || !isSafeSegment(hostDir)) {
      throw new AppError(400, 'invalid_url', 'The URL must end in a repository name made of letters, digits, ".", "-" and "_".');
    }
    return {
      name: `${hostDir}/${last}`,
      githubRepo: null,
      githubRepoId: null,
      cloneUrl: url.href,
      ownerDir: hostDir,
      nameDir: last,
      defaultBranch: null,
      description: null,
    };
  }

  return {
    planClone: (body: CreateWorkspaceBody): Promise<ClonePlan> =>
      body.repo ? planFromGitHub(...(body.repo.split('/') as [string, string])) : planFromUrl(body.url!),
  };
}
