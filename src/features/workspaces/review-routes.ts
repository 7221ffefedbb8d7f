import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { commitBody, diffQuery, discardBody, discardPreviewQuery, proposalQuery, pullRequestBody, runQuery } from './review-schemas.js';
import { workspaceIdParams } from './schemas.js';
import { commitAuthor, type OwnerForCommits } from './ship.js';
import type { WorkspaceTarget } from './workspace-records.js';

export interface ReviewRoutesOptions {
  /** Who is signed in, for the commit's author (the auth feature's owner identity). */
  owner: () => Promise<OwnerForCommits | null>;
  /** GITHUB_URL: the host of the owner's noreply address. */
  githubWebUrl: string;
  /** The git worktree of the workspace's agent run `runId` (the runs feature's; 404/409 when it has none). */
  runWorktree: (workspaceId: string, runId: string) => Promise<string>;
}

/**
 * Review and ship (docs/api.md, "Review and ship"; docs/review.md): the diff of a workspace, the
 * proposed texts, commit, push, pull request and discard. Behind the auth guard and its cross-site
 * check like every /api route. Needs `app.workspaces` (plugin.ts).
 */
export async function workspaceReviewRoutes(fastify: FastifyInstance, { owner, githubWebUrl, runWorktree }: ReviewRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { review, shipping } = app.workspaces.service;
  /** The workspace, or with `?run=` that run's worktree (checked to be one of this workspace's runs). */
  const targetOf = async (id: string, run: string | undefined): Promise<WorkspaceTarget> => (run ? { id, worktree: await runWorktree(id, run) } : id);

  // The review's git state: the workspace's status and branches, or those of a run's worktree (`?run=`).
  app.get('/api/workspaces/:id/review-state', { schema: { params: workspaceIdParams, querystring: runQuery } }, async (request) => {
    const target = await targetOf(request.params.id, request.query.run);
    const [status, branches] = await Promise.all([app.workspaces.service.status(target), app.workspaces.service.branches(target)]);
    return { status, branches };
  });

  app.get('/api/workspaces/:id/diff', { schema: { params: workspaceIdParams, querystring: diffQuery } }, async (request) => ({
    diff: await review.diff(await targetOf(request.params.id, request.query.run), request.query),
  }));

  app.get('/api/workspaces/:id/proposal', { schema: { params: workspaceIdParams, querystring: proposalQuery } }, async (request) => ({
    proposal: await review.proposal(await targetOf(request.params.id, request.query.run), request.query),
  }));

  app.post('/api/workspaces/:id/commit', { schema: { params: workspaceIdParams, querystring: runQuery, body: commitBody } }, async (request) => {
    const author = commitAuthor(await owner(), githubWebUrl);
    return shipping.commit(await targetOf(request.params.id, request.query.run), request.body, author);
  });

  app.post('/api/workspaces/:id/push', { schema: { params: workspaceIdParams, querystring: runQuery } }, async (request) => shipping.push(await targetOf(request.params.id, request.query.run)));

  app.get('/api/workspaces/:id/pull-request', { schema: { params: workspaceIdParams, querystring: runQuery } }, async (request) => shipping.pullRequest(await targetOf(request.params.id, request.query.run)));

  app.post('/api/workspaces/:id/pull-request', { schema: { params: workspaceIdParams, querystring: runQuery, body: pullRequestBody } }, async (request, reply) => {
    return reply.code(201).send({ pullRequest: await shipping.openPullRequest(await targetOf(request.params.id, request.query.run), request.body) });
  });

  app.get('/api/workspaces/:id/discard-preview', { schema: { params: workspaceIdParams, querystring: discardPreviewQuery } }, async (request) => {
    const { path, run } = request.query;
    return { preview: await review.discardPreview(await targetOf(request.params.id, run), { paths: path === undefined ? undefined : [path].flat() }) };
  });

  app.post('/api/workspaces/:id/discard', { schema: { params: workspaceIdParams, querystring: runQuery, body: discardBody } }, async (request) => {
    const { paths, token } = request.body;
    return review.discard(await targetOf(request.params.id, request.query.run), { paths, token });
  });
}
