// The browser app's pages, shared by the server (which answers each with index.html) and the web
// app's router (which renders them): one list, so the two cannot drift. Imports nothing.

export const APP_ROUTES = {
  home: '/',
  signIn: '/sign-in',
  workspaces: '/workspaces',
  addWorkspace: '/workspaces/new',
  terminals: '/terminals',
  workspaceTerminals: '/terminals/:workspaceId',
  settings: '/settings',
  signInRequests: '/sign-in-requests',
  operations: '/operations',
} as const;

export type AppRoute = keyof typeof APP_ROUTES;
