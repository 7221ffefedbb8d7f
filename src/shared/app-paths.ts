// The browser app's pages, shared by the server (which answers each with index.html) and the web
// app's router (which renders them): one list, so the two cannot drift. Imports nothing.

export const APP_ROUTES = {
  home: '/',
  signIn: '/sign-in',
  workspaces: '/workspaces',
  addWorkspace: '/workspaces/new',
  /** A workspace's changes: the diff, then commit, push, pull request and discard (issue 21 §2). */
  workspaceReview: '/workspaces/:workspaceId/review',
  /** A workspace's agent runs: start one, the list, a transcript (issue 21 §1). */
  workspaceRuns: '/workspaces/:workspaceId/runs',
  terminals: '/terminals',
  workspaceTerminals: '/terminals/:workspaceId',
  settings: '/settings',
  signInRequests: '/sign-in-requests',
  operations: '/operations',
  /** Every terminal across workspaces, the ones needing the owner first (issue 20): the installed app's start page. */
  dashboard: '/dashboard',
  /** Agents' permission requests waiting for an answer, and the latest answered. */
  approvals: '/approvals',
  /** A read-only share link's viewer (issue 23 §2): src/web/main.ts mounts it instead of the shell. */
  share: '/share/:token',
} as const;

export type AppRoute = keyof typeof APP_ROUTES;
