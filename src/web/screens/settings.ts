// Settings: theme, terminal font size, default shell and the leave prompt; notifications, approvals and
// agent hooks (issue 20); sign-in sessions and requests; the GitHub connection.
import { api, describeError } from '../app/api.js';
import type { Screen } from '../app/context.js';
import { field, h, setFieldError } from '../app/dom.js';
import { timeAgo } from '../app/format.js';
import { checkFontSize, checkScrollbackLines } from '../app/input-checks.js';
import { THEME_LABELS, THEMES } from '../app/theme.js';
import { toast } from '../app/toast.js';
import type { AuthSessionInfo, Me, SettingsResponse } from '../app/types.js';
import { GITHUB_STATE_TEXT } from '../../shared/github.js';
import { MAX_FONT_SIZE, MAX_SCROLLBACK_LINES, MIN_FONT_SIZE, MIN_SCROLLBACK_LINES } from '../../shared/settings.js';
import { deviceStorage, forgetDeviceFontSize } from '../terminals/font-size.js';
import { agentHooksSection, approvalSettingsSection } from './agent-settings.js';
import { connectAction } from './github-status.js';
import { notificationsSection } from './notifications-settings.js';
import { signInRequestsSection } from './sign-in-requests.js';
import { addDeviceSection } from './add-device.js';
import { shareLinksSection } from './share-settings.js';
import { mcpServersSection } from './mcp-settings.js';
import { budgetSection, pricesSection } from './usage-cards.js';

