// The app shell: who is signed in, the settings, the header and navigation, and which screen shows.
import { addWorkspaceScreen } from '../screens/add-workspace.js';
import { approvalsScreen } from '../screens/approvals.js';
import { dashboardScreen } from '../screens/dashboard.js';
import { notFoundScreen } from '../screens/not-found.js';
import { operationsScreen } from '../screens/operations.js';
import { settingsScreen } from '../screens/settings.js';
import { signInRequestsScreen } from '../screens/sign-in-requests.js';
import { signInScreen } from '../screens/sign-in.js';
import { terminalsScreen } from '../screens/terminals.js';
import { reviewScreen } from '../screens/review.js';
import { runsScreen } from '../screens/runs.js';
import { workspacesScreen } from '../screens/workspaces.js';
import { api, ApiError, describeError, setUnauthorizedHandler } from './api.js';
import { createApprovalsBadge } from './approvals-badge.js';
import type { Screen, ScreenContext } from './context.js';
import { h, svg } from './dom.js';
import { APP_ROUTES, type AppRoute } from '../../shared/app-paths.js';
import { DEFAULT_APPROVAL_TIMEOUT_SECONDS } from '../../shared/attention.js';
import { followServiceWorker, registerServiceWorker } from './pwa.js';
import { forgetReturnPath, rememberReturnPath, sessionStore, takeReturnPath } from './return-path.js';
import { interceptLinks, matchRoute, type Route } from './router.js';
import { applyTheme, storedTheme } from './theme.js';
import { toast } from './toast.js';
import type { AuthOptions, Me, SettingsResponse, UserSettings } from './types.js';

/** The screen of each page the server serves (src/shared/app-paths.ts: the compiler asks for every one). */
const SCREENS: Record<AppRoute, Screen | 'home'> = {
  home: 'home',
  signIn: signInScreen,
  workspaces: workspacesScreen,
  addWorkspace: addWorkspaceScreen,
  workspaceReview: reviewScreen,
  workspaceRuns: runsScreen,
  terminals: terminalsScreen,
  workspaceTerminals: terminalsScreen,
  settings: settingsScreen,
  signInRequests: signInRequestsScreen,
  operations: operationsScreen,
  dashboard: dashboardScreen,
  approvals: approvalsScreen,
  // Never shown by the shell: main.ts mounts the share viewer for /share/ before the shell starts.
  share: notFoundScreen,
};
const routes: Route<Screen | 'home'>[] = (Object.keys(APP_ROUTES) as AppRoute[]).map((name) => ({ pattern: APP_ROUTES[name], value: SCREENS[name] }));

const NAV: { path: string; label: string }[] = [
  { path: '/dashboard', label: 'Dashboard' },
  { path: '/workspaces', label: 'Workspaces' },
  { path: '/terminals', label: 'Terminals' },
  { path: '/approvals', label: 'Approvals' },
  { path: '/settings', label: 'Settings' },
  { path: '/operations', label: 'Operations' },
];

const isAppPath = (path: string) => path === '/' || matchRoute(routes, path) !== null || /^\/(workspaces|terminals)\//.test(path);

