// Sign-in requests (issue 18): device-code sign-ins started by browsers that nothing vouches for wait
// here for a signed-in browser's approval. Each shows the requesting browser's address and user agent
// and the code its page shows, so that the owner approves only their own. On its own page
// (/sign-in-requests, where the waiting page sends the owner) and in Settings.
import { api, describeError } from '../app/api.js';
import type { Screen, ScreenContext } from '../app/context.js';
import { h } from '../app/dom.js';
import { summariseAgent, timeAgo } from '../app/format.js';
import { toast } from '../app/toast.js';
import type { SignInRequest } from '../app/types.js';

/** Often enough that a request shows up while the owner looks at both screens. */
const REFRESH_MS = 3000;

/** The list of waiting requests with Approve and Deny, kept up to date while the screen shows. */
export function signInRequestsSection(context: ScreenContext, heading: 'h1' | 'h2'): HTMLElement {
  const list = h('ul', { class: 'sign-in-requests' });
  const empty = h('p', { class: 'hint' }, 'No browser is waiting for approval.');
  const status = h('p', { class: 'error-text', role: 'alert', hidden: true });
  let shown = '';
  let timer = 0;
  let disposed = false;
  context.onDispose(() => {
    disposed = true;
    window.clearTimeout(timer);
  });

  const answer = async (request: SignInRequest, decision: 'approve' | 'deny', buttons: HTMLButtonElement[]) => {
    for (const button of buttons) button.disabled = true;
    try {
      await api(`/api/auth/sign-in-requests/${encodeURIComponent(request.id)}/${decision}`, { method: 'POST', body: {} });
      toast(decision === 'approve' ? `Approved ${request.code}: that browser now shows a code to enter at GitHub.` : `Turned down ${request.code}.`, 'success');
    } catch (error) {
      toast(describeError(error), 'error');
    }
    await refresh();
  };

  const item = (request: SignInRequest) => {
    const approve = h('button', { type: 'button', class: 'primary', 'aria-label': `Approve the sign-in with code ${request.code}` }, 'Approve');
    const deny = h('button', { type: 'button', class: 'danger', 'aria-label': `Deny the sign-in with code ${request.code}` }, 'Deny');
    approve.addEventListener('click', () => void answer(request, 'approve', [approve, deny]));
    deny.addEventListener('click', () => void answer(request, 'deny', [approve, deny]));
    const browser = request.userAgent ? summariseAgent(request.userAgent) : 'an unknown browser';
    return h(
      'li',
      { class: 'sign-in-request' },
      h('p', {}, 'A browser at ', h('strong', {}, request.ip), ` (${browser}) asks to sign in with code `, h('code', { class: 'request-code' }, request.code), '.'),
      request.userAgent ? h('p', { class: 'hint user-agent' }, request.userAgent) : null,
      h('p', { class: 'hint' }, `Asked ${timeAgo(request.createdAt)}. Approve only if it is you, and its page shows this code; GitHub then asks you to confirm.`),
      h('div', { class: 'actions' }, approve, deny),
    );
  };

  async function refresh() {
    if (disposed) return;
    window.clearTimeout(timer);
    try {
      const { requests } = await api<{ requests: SignInRequest[] }>('/api/auth/sign-in-requests');
      if (disposed) return;
      status.hidden = true;
      // Rebuilt only when the requests change, so that a button is not replaced under the pointer.
      const key = requests.map((request) => request.id).join(',');
      if (key !== shown) {
        shown = key;
        list.replaceChildren(...requests.map(item));
        empty.hidden = requests.length > 0;
      }
    } catch (error) {
      if (disposed) return;
      status.textContent = describeError(error);
      status.hidden = false;
    }
    timer = window.setTimeout(() => void refresh(), REFRESH_MS);
  }

  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'sign-in-requests-title' },
    h(heading, { id: 'sign-in-requests-title' }, 'Sign-in requests'),
    h('p', {}, 'A new browser that signs in with a device code waits here until a signed-in browser approves it.'),
    list,
    empty,
    status,
  );
  void refresh();
  return section;
}

export const signInRequestsScreen: Screen = {
  title: 'Sign-in requests',
  render(main, context) {
    main.append(signInRequestsSection(context, 'h1'));
  },
};
