// Sign-in: GitHub web flow, device code (with copy button, updating by itself; on a server with an
// owner, approved first from a signed-in browser unless the sign-in link vouches for this one), and
// the start-up link when the server offers it (the only way on a local install without GitHub, and a normal one).
import { extractStartupToken } from '../../shared/auth.js';
import { api, ApiError, describeError } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { field, h, setFieldError } from '../app/dom.js';
import type { AuthOptions, DeviceState } from '../app/types.js';

const LINK_COMMAND = 'npm run sign-in-link';

const FINAL_MESSAGES: Record<Exclude<DeviceState['status'], 'awaiting_approval' | 'pending' | 'approved'>, string> = {
  denied: 'The sign-in was turned down. Start again when you are ready.',
  expired: 'The code expired before it was entered. Start again to get a new code.',
  refused: 'This GitHub account may not use this Shellport server.',
  failed: 'The sign-in did not complete. Start again.',
};

/** What a finished device sign-in says: the server's own words where it has them. */
function finalMessage(state: DeviceState & { status: keyof typeof FINAL_MESSAGES }): string {
  if (!state.message) return FINAL_MESSAGES[state.status];
  return state.status === 'refused' ? `${FINAL_MESSAGES.refused} ${state.message}` : `${state.message} Start again when you are ready.`;
}

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

    // Only needed for the very first sign-in of a server without owner (GITHUB_ALLOWED_USER unset),
    // and not once this browser has opened the setup link (its cookie is not readable here).
    const setupToken = h('input', { type: 'password', name: 'setup_token', autocomplete: 'off', spellcheck: 'false' });
    const needsSetupToken = !options.hasOwner && !options.setupTokenReceived;
    const setupField = needsSetupToken
      ? field('Setup link or token', setupToken, `Open the setup link Shellport printed when it started, or paste it here (${LINK_COMMAND} prints it again).`)
      : null;
    const setupValue = () => extractStartupToken(setupToken.value);
    // On a server with an owner, a device-code sign-in from this browser waits for a signed-in browser's
    // approval, unless it brings the sign-in link (only offered where that link does not sign in by itself).
    const linkToken = h('input', { type: 'password', name: 'sign_in_link', autocomplete: 'off', spellcheck: 'false' });
    const needsApproval = options.hasOwner && options.github.deviceFlow && !options.signInLinkReceived;
    const linkField =
      needsApproval && !options.tokenSignIn
        ? field(
            'Sign-in link (optional)',
            linkToken,
            `No browser signed in to approve this one? Where Shellport runs, ${LINK_COMMAND} prints a link: open it here, or paste it.`,
          )
        : null;

    const github = options.github;
    const hasGitHub = github.webFlow || github.deviceFlow;
    if (hasGitHub) {
      if (options.hasOwner) {
        card.append(h('p', {}, 'Sign in with the GitHub account that owns this server.'));
        if (options.signInLinkReceived) {
          card.append(h('p', { class: 'setup-received' }, 'Sign-in link received: your device-code sign-in needs no approval from another browser.'));
        }
      } else if (options.setupTokenReceived) {
        card.append(h('p', { class: 'setup-received' }, 'Setup link received. The GitHub account you sign in with now becomes the owner of this server.'));
      } else {
        card.append(h('p', {}, 'This server has no owner yet: the GitHub account that signs in with its setup link becomes the owner.'));
      }
      if (setupField) card.append(setupField);
    } else if (options.tokenSignIn) {
      // A local install without GitHub: the start-up link is the way in, not a fallback.
      card.append(
        h('p', {}, 'Sign in with the link Shellport printed when it started: opening it signs this browser in.'),
        h('p', { class: 'hint' }, 'Lost it? Where Shellport runs, ', h('code', {}, LINK_COMMAND), ' prints it again. Or paste it below.'),
      );
    } else {
      card.append(
        h(
          'p',
          { class: 'error-text' },
          'This server offers no way to sign in: GitHub sign-in is not configured (GITHUB_CLIENT_ID), and the start-up link works only while Shellport is local-only (TOKEN_SIGN_IN). See docs/configuration.md.',
        ),
      );
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
      let shownCode: string | null = null;
      const showFinal = (text: string, isError: boolean) => {
        status.replaceChildren(h('p', { class: isError ? 'error-text' : '' }, text));
        start.textContent = 'Start again';
        start.disabled = false;
      };
      // Waiting for a signed-in browser: say where to approve, and which code to look for there.
      const showAwaiting = (state: DeviceState) => {
        shownCode = null;
        deviceArea.replaceChildren(
          h('p', {}, 'This sign-in needs approval from a browser where you are already signed in to Shellport.'),
          h('p', {}, 'There, open Settings → Sign-in requests (', h('code', {}, `${location.origin}/sign-in-requests`), ') and approve the request that shows this code:'),
          h('div', { class: 'device-code-row' }, h('output', { class: 'device-code request-code', 'aria-label': 'Your request code' }, state.requestCode)),
          h('p', { class: 'hint' }, `The request is valid until ${new Date(state.expiresAt).toLocaleTimeString()}. This page goes on by itself once it is approved.`),
        );
        status.replaceChildren(h('p', {}, 'Waiting for approval…'));
      };
      const showCode = (state: DeviceState & { userCode: string; verificationUri: string }) => {
        shownCode = state.userCode;
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
      };
      /** Shows a flow in progress; false once it has finished (then the page moves on or says why). */
      const show = (state: DeviceState): boolean => {
        if (state.status === 'awaiting_approval') {
          if (!deviceArea.querySelector('.request-code')) showAwaiting(state);
          return true;
        }
        if (state.status === 'pending') {
          if (state.userCode && state.verificationUri) {
            if (shownCode !== state.userCode) showCode({ ...state, userCode: state.userCode, verificationUri: state.verificationUri });
          } else {
            deviceArea.replaceChildren();
            status.replaceChildren(h('p', {}, 'Approved. Asking GitHub for a code…'));
          }
          return true;
        }
        if (state.status === 'approved') {
          status.replaceChildren(h('p', {}, 'Approved. Signing you in…'));
          location.assign('/');
          return false;
        }
        deviceArea.replaceChildren();
        shownCode = null;
        showFinal(finalMessage({ ...state, status: state.status }), true);
        return false;
      };
      const poll = async (intervalSeconds: number) => {
        if (disposed) return;
        try {
          const state = await api<DeviceState>('/auth/device', { allowUnauthorized: true });
          if (disposed || !show(state)) return;
          const next = state.intervalSeconds || intervalSeconds;
          pollTimer = window.setTimeout(() => void poll(next), Math.max(1, next) * 1000);
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
        status.replaceChildren(h('p', {}, 'Starting the sign-in…'));
        try {
          const body: { setupToken?: string; token?: string } = {};
          const setup = setupValue();
          if (setup) body.setupToken = setup;
          const link = linkField ? extractStartupToken(linkToken.value) : '';
          if (link) body.token = link;
          const state = await api<DeviceState>('/auth/device', { method: 'POST', body, allowUnauthorized: true });
          // A sign-in link works once: it is spent now.
          linkToken.value = '';
          shownCode = null;
          deviceArea.replaceChildren();
          show(state);
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
      if (linkField) card.append(linkField);
    }

    if (options.tokenSignIn) {
      const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true });
      const form = h(
        'form',
        { class: 'token-form', action: '/auth/token', method: 'get' },
        h('h2', {}, hasGitHub ? 'Or sign in with the start-up link' : 'Sign in with the start-up link'),
        field(
          'Start-up link or token',
          token,
          hasGitHub ? `The whole link Shellport printed at start-up, or just its token (${LINK_COMMAND} prints it again).` : 'The whole link, or just its token.',
        ),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')),
      );
      // Whatever was pasted, the whole link or the token, only the token is sent (the server accepts both too).
      form.addEventListener('submit', (event) => {
        const value = extractStartupToken(token.value);
        if (!value) {
          event.preventDefault();
          setFieldError(token, 'Paste the link Shellport printed at start-up, or its token.');
          return;
        }
        token.value = value;
      });
      card.append(form);
    }

    if (!hasGitHub && options.tokenSignIn) {
      card.append(
        h(
          'p',
          { class: 'hint github-later' },
          'GitHub is not connected, which is fine here. To sign in with GitHub and pick your repositories, connect it later: see “Create a GitHub OAuth App” in docs/configuration.md.',
        ),
      );
    }
  },
};