export function startApp(root: HTMLElement): void {
  let me: Me | null = null;
  let settings: UserSettings = {
    theme: storedTheme(),
    fontSize: 14,
    scrollbackLines: 10_000,
    defaultShell: null,
    confirmLeave: true,
    approvalTimeoutSeconds: DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    approvalTimeoutAction: 'deny',
  };
  let disposers: (() => void)[] = [];
  let settingsListeners: ((settings: UserSettings) => void)[] = [];
  let renderId = 0;
  let isFirstRender = true;

  applyTheme(settings.theme);
  registerServiceWorker();
  // A sign-in page opened on purpose (typed, a link, a bookmark) starts afresh: no page from an earlier
  // visit waits behind it. Reloading it, or arriving from a page that needed sign-in, keeps the page asked for.
  if (location.pathname === '/sign-in' && navigationType() === 'navigate') forgetReturnPath(sessionStore());

  const approvalsBadge = createApprovalsBadge();
  const navLinks = NAV.map((item) => h('a', { href: item.path }, item.label, item.path === '/approvals' ? approvalsBadge.element : null));
  const userLabel = h('span', { class: 'user' });
  const signOut = h('button', { type: 'button', class: 'link-button' }, 'Sign out');
  signOut.addEventListener('click', () => {
    void api('/auth/logout', { method: 'POST', body: {} })
      .then(() => location.assign('/sign-in'))
      .catch((error: unknown) => toast(describeError(error), 'error'));
  });
  // On a phone's full-bleed screen (the terminals) the navigation folds into this button, which floats
  // at the start of the screen's own top row (base.css), so that one row of controls sits above the terminal.
  const navToggle = h(
    'button',
    { type: 'button', class: 'nav-toggle', 'aria-label': 'Menu', title: 'Menu', 'aria-expanded': 'false', 'aria-controls': 'main-nav' },
    svg('svg', { viewBox: '0 0 16 16', width: 16, height: 16, fill: 'none', stroke: 'currentColor', 'stroke-linecap': 'round', 'aria-hidden': 'true' }, svg('path', { d: 'M2.5 4.5h11M2.5 8.5h11M2.5 12.5h11' })),
  );
  const header = h(
    'header',
    { class: 'app-header' },
    navToggle,
    h('a', { href: '/workspaces', class: 'brand', 'aria-label': 'Shellport home' }, h('span', { 'aria-hidden': 'true' }, '>_'), ' Shellport'),
    h('nav', { 'aria-label': 'Main', id: 'main-nav' }, h('ul', {}, navLinks.map((link) => h('li', {}, link)))),
    h('div', { class: 'session' }, userLabel, signOut),
  );
  const showNav = (open: boolean) => {
    header.toggleAttribute('data-nav-open', open);
    navToggle.setAttribute('aria-expanded', String(open));
  };
  navToggle.addEventListener('click', () => showNav(navToggle.getAttribute('aria-expanded') !== 'true'));
  header.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || navToggle.getAttribute('aria-expanded') !== 'true') return;
    event.preventDefault();
    showNav(false);
    navToggle.focus();
  });
  document.addEventListener('pointerdown', (event) => {
    if (!header.contains(event.target as Node)) showNav(false);
  }, true);
  const skip = h('a', { class: 'skip-link', href: '#main' }, 'Skip to content');
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  // A new <main> for every screen: a screen still finishing an await after the owner moved on (a
  // status check, a list) writes into its own, detached element, never into the next screen.
  const newMain = () => h('main', { id: 'main', tabindex: '-1' });
  let main = newMain();

  const dispose = () => {
    for (const cleanup of disposers.splice(0).reverse()) {
      try {
        cleanup();
      } catch (error) {
        console.error(error);
      }
    }
    settingsListeners = [];
  };

  const navigate = (path: string, options: { replace?: boolean } = {}) => {
    if (options.replace) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    void render();
  };
  /** To the sign-in screen, keeping the page asked for (return-path.ts): signing in comes back to it. */
  const toSignIn = () => {
    rememberReturnPath(sessionStore(), location.pathname + location.search, Date.now());
    navigate('/sign-in', { replace: true });
  };

  const loadSession = async (): Promise<boolean> => {
    // Asking /api/me while signed out would answer 401, which Chromium logs as a console error.
    if (!(await api<AuthOptions>('/auth/options')).signedIn) return false;
    try {
      me = await api<Me>('/api/me', { allowUnauthorized: true });
    } catch (error) {
      // The session can still end between the two requests.
      if (error instanceof ApiError && error.status === 401) return false;
      throw error;
    }
    const response = await api<SettingsResponse>('/api/settings');
    settings = response.settings;
    applyTheme(settings.theme);
    userLabel.textContent = me.owner?.login ? `@${me.owner.login}` : 'Signed in';
    approvalsBadge.start();
    return true;
  };

  const updateSettings: ScreenContext['updateSettings'] = async (patch) => {
    const response = await api<SettingsResponse>('/api/settings', { method: 'PATCH', body: patch });
    settings = response.settings;
    applyTheme(settings.theme);
    for (const listener of settingsListeners) listener(settings);
    return settings;
  };

  const render = async () => {
    const id = ++renderId;
    showNav(false);
    dispose();
    const url = new URL(location.href);
    const match = matchRoute(routes, url.pathname);
    let screen: Screen = notFoundScreen;
    let params: Record<string, string> = {};
    if (match && match.value !== 'home') {
      screen = match.value;
      params = match.params;
    }
    if (!screen.bare && me === null) {
      try {
        if (!(await loadSession())) {
          if (id === renderId) toSignIn();
          return;
        }
      } catch (error) {
        main.replaceChildren(h('h1', {}, 'Shellport'), h('p', { role: 'alert' }, describeError(error)));
        root.replaceChildren(skip, main);
        return;
      }
      if (id !== renderId) return;
    }
    if (match?.value === 'home') {
      // The home is the workspace list (where terminals start); the installed app opens on the dashboard
      // (its manifest's start_url). After a sign-in, the page that asked for it comes first.
      navigate(takeReturnPath(sessionStore(), Date.now()) ?? '/workspaces', { replace: true });
      return;
    }

    document.title = `${screen.title} · Shellport`;
    for (const link of navLinks) {
      const active = url.pathname === link.pathname || url.pathname.startsWith(`${link.pathname}/`);
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    main = newMain();
    main.className = screen.fullBleed ? 'full-bleed' : '';
    // Full-bleed screens (terminals) get exactly the viewport's height to lay themselves out in.
    root.classList.toggle('is-full-bleed', Boolean(screen.fullBleed));
    root.replaceChildren(...(screen.bare ? [skip, main] : [skip, header, main]));

    const context: ScreenContext = {
      params,
      query: url.searchParams,
      me,
      settings,
      navigate,
      updateSettings,
      onSettingsChange: (listener) => settingsListeners.push(listener),
      onDispose: (cleanup) => disposers.push(cleanup),
      refreshMe: async () => {
        me = await api<Me>('/api/me');
        return me;
      },
      setPendingApprovals: (count) => approvalsBadge.set(count),
    };
    if (!isFirstRender) main.focus({ preventScroll: true });
    isFirstRender = false;
    const screenMain = main;
    try {
      await screen.render(screenMain, context);
    } catch (error) {
      if (id !== renderId) return;
      screenMain.append(h('p', { role: 'alert', class: 'error-text' }, describeError(error)));
    }
  };

  setUnauthorizedHandler(() => {
    me = null;
    approvalsBadge.stop();
    if (location.pathname !== '/sign-in') toSignIn();
  });
  interceptLinks(document.body, (path) => navigate(path), isAppPath);
  followServiceWorker((path) => navigate(path));
  window.addEventListener('popstate', () => void render());
  void render();
}

/** How this document was loaded: 'navigate' (a link, typed, a redirect), 'reload' or 'back_forward'. */
function navigationType(): string {
  const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  return entry?.type ?? 'navigate';
}
