// The GitHub connection's status, in the same words and with the same way back (Reconnect) on every
// screen that shows it: Settings, Add workspace and Workspaces (issue 16).
import { h } from '../app/dom.js';
import type { Me } from '../app/types.js';
import { GITHUB_STATE_TEXT } from '../../shared/github.js';

type GitHubState = Me['github']['state'];

/** The state an API refusal means, for the GitHub error codes that have one. */
export function githubStateOfError(code: string): GitHubState | null {
  if (code === 'github_reauth_required') return 'needs_renewal';
  if (code === 'github_not_connected') return 'not_connected';
  return null;
}

/**
 * Connect or Reconnect: the GitHub web flow, which comes back signed in. Without it (no client secret
 * on the server) the device flow is the way, from the sign-in screen after signing out.
 */
export function connectAction(github: Pick<Me['github'], 'state' | 'webFlow'>, primary: boolean): HTMLElement | null {
  if (github.state === 'not_configured') return null;
  const label = github.state === 'not_connected' ? 'Connect GitHub' : 'Reconnect GitHub';
  if (!github.webFlow) return h('p', { class: 'hint' }, `To ${github.state === 'not_connected' ? 'connect' : 'reconnect'}, sign out, then sign in with GitHub again.`);
  return h('a', { class: primary ? 'button primary' : 'button', href: '/auth/github' }, label);
}

/** A notice for a state that needs the owner: what it means and the way back; null when all is well. */
export function githubNotice(github: Pick<Me['github'], 'state' | 'webFlow'>): HTMLElement | null {
  if (github.state === 'connected' || github.state === 'not_configured') return null;
  const action = github.state === 'unreachable' ? null : connectAction(github, true);
  return h('div', { class: 'notice', role: 'status' }, h('p', {}, GITHUB_STATE_TEXT[github.state]), action);
}
