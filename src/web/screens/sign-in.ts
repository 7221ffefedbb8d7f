// Sign-in: GitHub web flow, device code (with copy button, updating by itself), and the start-up
// token when the server offers it.
import { api, ApiError, describeError } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { field, h } from '../app/dom.js';
import type { AuthOptions, DeviceState } from '../app/types.js';

const FINAL_MESSAGES: Record<Exclude<DeviceState['status'], 'pending' | 'approved'>, string> = {
  denied: 'The sign-in was cancelled on GitHub. Start again when you are ready.',
  expired: 'The code expired before it was entered. Start again to get a new code.',
  refused: 'This GitHub account may not use this Shellport server.',
  failed: 'The sign-in did not complete. Start again.',
};

export const signInScreen: Screen = {
  title: 'Sign in',
  bare: true,
  async render(main, context) {
    const status = h('div', { class: 'sign-in-status', role: 'status', 'aria-live': 'polite' });
    const card = h('section', { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' }, h('h1', { id: 'sign-in-title' }, h('span', { 'aria-hidden': 'true' }, '>_ '), 'Shellport'));
    main.append(h('div', { class: 'sign-in-page' }, card));

    let options: AuthOptions;
    try {
      options = await api<AuthOptions>('/auth/options');
    } catch (error) {
      card.append(h('p', { role: 'alert', class: 'error-text' }, describeError(error)));
      return;
    }
    if (options.signedIn) {
      // Already signed in (a bookmark, the back button): nothing to do here.
      context.navigate('/workspaces', { replace: true });
      return;
    }

    let pollTimer = 0;
    let disposed = false;
    context.onDispose(() => {
      disposed = true;
      window.clearTimeout(pollTimer);
    });

    // Only needed for the very first sign-in of a server without owner (GITHUB_ALLOWED_USER unset).
    const setupToken = h('input', { type: 'password', name: 'setup_token', autocomplete: 'off', spellcheck: 'false' });
    const setupField = options.hasOwner ? null : field('Setup token', setupToken, 'This server has no owner yet: paste the setup token printed in the server log when it started.');
    const setupValue = () => setupToken.value.trim();

    const github = options.github;
    if (!github.webFlow && !github.deviceFlow) {
      card.append(h('p', { class: 'error-text' }, 'GitHub sign-in is not configured on this server. Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (see docs/configuration.md).'));
    } else {
      card.append(h('p', {}, 'Sign in with the GitHub account that owns this server.'));
      if (setupField) card.append(setupField);
    }

    if (github.webFlow) {
      const webLink = h('a', { class: 'button primary', href: '/auth/github' }, 'Sign in with GitHub');
      webLink.addEventListener('click', (event) => {
        const token = setupValue();
        if (token) {
          event.preventDefault();
          location.assign(`/auth/github?setup_token=${encodeURIComponent(token)}`);
        }
      });
      card.append(h('div', { class: 'actions' }, webLink));
    }

    if (github.deviceFlow) {
      const deviceArea = h('div', { class: 'device-area' });
      const start = h('button', { type: 'button' }, 'Use a device code');
      const showFinal = (text: string, isError: boolean) => {
        status.replaceChildren(h('p', { class: isError ? 'error-text' : '' }, text));
        start.textContent = 'Start again';
        start.disabled = false;
      };
      const poll = async (intervalSeconds: number) => {
        if (disposed) return;
        try {
          const state = await api<DeviceState>('/auth/device', { allowUnauthorized: true });
          if (disposed) return;
          if (state.status === 'pending') {
            pollTimer = window.setTimeout(() => void poll(state.intervalSeconds || intervalSeconds), Math.max(1, state.intervalSeconds || intervalSeconds) * 1000);
            return;
          }
          if (state.status === 'approved') {
            status.replaceChildren(h('p', {}, 'Approved. Signing you in…'));
            location.assign('/');
            return;
          }
          deviceArea.replaceChildren();
          showFinal(state.message ? `${FINAL_MESSAGES[state.status]} ${state.message}` : FINAL_MESSAGES[state.status], true);
        } catch (error) {
          if (disposed) return;
          if (error instanceof ApiError && error.status === 404) {
            deviceArea.replaceChildren();
            showFinal('This device sign-in has already finished. Start again.', true);
            return;
          }
          // A dropped connection: keep polling, a little slower, while the code is valid.
          status.replaceChildren(h('p', { class: 'error-text' }, `${describeError(error)} Still waiting…`));
          pollTimer = window.setTimeout(() => void poll(intervalSeconds), Math.max(2, intervalSeconds) * 1000);
        }
      };
      start.addEventListener('click', async () => {
        start.disabled = true;
        window.clearTimeout(pollTimer);
        status.replaceChildren(h('p', {}, 'Asking GitHub for a code…'));
        try {
          const token = setupValue();
          const state = await api<DeviceState>('/auth/device', { method: 'POST', body: token ? { setupToken: token } : {}, allowUnauthorized: true });
          const code = h('output', { class: 'device-code', 'aria-label': 'Your device code' }, state.userCode);
          const copy = h('button', { type: 'button' }, 'Copy code');
          copy.addEventListener('click', async () => {
            try {
              await navigator.clipboard.writeText(state.userCode);
              copy.textContent = 'Copied';
            } catch {
              window.getSelection()?.selectAllChildren(code);
              copy.textContent = 'Press Ctrl+C to copy';
            }
          });
          deviceArea.replaceChildren(
            h('p', {}, 'Enter this code on GitHub:'),
            h('div', { class: 'device-code-row' }, code, copy),
            h('p', {}, h('a', { href: state.verificationUri, target: '_blank', rel: 'noopener noreferrer' }, `Open ${state.verificationUri}`)),
            h('p', { class: 'hint' }, `The code is valid until ${new Date(state.expiresAt).toLocaleTimeString()}. This page updates by itself once you approve.`),
          );
          status.replaceChildren(h('p', {}, 'Waiting for you to approve on GitHub…'));
          start.textContent = 'Get a new code';
          start.disabled = false;
          pollTimer = window.setTimeout(() => void poll(state.intervalSeconds), Math.max(1, state.intervalSeconds) * 1000);
        } catch (error) {
          showFinal(describeError(error), true);
        }
      });
      // The status (waiting, refused, expired) belongs with the code, above any other way to sign in;
      // once there is a code, "Get a new code" comes after it, where it is not tapped by mistake.
      card.append(deviceArea, status, h('div', { class: 'actions' }, start));
    }

    if (options.tokenSignIn) {
      const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true });
      const form = h(
        'form',
        { class: 'token-form', action: '/auth/token', method: 'get' },
        h('h2', {}, 'Sign in with the start-up token'),
        field('Start-up token', token, 'Printed in the server log at start-up (or open the sign-in URL it prints).'),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in with token')),
      );
      card.append(form);
    }
  },
};
