// Builders for real bare repositories that the fake GitHub serves over git smart HTTP.
// Both use `git fast-import`: no working tree, no user config, and fixed authors/dates, so the same
// input always yields the same commit SHAs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';

/** A file's content, `null` to delete it, or a submodule: a gitlink (mode 160000) to that commit. */
export type FileSpec = string | null | { gitlink: string };

export type CommitSpec = string | { message: string; files?: Record<string, FileSpec> };

export interface BareRepoSpec {
  /** Branch name => commits, oldest first. Non-default branches start from the default branch's last commit. */
  branches: Record<string, CommitSpec[]>;
  /** Default: 'main' when present, else the first branch. */
  defaultBranch?: string;
}

export interface BareRepo {
  path: string;
  defaultBranch: string;
  /** Branch => commit SHA. */
  heads: Record<string, string>;
}

const AUTHOR = 'Shellport Test <test@shellport.invalid>';
const EPOCH = 1_700_000_000;

/** Environment for git processes in tests: no system/global config, no prompts, a throwaway HOME. */
export function gitTestEnv(home: string = tmpdir(), extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    LANG: 'C',
    LC_ALL: 'C',
    ...extra,
  };
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real git CLI; never throws on a non-zero exit (check `code`). `input` is written to stdin. */
export function runGit(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: (stdin: Writable) => Promise<void> } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: opts.cwd, env: opts.env ?? gitTestEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    if (opts.input) {
      child.stdin.on('error', () => {
        // git exited early; its exit code and stderr tell why.
      });
      opts.input(child.stdin).then(
        () => child.stdin.end(),
        (e: unknown) => {
          child.kill('SIGKILL');
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    } else {
      child.stdin.end();
    }
  });
}

async function mustGit(args: string[], opts: Parameters<typeof runGit>[1] = {}): Promise<string> {
  const result = await runGit(args, opts);
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

function write(stream: Writable, data: string | Buffer): Promise<void> {
  return stream.write(data) ? Promise.resolve() : new Promise((resolve) => stream.once('drain', resolve));
}

function dataBlock(content: string | Buffer): Buffer {
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return Buffer.concat([Buffer.from(`data ${body.length}\n`), body, Buffer.from('\n')]);
}

async function initBare(dir: string, defaultBranch: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await mustGit(['-c', 'init.defaultBranch=' + defaultBranch, 'init', '--quiet', '--bare', dir]);
  await mustGit(['--git-dir', dir, 'symbolic-ref', 'HEAD', `refs/heads/${defaultBranch}`]);
}

async function readHeads(dir: string): Promise<Record<string, string>> {
  const out = await mustGit(['--git-dir', dir, 'for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads']);
  const heads: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const [name, sha] = line.split(' ');
    if (name && sha) heads[name] = sha;
  }
  return heads;
}

/** A bare repository at `dir` with the given branches and commits. */
export async function createBareRepo(dir: string, spec: BareRepoSpec): Promise<BareRepo> {
  const names = Object.keys(spec.branches);
  const defaultBranch = spec.defaultBranch ?? (names.includes('main') ? 'main' : names[0]);
  if (!defaultBranch || !spec.branches[defaultBranch]?.length) throw new Error('createBareRepo: the default branch needs at least one commit');
  await initBare(dir, defaultBranch);
  const ordered = [defaultBranch, ...names.filter((n) => n !== defaultBranch)];

  await mustGit(['--git-dir', dir, 'fast-import', '--quiet'], {
    input: async (stdin) => {
      let mark = 0;
      let defaultTip = 0;
      for (const branch of ordered) {
        const commits = spec.branches[branch] ?? [];
        let parent = branch === defaultBranch ? 0 : defaultTip;
        if (commits.length === 0 && parent > 0) {
          await write(stdin, `reset refs/heads/${branch}\nfrom :${parent}\n\n`);
          continue;
        }
        for (const [index, commit] of commits.entries()) {
          mark += 1;
          const message = typeof commit === 'string' ? commit : commit.message;
          const files: Record<string, FileSpec> =
            typeof commit === 'string' || !commit.files ? { [`notes/${branch}-${index + 1}.txt`]: `${message}\n` } : commit.files;
          if (branch === defaultBranch && index === 0 && (typeof commit === 'string' || !commit.files)) {
            files['README.md'] = `# ${path.basename(dir, '.git')}\n`;
          }
          const when = `${EPOCH + mark * 60} +0000`;
          let text = `commit refs/heads/${branch}\nmark :${mark}\nauthor ${AUTHOR} ${when}\ncommitter ${AUTHOR} ${when}\n`;
          await write(stdin, text);
          await write(stdin, dataBlock(`${message}\n`));
          text = parent > 0 ? `from :${parent}\n` : '';
          for (const [file, content] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
            if (content !== null && typeof content === 'object') {
              text += `M 160000 ${content.gitlink} ${file}\n`;
              continue;
            }
            text += content === null ? `D ${file}\n` : `M 100644 inline ${file}\n`;
            await write(stdin, text);
            text = '';
            if (content !== null) await write(stdin, dataBlock(content));
          }
          await write(stdin, `${text}\n`);
          parent = mark;
        }
        if (branch === defaultBranch) defaultTip = parent;
      }
    },
  });
  return { path: dir, defaultBranch, heads: await readHeads(dir) };
}

export interface LargeBareRepo extends BareRepo {
  files: number;
  bytes: number;
}

/**
 * A bare repository holding about `megabytes` MB of random (incompressible) content spread over `files` files
 * in several commits on `main`, so that a clone takes long enough to show progress lines.
 */
export async function createLargeBareRepo(dir: string, opts: { megabytes: number; files?: number; commits?: number }): Promise<LargeBareRepo> {
  const totalBytes = Math.max(1, Math.round(opts.megabytes * 1024 * 1024));
  const fileCount = Math.max(1, opts.files ?? Math.max(10, Math.round(opts.megabytes * 8)));
  const commitCount = Math.max(1, Math.min(opts.commits ?? 8, fileCount));
  const fileSize = Math.ceil(totalBytes / fileCount);
  await initBare(dir, 'main');
  let written = 0;
  let filesWritten = 0;
  await mustGit(['--git-dir', dir, 'fast-import', '--quiet'], {
    input: async (stdin) => {
      let fileIndex = 0;
      for (let c = 1; c <= commitCount; c++) {
        const when = `${EPOCH + c * 60} +0000`;
        await write(stdin, `commit refs/heads/main\nmark :${c}\nauthor ${AUTHOR} ${when}\ncommitter ${AUTHOR} ${when}\n`);
        await write(stdin, dataBlock(`Add blobs part ${c}\n`));
        await write(stdin, c > 1 ? `from :${c - 1}\n` : '');
        if (c === 1) {
          await write(stdin, 'M 100644 inline README.md\n');
          await write(stdin, dataBlock('# large\n'));
        }
        const upTo = Math.round((fileCount * c) / commitCount);
        for (; fileIndex < upTo; fileIndex++) {
          const size = Math.min(fileSize, totalBytes - written);
          if (size <= 0) break;
          await write(stdin, `M 100644 inline blobs/${String(Math.floor(fileIndex / 50)).padStart(3, '0')}/file-${String(fileIndex).padStart(5, '0')}.bin\n`);
          await write(stdin, dataBlock(randomBytes(size)));
          written += size;
          filesWritten += 1;
        }
        await write(stdin, '\n');
      }
    },
  });
  return { path: dir, defaultBranch: 'main', heads: await readHeads(dir), files: filesWritten, bytes: written };
}