export const settingsScreen: Screen = {
  title: 'Settings',
  async render(main, context) {
    main.append(h('h1', {}, 'Settings'));
    const { settings, shells } = await api<SettingsResponse>('/api/settings');

    // Appearance and terminals.
    const themeInputs = THEMES.map((theme) =>
      h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'theme', value: theme, checked: settings.theme === theme }), THEME_LABELS[theme]),
    );
    const themeSet = h('fieldset', {}, h('legend', {}, 'Theme'), themeInputs);
    themeSet.addEventListener('change', async (event) => {
      const input = event.target as HTMLInputElement;
      try {
        await context.updateSettings({ theme: input.value as typeof settings.theme });
        toast(`Theme: ${THEME_LABELS[input.value as typeof settings.theme]}.`, 'success');
      } catch (error) {
        toast(describeError(error), 'error');
      }
    });
    const fontSize = h('input', { type: 'number', name: 'fontSize', min: MIN_FONT_SIZE, max: MAX_FONT_SIZE, step: 1, value: settings.fontSize, inputmode: 'numeric' });
    let savedFontSize = settings.fontSize;
    fontSize.addEventListener('change', async () => {
      const checked = checkFontSize(fontSize.value);
      if (!checked.ok) {
        // Nothing is saved: say so, and what the terminals keep using.
        setFieldError(fontSize, `${checked.message} Nothing was saved: terminals still use ${savedFontSize}.`);
        return;
      }
      setFieldError(fontSize, null);
      try {
        savedFontSize = (await context.updateSettings({ fontSize: checked.value })).fontSize;
        // Chosen here, on this device: its terminals use it too, whatever A− or A+ chose before.
        forgetDeviceFontSize(deviceStorage());
        toast(`Terminal font size: ${checked.value}.`, 'success');
      } catch (error) {
        fontSize.value = String(savedFontSize);
        toast(describeError(error), 'error');
      }
    });
    const scrollback = h('input', { type: 'number', name: 'scrollbackLines', min: MIN_SCROLLBACK_LINES, max: MAX_SCROLLBACK_LINES, step: 1000, value: settings.scrollbackLines, inputmode: 'numeric' });
    let savedScrollback = settings.scrollbackLines;
    scrollback.addEventListener('change', async () => {
      const checked = checkScrollbackLines(scrollback.value);
      if (!checked.ok) {
        setFieldError(scrollback, `${checked.message} Nothing was saved: terminals keep ${savedScrollback.toLocaleString('en')} lines.`);
        return;
      }
      setFieldError(scrollback, null);
      try {
        savedScrollback = (await context.updateSettings({ scrollbackLines: checked.value })).scrollbackLines;
        toast(`Terminals keep ${savedScrollback.toLocaleString('en')} lines of scrollback.`, 'success');
      } catch (error) {
        scrollback.value = String(savedScrollback);
        toast(describeError(error), 'error');
      }
    });
    const shell = h(
      'select',
      { name: 'defaultShell' },
      h('option', { value: '' }, 'Default (bash)'),
      shells.map((path) => h('option', { value: path, selected: settings.defaultShell === path }, path)),
    );
    shell.addEventListener('change', async () => {
      try {
        await context.updateSettings({ defaultShell: shell.value || null });
        toast(`New terminals start ${shell.value || 'bash'}.`, 'success');
      } catch (error) {
        toast(describeError(error), 'error');
      }
    });
    const confirmLeave = h('input', { type: 'checkbox', name: 'confirmLeave', id: 'confirm-leave', checked: settings.confirmLeave, 'aria-describedby': 'confirm-leave-hint' });
    confirmLeave.addEventListener('change', async () => {
      try {
        await context.updateSettings({ confirmLeave: confirmLeave.checked });
        toast(confirmLeave.checked ? 'Closing or reloading a page with a running shell asks first.' : 'Pages with running shells close without asking.', 'success');
      } catch (error) {
        confirmLeave.checked = !confirmLeave.checked;
        toast(describeError(error), 'error');
      }
    });
    main.append(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'appearance-title' },
        h('h2', { id: 'appearance-title' }, 'Appearance and terminals'),
        themeSet,
        field('Terminal font size', fontSize, `${MIN_FONT_SIZE} to ${MAX_FONT_SIZE} pixels, on every device where you have not chosen a size with A−, A+ or a pinch (saving it here applies it on this one too).`),
        field(
          'Scrollback (lines)',
          scrollback,
          `Lines each terminal keeps above the screen in the browser, ${MIN_SCROLLBACK_LINES.toLocaleString('en')} to ${MAX_SCROLLBACK_LINES.toLocaleString('en')}; search covers all of them, and a reload or another device fills them from the server's copy of the output (its size is set by TERMINAL_RETAINED_OUTPUT_KB).`,
        ),
        field('Default shell', shell, 'Used by new terminals; from the server’s list of allowed shells.'),
        h('div', { class: 'checkbox' }, confirmLeave, h('label', { for: confirmLeave.id }, 'Ask before closing or reloading a page while a shell runs')),
        h(
          'p',
          { class: 'hint', id: 'confirm-leave-hint' },
          'The shells keep running either way. Asking catches Ctrl+W, which deletes a word in a shell but closes the tab in Chromium.',
        ),
      ),
    );

    main.append(notificationsSection(context), approvalSettingsSection(context), agentHooksSection(context));
    main.append(shareLinksSection());
    main.append(mcpServersSection());
    main.append(budgetSection(), pricesSection());

    // GitHub connection: asked afresh (the server checks it with GitHub), not as it was when the app loaded.
    const me: Me | null = await context.refreshMe().catch(() => context.me);
    const github = me?.github;
    main.append(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'github-title' },
        h('h2', { id: 'github-title' }, 'GitHub'),
        h('p', { role: 'status' }, me?.owner?.login ? `Signed in as @${me.owner.login}. ` : '', github ? GITHUB_STATE_TEXT[github.state] : ''),
        github ? connectAction(github, github.state === 'needs_renewal' || github.state === 'not_connected') : null,
      ),
    );

    // Sign-in sessions.
    const sessionsBody = h('tbody');
    const loadSessions = async () => {
      const { sessions } = await api<{ sessions: AuthSessionInfo[] }>('/api/auth/sessions');
      sessionsBody.replaceChildren(
        ...sessions.map((session) => {
          const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': session.current ? 'Sign out this browser' : `Revoke the session from ${session.ip ?? 'an unknown address'}, last seen ${timeAgo(session.lastSeenAt)}` }, session.current ? 'Sign out' : 'Revoke');
          revoke.addEventListener('click', async () => {
            try {
              await api(`/api/auth/sessions/${session.id}`, { method: 'DELETE' });
              if (session.current) {
                location.assign('/sign-in');
                return;
              }
              toast('Session revoked.', 'success');
              await loadSessions();
            } catch (error) {
              toast(describeError(error), 'error');
            }
          });
          return h(
            'tr',
            {},
            h('td', { 'data-label': 'Browser' }, session.deviceName, session.current ? h('span', { class: 'badge' }, 'this browser') : null),
            h('td', { 'data-label': 'Address' }, session.ip ?? '—'),
            h('td', { 'data-label': 'Last seen' }, timeAgo(session.lastSeenAt)),
            h('td', { class: 'row-actions' }, revoke),
          );
        }),
      );
    };
    const signOutAll = h('button', { type: 'button', class: 'danger' }, 'Sign out everywhere');
    signOutAll.addEventListener('click', async () => {
      try {
        await api('/auth/logout-all', { method: 'POST', body: {} });
        location.assign('/sign-in');
      } catch (error) {
        toast(describeError(error), 'error');
      }
    });
    main.append(
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'sessions-title' },
        h('h2', { id: 'sessions-title' }, 'Signed-in browsers'),
        h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Browser'), h('th', { scope: 'col' }, 'Address'), h('th', { scope: 'col' }, 'Last seen'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))), sessionsBody)),
        h('div', { class: 'actions' }, signOutAll),
      ),
    );
    // Device-code sign-ins waiting for this browser's approval (where the device flow is on).
    // Signing a phone in from here (issue 22 §3); the list above shows its session once the dialog closes.
    main.append(addDeviceSection(context, loadSessions));
    if (context.me?.github.deviceFlow) main.append(signInRequestsSection(context, 'h2'));
    await loadSessions();
  },
};
