// The terminals screen: tabs (one per terminal), up to two panes side by side or stacked, the
// toolbar, the connection indicator, the phone key bar and layout persistence.
import { DEFAULT_SCROLLBACK_LINES } from '../../shared/settings.js';
import type { TerminalActivity, TerminalInfo } from '../../shared/terminals.js';
import { ACTIVITY_GLYPH, ACTIVITY_TEXT, badgedFaviconUrl, countNeedingYou, describeActivity, titleWithCount } from './activity.js';
import { h } from '../app/dom.js';
import { menuButton } from '../app/menu.js';
import { api } from '../app/api.js';
import { openShareDialog } from './share-dialog.js';
import { askDialog, showSheet } from '../app/dialog.js';
import { chooseFilesToUpload, chooseImagesForPrompt, enableFileUploads } from './upload.js';
import { ElsewhereMenu, type WorkspaceNames } from './elsewhere.js';
import { endedByReboot, rebootNoticeText } from './ended-terminal.js';
import { clampFontSize, deviceStorage } from './font-size.js';
import { LocalEchoControl } from './local-echo-control.js';
import { describeLocalEchoMode, describeRoundTrip } from './local-echo-setting.js';
import { icon, type IconName } from './icons.js';
import { createKeyBar } from './keybar.js';
import {
  addTab,
  closeTab as closeTabIn,
  focusedTab,
  focusPane as focusPaneOf,
  neighbourTab,
  openTab,
  replaceTab,
  restoreLayout,
  selectTab as selectTabIn,
  turnSplit,
  unsplit as unsplitLayout,
} from './layout-model.js';
import { emptyLayout, loadLayout, saveLayout, type SplitDirection, type TerminalLayout } from './layout-store.js';
import { keysFor, matchShortcut, shortcutSheet, type ScreenAction } from './shortcuts.js';
import { TerminalView, type Activity } from './terminal-view.js';
import { TwoFingerGesture } from './two-finger-gesture.js';
import type { TerminalTheme } from './theme.js';
import type { ConnectionState, TerminalTransport } from './transport.js';

/** Terminals opened automatically when this browser remembers nothing for the workspace. */
const MAX_AUTO_OPEN = 8;

export interface TerminalsScreenOptions {
  workspaceId: string | null;
  terminalId?: string;
  fontSize: number;
  theme: TerminalTheme;
  confirmLeave?: boolean;
  /** Lines each terminal keeps above the screen (DEFAULT_SCROLLBACK_LINES when not given). */
  scrollbackLines?: number;
  /** A−, A+ or a pinch changed the font size (the host keeps it for this device). */
  onFontSizeChange?: (fontSize: number) => void;
  /** Names for the workspaces that the home screen lists as also running terminals. */
  workspaceNames?: WorkspaceNames;
  /** Buttons of the host's own for the toolbar, before More actions (the Ports button, src/web/preview). */
  toolbarItems?: HTMLElement[];
}

/** A connection down this long is announced above the terminals, not only in the toolbar. */
const OUTAGE_BANNER_DELAY_MS = 2000;
/** How often the outage banner's countdown and queued-input count are brought up to date. */
const OUTAGE_TICK_MS = 250;

const OUTAGE_TEXT: Record<'reconnecting' | 'offline', string> = {
  reconnecting:
    'Connection lost, reconnecting… If only the network dropped, your terminals are still running; if the server restarted, they ended with it (their output stays readable). What you type now is sent once the connection is back, to terminals still running.',
  offline:
    'Not connected to the server. If only the network dropped, your terminals are still running there; a server restart ends them. Check the network (or sign in again), then choose Reconnect.',
};

/** What a tab's mark says (its accessible description, and a line of its tooltip). */
const UNSEEN_TEXT: Record<Activity, string> = { output: 'New output', bell: 'The bell rang' };
/** Before the page's title while it is hidden, once a terminal rang the bell. */
const BELL_TITLE_PREFIX = '🔔 ';

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export class TerminalsScreen {
  readonly root: HTMLElement;
  private readonly transport: TerminalTransport;
  private options: TerminalsScreenOptions;
  private readonly views = new Map<string, TerminalView>();
  private layout: TerminalLayout = emptyLayout();
  private fontSize: number;
  private theme: TerminalTheme;
  private restored = false;
  private disposed = false;
  private readonly startingAgain = new Set<TerminalView>();
  private readonly tabList: HTMLElement;
  private readonly panes: HTMLElement;
  private readonly status: HTMLElement;
  private readonly notice: HTMLElement;
  /** "N terminals ended when the machine restarted", with Start all again (issue 19). */
  private readonly rebootNotice: HTMLElement;
  private readonly rebootText: HTMLElement;
  /** This place's terminals ended by a reboot and not started again yet. */
  private rebootEnded: TerminalInfo[] = [];
  private readonly outageBanner: HTMLElement;
  private readonly outageMessage: HTMLElement;
  private readonly outageDetail: HTMLElement;
  private readonly retryButton: HTMLButtonElement;
  private outageTimer: ReturnType<typeof setTimeout> | null = null;
  private outageTicker: ReturnType<typeof setInterval> | null = null;
  /** On the home screen only: the workspaces with terminals running. */
  private readonly elsewhere: ElsewhereMenu | null;
  private readonly empty: HTMLElement;
  private readonly splitRowButton: HTMLButtonElement;
  private readonly splitColumnButton: HTMLButtonElement;
  private readonly unsplitButton: HTMLButtonElement;
  /** A split on its way: a second click must not open a second terminal. */
  private splitting = false;
  private readonly renameItem: HTMLButtonElement;
  private readonly reconnectButton: HTMLButtonElement;
  private readonly keyBar;
  /** Predictive local echo: this device's mode and the measured round trip (issue 22 §1). */
  private readonly localEcho: LocalEchoControl;
  private readonly localEchoItem: HTMLButtonElement;
  private readonly placeLink: HTMLAnchorElement;
  private place = '';
  private readonly cleanups: Array<() => void> = [];
  private readonly originalTitle = document.title;
  /** A terminal rang the bell while the page was hidden: the title says so until it is visible again. */
  private bellInTitle = false;
  /** Each terminal's activity as the server last said (issue 20): from the list, `terminal:updated` and `terminal:activity`. */
  private readonly activities = new Map<string, TerminalActivity | null>();
  /** The page's own favicon, put back when the badge goes. */
  private originalFavicon: string | null = null;

  constructor(container: HTMLElement, transport: TerminalTransport, options: TerminalsScreenOptions) {
    this.transport = transport;
    this.options = options;
    this.fontSize = clampFontSize(options.fontSize);
    this.theme = options.theme;

    this.root = h('section', { class: 'term-screen', 'data-theme': options.theme, 'aria-label': 'Terminals' });

    this.tabList = h('div', {
      class: 'term-tabs',
      role: 'tablist',
      'aria-label': 'Open terminals',
      title: `In a terminal, ${keysFor('tab-list')} comes back here`,
      onkeydown: (event: KeyboardEvent) => this.onTabKey(event),
    });
    // The toolbar (issue 16): New terminal stands out after the tabs; the other actions come in
    // groups, and the rarely used ones wait in "More actions". Phones (terminals.css) keep one row:
    // no splits there, and Find and Upload move into the menu.
    const newButton = this.iconAction('newTerminal', 'New terminal', () => void this.newTerminal(this.layout.focused));
    newButton.title += ` (${keysFor('new-terminal')})`;
    newButton.classList.add('term-new');
    this.splitRowButton = this.iconAction('splitRow', 'Split side by side', () => void this.split('row'));
    this.splitColumnButton = this.iconAction('splitColumn', 'Split stacked', () => void this.split('column'));
    for (const button of [this.splitRowButton, this.splitColumnButton]) button.classList.add('term-split-button');
    this.unsplitButton = this.iconAction('unsplitRow', 'Close the split', () => this.unsplit());
    const find = () => this.focusedView()?.openSearch();
    const upload = () => {
      const view = this.focusedView();
      if (view) chooseFilesToUpload(view);
    };
    const findButton = this.iconAction('find', 'Find in terminal', find);
    findButton.title += ` (${keysFor('find')})`;
    const uploadButton = this.iconAction('upload', 'Upload files…', upload);
    uploadButton.title = "Upload files into the terminal's current directory (or drop them on it)";
    const smaller = this.action('A−', 'Smaller text', () => this.changeFontSize(-1));
    const larger = this.action('A+', 'Larger text', () => this.changeFontSize(1));
    for (const button of [smaller, larger]) button.title += ' (on this device)';
    this.renameItem = this.menuItem('Rename terminal', () => void this.rename());
    const shortcutsItem = this.menuItem('Keyboard shortcuts', () => void this.showShortcuts());
    shortcutsItem.title = `Keyboard shortcuts (${keysFor('shortcuts')})`;
    shortcutsItem.classList.add('term-shortcuts-button');
    // Where the toolbar has no room for them (phones), Find and Upload are here instead.
    const narrowItems = [this.menuItem('Find in terminal', find), this.menuItem('Upload files…', upload)];
    for (const item of narrowItems) item.classList.add('term-menu-narrow');
    const shareItem = this.menuItem('Share read-only…', () => {
      const view = this.focusedView();
      if (view) void openShareDialog(this.root, { id: view.terminal.id, label: this.labelOf(view) }).then(() => view.focus());
    });
    this.localEcho = new LocalEchoControl({
      ping: async () => (await transport.request('terminal:ping', {})).ok,
      storage: deviceStorage(),
      now: () => performance.now(),
      setInterval: (callback, ms) => setInterval(callback, ms),
      clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
    });
    this.localEchoItem = this.menuItem('', () => {
      this.localEcho.cycleMode();
      this.focusedView()?.focus();
    });
    this.localEchoItem.title = 'Show typed characters before the server echoes them (on this device). Auto: when the round trip is over 30 ms';
    const more = menuButton('More actions', [...narrowItems, this.renameItem, shareItem, shortcutsItem, this.localEchoItem]);
    more.element.classList.add('term-more');
    more.button.className = 'term-button term-icon-button';
    more.button.setAttribute('aria-label', 'More actions');
    more.button.title = 'More actions';
    more.button.replaceChildren(icon('more'));
    this.status = h('span', { class: 'term-conn', role: 'status' });
    this.reconnectButton = this.action('Reconnect', 'Reconnect now', () => this.transport.reconnect());
    this.reconnectButton.hidden = true;
    const actions = h(
      'div',
      { class: 'term-actions' },
      group('Split', 'term-split-group', this.splitRowButton, this.splitColumnButton, this.unsplitButton),
      group('Find and upload', 'term-tools-group', findButton, uploadButton),
      group('Text size', 'term-font-group', smaller, larger),
      options.toolbarItems,
      more.element,
      this.status,
      this.reconnectButton,
    );
    this.placeLink = h('a', { class: 'term-place', href: '/workspaces', hidden: true });
    this.elsewhere = options.workspaceId === null ? new ElsewhereMenu(options.workspaceNames) : null;
    const toolbar = h('div', { class: 'term-toolbar' }, this.placeLink, this.elsewhere?.element, this.tabList, newButton, actions);

    this.outageMessage = h('p', { class: 'term-outage-message', role: 'status' });
    // Outside the status region: a countdown there would be read out every second.
    this.outageDetail = h('span', { class: 'term-outage-detail' });
    this.retryButton = this.action('Retry now', 'Retry now', () => this.transport.reconnect());
    this.retryButton.title = 'Connect now instead of waiting for the next attempt';
    this.outageBanner = h('div', { class: 'term-outage', hidden: true }, this.outageMessage, this.outageDetail, this.retryButton);

    this.notice = h('p', { class: 'term-notice', role: 'alert', hidden: true });
    this.rebootText = h('span', { class: 'term-reboot-text' });
    const startAll = h('button', { type: 'button', class: 'term-button term-button-primary', onclick: () => void this.startAllAgain() }, 'Start all again');
    startAll.title = 'Start each again in the directory it was in; agent conversations that were recorded are resumed';
    const dismiss = this.action('Dismiss', 'Dismiss this notice', () => {
      this.rebootEnded = [];
      this.renderRebootNotice();
    });
    this.rebootNotice = h('div', { class: 'term-reboot', role: 'status', hidden: true }, this.rebootText, h('span', { class: 'term-reboot-buttons' }, startAll, dismiss));

    this.empty = h(
      'div',
      { class: 'term-empty', hidden: true },
      h('p', {}, 'No terminal is open here.'),
      h('button', { type: 'button', class: 'term-button term-button-primary', onclick: () => void this.newTerminal(0) }, 'New terminal'),
    );
    this.panes = h('div', { class: 'term-panes' }, this.empty);

    this.keyBar = createKeyBar({
      send: (data) => {
        const view = this.focusedView();
        if (!view) return;
        view.sendInput(data);
        view.term.scrollToBottom();
      },
      applicationCursor: () => this.focusedView()?.term.modes.applicationCursorKeysMode ?? false,
      changeFontSize: (delta) => this.changeFontSize(delta),
      refocus: () => this.focusedView()?.focus(),
      paste: () => void this.pasteClipboard(),
      attachImage: () => {
        const view = this.focusedView();
        if (view) chooseImagesForPrompt(view);
      },
    });

    this.root.append(toolbar, this.outageBanner, this.notice, this.rebootNotice, this.panes, this.keyBar.element);
    container.replaceChildren(this.root);
    // The screen's keys work from the tab list and the toolbar too; terminals match their own (TerminalView).
    this.root.addEventListener('keydown', (event) => {
      if (event.defaultPrevented || (event.target as Element).closest('.term-xterm, input, dialog')) return;
      const action = matchShortcut(event, 'terminal');
      if (action && action !== 'find' && action !== 'copy' && action !== 'paste' && this.runShortcut(action, event)) event.preventDefault();
    });

    this.cleanups.push(
      transport.onState((state) => this.onConnectionState(state)),
      transport.onReady(() => void this.onReady()),
      transport.on('terminal:updated', ({ session: terminal }) => {
        this.elsewhere?.update(terminal);
        this.noteActivity(terminal);
        this.views.get(terminal.id)?.setTerminal(terminal);
      }),
      transport.on('terminal:activity', ({ sessionId, activity }) => {
        if (!this.views.has(sessionId)) return;
        this.activities.set(sessionId, activity);
        this.markSeen();
        this.renderTabs();
      }),
    );
    this.cleanups.push(
      this.localEcho.onChange(() => this.applyLocalEcho()),
      () => this.localEcho.dispose(),
    );
    this.onConnectionState(transport.state);
    this.applyLocalEcho();
    this.warnBeforeUnload();
    this.watchAttention();
    this.watchViewport();
    this.watchPinch();
    this.render();
  }

  setTheme(theme: TerminalTheme): void {
    this.theme = theme;
    this.root.dataset.theme = theme;
    for (const view of this.views.values()) view.setTheme(theme);
  }

  setConfirmLeave(confirm: boolean): void {
    this.options = { ...this.options, confirmLeave: confirm };
  }

  setScrollbackLines(lines: number): void {
    this.options = { ...this.options, scrollbackLines: lines };
    for (const view of this.views.values()) view.setScrollbackLines(lines);
  }

  setFontSize(size: number): void {
    this.fontSize = clampFontSize(size);
    for (const view of this.views.values()) view.setFontSize(this.fontSize);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.outageTimer) clearTimeout(this.outageTimer);
    this.stopOutageTicker();
    this.elsewhere?.dispose();
    this.keyBar.dispose();
    for (const view of this.views.values()) {
      if (view.isAttached) void this.transport.request('terminal:detach', { sessionId: view.terminal.id });
      view.dispose();
    }
    this.views.clear();
    document.title = this.originalTitle;
    this.renderFavicon(0);
    this.root.remove();
  }

  private async onReady(): Promise<void> {
    if (this.disposed) return;
    if (!this.restored) {
      this.restored = true;
      await this.restore();
      return;
    }
    for (const view of this.views.values()) void view.attach();
    // Terminal changes while the connection was down were not heard of.
    if (this.elsewhere) void this.refreshElsewhere();
    void this.refreshActivities();
  }

  /** After a reconnect: the activities that changed meanwhile. */
  private async refreshActivities(): Promise<void> {
    const { workspaceId } = this.options;
    const answer = await this.transport.request('terminal:list', workspaceId ? { workspaceId } : {});
    if (!answer.ok || this.disposed) return;
    for (const terminal of answer.sessions) if (this.views.has(terminal.id)) this.noteActivity(terminal);
    this.renderTabs();
  }

  /** Takes a terminal's activity from a full description of it (absent: a server that does not say). */
  private noteActivity(terminal: TerminalInfo): void {
    if (terminal.activity !== undefined) this.activities.set(terminal.id, terminal.status === 'active' ? terminal.activity : null);
  }

  /**
   * Terminals on screen while the owner can see the page are seen: the server stops counting them
   * as needing the owner (it decides; this only reports what is on screen).
   */
  private markSeen(): void {
    if (!isPageSeen()) return;
    for (const id of this.layout.split === 'none' ? [this.layout.panes[0]] : this.layout.panes) {
      if (id && this.activities.get(id)?.needsYou) this.transport.notify('terminal:seen', { sessionId: id });
    }
  }

  private async refreshElsewhere(): Promise<void> {
    const answer = await this.transport.request('terminal:list', { status: 'active' });
    if (answer.ok && !this.disposed) this.elsewhere?.reset(answer.sessions);
  }

  private onConnectionState(state: ConnectionState): void {
    this.status.dataset.state = state;
    this.status.textContent = STATE_TEXT[state];
    this.localEcho.setConnected(state === 'connected');
    this.status.title =
      state === 'connected'
        ? `Connected to the server\n${describeRoundTrip(this.localEcho.roundTrip, this.localEcho.isOn)}`
        : state === 'offline'
          ? 'Not connected. Check the network (or sign in again), then choose Reconnect.'
          : 'Not connected: terminals reconnect and resume by themselves';
    this.reconnectButton.hidden = state !== 'offline';
    if (state !== 'connected') for (const view of this.views.values()) view.connectionLost();
    this.showOutage(state);
  }

  /** The local echo's mode or the round trip changed: the terminals, the menu item and the indicator's tooltip follow. */
  private applyLocalEcho(): void {
    const { isOn, roundTrip, mode } = this.localEcho;
    for (const view of this.views.values()) view.setLocalEcho(isOn, roundTrip);
    this.localEchoItem.textContent = describeLocalEchoMode(mode, roundTrip);
    this.status.dataset.roundTrip = roundTrip === null ? '' : String(Math.round(roundTrip));
    if (this.transport.state === 'connected') this.status.title = `Connected to the server\n${describeRoundTrip(roundTrip, isOn)}`;
  }

  /** After a moment without a connection (a blip stays quiet), says so where the owner is looking. */
  private showOutage(state: ConnectionState): void {
    if (state === 'connecting') return;
    if (state === 'connected') {
      if (this.outageTimer) clearTimeout(this.outageTimer);
      this.outageTimer = null;
      this.stopOutageTicker();
      // Hiding "Retry now" must not drop the keyboard focus on the page.
      if (this.outageBanner.contains(document.activeElement)) this.focusedView()?.focus();
      this.outageBanner.hidden = true;
      this.panes.removeAttribute('data-outage');
      return;
    }
    const show = () => {
      this.outageTimer = null;
      this.outageMessage.textContent = OUTAGE_TEXT[state];
      this.renderOutageDetail();
      this.outageBanner.hidden = false;
      this.panes.dataset.outage = 'true';
      this.outageTicker ??= setInterval(() => this.renderOutageDetail(), OUTAGE_TICK_MS);
    };
    if (!this.outageBanner.hidden || state === 'offline') {
      if (this.outageTimer) clearTimeout(this.outageTimer);
      show();
    } else {
      this.outageTimer ??= setTimeout(show, OUTAGE_BANNER_DELAY_MS);
    }
  }

  /** While reconnecting, when the next attempt is and a way to skip the wait; in any outage, the input waiting to be sent. */
  private renderOutageDetail(): void {
    const state = this.transport.state;
    // Offline, the toolbar's Reconnect does it (and the message names it).
    this.retryButton.hidden = state === 'offline';
    const queued = [...this.views.values()].reduce((sum, view) => sum + view.queuedInputs, 0);
    this.outageDetail.textContent = [attemptText(state, this.transport.nextAttemptAt), queuedText(queued)].filter(Boolean).join(' ');
  }

  private stopOutageTicker(): void {
    if (this.outageTicker) clearInterval(this.outageTicker);
    this.outageTicker = null;
  }

  /** Opens what this browser had open here, as far as the server still has those terminals. */
  private async restore(): Promise<void> {
    const { workspaceId } = this.options;
    const answer = await this.transport.request('terminal:list', workspaceId ? { workspaceId } : {});
    if (this.disposed) return;
    if (!answer.ok) {
      this.showNotice(answer.error.message);
      this.restored = false; // try again on the next connection
      return;
    }
    this.elsewhere?.reset(answer.sessions);
    const terminals = answer.sessions.filter((terminal) => terminal.workspaceId === workspaceId);
    // An agent run's terminal is not listed (it is not a shell tab); its run page links to it.
    const wantedRun = this.options.terminalId && !terminals.some((terminal) => terminal.id === this.options.terminalId) ? await runTerminal(this.options.terminalId) : null;
    if (this.disposed) return;
    if (wantedRun && wantedRun.workspaceId === workspaceId) terminals.push(wantedRun);
    this.rebootEnded = endedByReboot(terminals);
    this.renderRebootNotice();
    const byId = new Map(terminals.map((terminal) => [terminal.id, terminal]));
    const wanted = this.options.terminalId;
    if (wanted && !byId.has(wanted)) this.showNotice('That terminal is not in this workspace any more; here are the others.');
    const layout = restoreLayout(
      loadLayout(workspaceId),
      terminals.map((terminal) => ({ id: terminal.id, running: terminal.status === 'active' })),
      { ...(wanted ? { wanted } : {}), autoOpen: MAX_AUTO_OPEN },
    );
    this.layout = layout;
    for (const id of layout.tabs) this.addView(byId.get(id)!);
    const anyRunning = layout.tabs.some((id) => byId.get(id)?.status === 'active');
    // Nothing left running here (a restart ended it all): a working shell in front, the ended ones still readable in their tabs.
    if (layout.tabs.length === 0 || (!anyRunning && !this.options.terminalId)) await this.newTerminal(0);
    else {
      this.render();
      this.focusedView()?.focus();
    }
  }

  private addView(terminal: TerminalInfo): TerminalView {
    const view = new TerminalView({
      terminal,
      transport: this.transport,
      fontSize: this.fontSize,
      theme: this.theme,
      scrollbackLines: this.options.scrollbackLines ?? DEFAULT_SCROLLBACK_LINES,
      transformInput: (data) => this.keyBar.transform(data),
      onChange: () => this.renderTabs(),
      onActivity: (active, kind) => this.onActivity(active, kind),
      onFocus: (focused) => {
        const slot = this.layout.panes.indexOf(focused.terminal.id);
        if (slot === 0 || slot === 1) {
          if (this.layout.focused !== slot) {
            this.layout = focusPaneOf(this.layout, slot);
            this.save();
          }
          this.markFocusedPane();
          this.renderTabs();
        }
      },
      onStartAgain: (ended, resume) => void this.startAgain(ended, resume),
      onCloseRequest: (ended) => void this.closeTab(ended),
      onShortcut: (action, event) => this.runShortcut(action, event),
    });
    this.views.set(terminal.id, view);
    view.setLocalEcho(this.localEcho.isOn, this.localEcho.roundTrip);
    this.noteActivity(terminal);
    // Listens on the view's element, which goes with the view: nothing to undo.
    enableFileUploads(view);
    this.panes.append(view.element);
    view.open();
    return view;
  }

  /** Creates a terminal and shows it in `pane` (splitting the screen that way first when asked). */
  async newTerminal(pane: 0 | 1, split?: Exclude<SplitDirection, 'none'>): Promise<TerminalView | null> {
    const size = this.focusedView()?.term;
    const answer = await this.transport.request('terminal:create', {
      workspaceId: this.options.workspaceId,
      ...(size ? { cols: size.cols, rows: size.rows } : {}),
    });
    if (this.disposed) return null;
    if (!answer.ok) {
      this.showNotice(answer.error.message);
      return null;
    }
    this.hideNotice();
    const view = this.addView(answer.session);
    this.layout = openTab(this.layout, answer.session.id, pane, split);
    this.render();
    view.focus();
    return view;
  }

  /** A screen shortcut (shortcuts.ts); false when it does nothing and a terminal's key goes to its program. */
  private runShortcut(action: ScreenAction, event: KeyboardEvent): boolean {
    switch (action) {
      case 'new-terminal':
        // Holding the keys down must not open a terminal per repeat.
        if (!event.repeat) void this.newTerminal(this.layout.focused);
        return true;
      case 'next-tab':
      case 'previous-tab': {
        const next = neighbourTab(this.layout, action === 'next-tab' ? 1 : -1);
        if (next) this.selectTab(next);
        return true;
      }
      case 'tab-list':
        // The terminal keeps Tab for the shell: this is the way out of it.
        this.tabList.querySelector<HTMLButtonElement>('[aria-selected="true"]')?.focus();
        return true;
      case 'previous-pane':
      case 'next-pane':
        // Unsplit, the keys are the program's (editors select by word with them).
        return this.focusPane(action === 'previous-pane' ? 0 : 1);
      case 'shortcuts':
        void this.showShortcuts();
        return true;
    }
  }

  private async showShortcuts(): Promise<void> {
    await showSheet(this.root, 'Keyboard shortcuts', shortcutSheet());
    this.focusedView()?.focus();
  }

  private selectTab(id: string): void {
    this.layout = selectTabIn(this.layout, id);
    this.render();
    this.views.get(id)?.focus();
  }

  /**
   * Split: a new shell in the second pane, in the same workspace, as VS Code and tiling terminals do
   * (not another tab moved there). Already split, it turns the panes the other way.
   */
  private async split(direction: Exclude<SplitDirection, 'none'>): Promise<void> {
    if (this.layout.split !== 'none') {
      this.layout = turnSplit(this.layout, direction);
      this.render();
      return;
    }
    if (this.splitting) return;
    this.splitting = true;
    try {
      await this.newTerminal(1, direction);
    } finally {
      this.splitting = false;
    }
  }

  /** Focuses the terminal in `slot`; false when the screen is not split. */
  private focusPane(slot: 0 | 1): boolean {
    if (this.layout.split === 'none') return false;
    const id = this.layout.panes[slot];
    if (id) this.views.get(id)?.focus();
    return true;
  }

  private unsplit(): void {
    this.layout = unsplitLayout(this.layout);
    this.render();
    this.focusedView()?.focus();
  }

  private async rename(view = this.focusedView()): Promise<void> {
    if (!view) return;
    const { value, text } = await askDialog(this.root, {
      title: `Rename “${this.labelOf(view)}”`,
      input: {
        label: 'Name',
        value: view.terminal.name ?? '',
        // What the tab reads when the field is left empty.
        placeholder: view.terminal.name ? view.automaticLabel : this.labelOf(view),
        hint: 'Leave empty for the automatic name.',
      },
      buttons: [
        { value: 'cancel', label: 'Cancel', cancel: true },
        { value: 'save', label: 'Save', variant: 'primary' },
      ],
    });
    if (value === 'save') {
      const name = text.trim();
      const answer = await this.transport.request('terminal:rename', { sessionId: view.terminal.id, name: name ? name : null });
      if (answer.ok) view.setTerminal(answer.session);
      else this.showNotice(answer.error.message);
    }
    view.focus();
  }

  /** Close a tab; a running terminal asks first whether to kill it or keep it running. */
  private async closeTab(view: TerminalView): Promise<void> {
    if (!view.isRunning) {
      this.removeTab(view);
      return;
    }
    const { value } = await askDialog(this.root, {
      title: `Close “${this.labelOf(view)}”?`,
      message: 'A shell is still running in this terminal. Kill it (and everything running in it), or close the tab and keep it running in the background?',
      buttons: [
        { value: 'cancel', label: 'Cancel', cancel: true },
        { value: 'kill', label: 'Kill terminal', variant: 'danger' },
        { value: 'keep', label: 'Keep running', variant: 'primary' },
      ],
    });
    if (value === 'kill') {
      const answer = await this.transport.request('terminal:kill', { sessionId: view.terminal.id });
      if (!answer.ok && answer.error.code !== 'not_found') {
        this.showNotice(answer.error.message);
        return;
      }
      this.removeTab(view);
    } else if (value === 'keep') {
      void this.transport.request('terminal:detach', { sessionId: view.terminal.id });
      this.removeTab(view);
    } else {
      view.focus();
    }
  }

  private removeTab(view: TerminalView): void {
    const id = view.terminal.id;
    this.views.delete(id);
    view.dispose();
    this.layout = closeTabIn(this.layout, id);
    this.render();
    this.focusedView()?.focus();
  }

  private async startAgain(ended: TerminalView, resume = false): Promise<void> {
    // A second Enter while the first start is on its way must not start a second shell.
    if (this.startingAgain.has(ended)) return;
    this.startingAgain.add(ended);
    // In place of the ended terminal: the server starts it in the directory its shell was last in.
    const answer = await this.transport
      .request('terminal:create', {
        workspaceId: ended.terminal.workspaceId,
        cols: ended.term.cols,
        rows: ended.term.rows,
        ...(ended.terminal.name ? { name: ended.terminal.name } : {}),
        restartOf: ended.terminal.id,
        ...(resume ? { resume: true } : {}),
      })
      .finally(() => this.startingAgain.delete(ended));
    if (this.disposed) return;
    if (!answer.ok) {
      this.showNotice(answer.error.message);
      return;
    }
    if (answer.notice) this.showNotice(answer.notice);
    this.forgetRebootEnded(ended.terminal.id);
    const oldId = ended.terminal.id;
    if (this.views.get(oldId) !== ended) {
      // Closed while starting: the new terminal still gets a tab rather than running unseen.
      this.addView(answer.session);
      this.layout = addTab(this.layout, answer.session.id);
      this.render();
      return;
    }
    this.views.delete(oldId);
    ended.dispose();
    const view = this.addView(answer.session);
    this.layout = replaceTab(this.layout, oldId, answer.session.id);
    this.render();
    view.focus();
  }

  /**
   * Starts again every terminal here that a reboot ended: in its tab when it has one, else in a new
   * tab; a recorded agent conversation is resumed. One that cannot start says why and stays offered.
   */
  private async startAllAgain(): Promise<void> {
    const size = this.focusedView()?.term;
    for (const terminal of [...this.rebootEnded]) {
      if (this.disposed) return;
      const resume = Boolean(terminal.agentSession);
      const view = this.views.get(terminal.id);
      if (view) {
        await this.startAgain(view, resume);
        continue;
      }
      const answer = await this.transport.request('terminal:create', {
        ...(size ? { cols: size.cols, rows: size.rows } : {}),
        restartOf: terminal.id,
        ...(resume ? { resume: true } : {}),
      });
      if (this.disposed) return;
      if (!answer.ok) {
        this.showNotice(answer.error.message);
        continue;
      }
      if (answer.notice) this.showNotice(answer.notice);
      this.forgetRebootEnded(terminal.id);
      this.addView(answer.session);
      this.layout = addTab(this.layout, answer.session.id);
      this.render();
    }
    this.save();
    this.focusedView()?.focus();
  }

  private forgetRebootEnded(id: string): void {
    this.rebootEnded = this.rebootEnded.filter((terminal) => terminal.id !== id);
    this.renderRebootNotice();
  }

  private renderRebootNotice(): void {
    this.rebootNotice.hidden = this.rebootEnded.length === 0;
    this.rebootText.textContent = rebootNoticeText(this.rebootEnded.length);
  }

  /** Through xterm's paste, so that bracketed paste applies as for a typed Ctrl+V. */
  private async pasteClipboard(): Promise<void> {
    const view = this.focusedView();
    if (!view) return;
    let text: string;
    try {
      text = await navigator.clipboard.readText();
    } catch {
      this.showNotice('This browser does not let the page read the clipboard here: it allows that only over https (or on localhost), and may ask first.');
      return;
    }
    if (text) view.term.paste(text);
  }

  private changeFontSize(delta: number): void {
    const next = clampFontSize(this.fontSize + delta);
    if (next === this.fontSize) return;
    this.setFontSize(next);
    this.options.onFontSizeChange?.(next);
  }

  private focusedView(): TerminalView | undefined {
    const id = focusedTab(this.layout);
    return id ? this.views.get(id) : undefined;
  }

  private render(): void {
    const { layout } = this;
    this.panes.dataset.split = layout.split;
    for (const [id, view] of this.views) {
      const slot = layout.panes[0] === id ? '0' : layout.split !== 'none' && layout.panes[1] === id ? '1' : 'none';
      view.element.dataset.slot = slot;
      if (slot === 'none') view.element.setAttribute('inert', '');
      else {
        view.element.removeAttribute('inert');
        view.unseen = null; // shown: seen
      }
    }
    this.orderPanes();
    this.markFocusedPane();
    this.markSeen();
    this.empty.hidden = layout.tabs.length > 0;
    this.splitRowButton.hidden = layout.split === 'row';
    this.splitColumnButton.hidden = layout.split === 'column';
    this.unsplitButton.hidden = layout.split === 'none';
    // Unsplit, a split opens a new terminal; split, the other button turns the two panes.
    const moves = `${keysFor('previous-pane')} and ${keysFor('next-pane')} move between the panes`;
    this.splitRowButton.title = layout.split === 'none' ? `Split side by side: a new terminal in a second pane (${moves})` : 'Split side by side: put the two panes side by side';
    this.splitColumnButton.title = layout.split === 'none' ? `Split stacked: a new terminal in a second pane (${moves})` : 'Split stacked: put the two panes one above the other';
    // Its icon shows the split it closes.
    this.unsplitButton.replaceChildren(icon(layout.split === 'column' ? 'unsplitColumn' : 'unsplitRow'));
    this.renameItem.disabled = !this.focusedView();
    this.renderTabs();
    this.save();
    // Panes changed size: fit after layout.
    requestAnimationFrame(() => {
      for (const view of this.views.values()) view.refit();
    });
  }

  /** Keyboard focus follows what is seen: the first (left or top) pane comes first in the document. */
  private orderPanes(): void {
    const [first, second] = this.layout.panes.map((id) => (id ? this.views.get(id)?.element : undefined));
    if (!first || !second || first.compareDocumentPosition(second) & Node.DOCUMENT_POSITION_FOLLOWING) return;
    // Moving an element takes the focus from inside it: give it back.
    const active = document.activeElement;
    second.before(first);
    if (active instanceof HTMLElement && first.contains(active) && document.activeElement !== active) active.focus();
  }

  /**
   * Ctrl+W deletes a word in the shell but closes the tab in a browser that does not reserve it:
   * ask before leaving while a terminal runs. (Its shell keeps running; the question is for the slip.)
   */
  private warnBeforeUnload(): void {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (this.options.confirmLeave === false || ![...this.views.values()].some((view) => view.isRunning)) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    this.cleanups.push(() => window.removeEventListener('beforeunload', onBeforeUnload));
  }

  /** With two panes, outlines the one that takes typing, search and the key bar. */
  private markFocusedPane(): void {
    const focusedId = this.layout.split === 'none' ? null : this.layout.panes[this.layout.focused];
    for (const [id, view] of this.views) view.element.classList.toggle('term-view-focused', id === focusedId);
  }

  private renderTabs(): void {
    const focusedId = this.layout.panes[this.layout.focused];
    // Re-rendering replaces the buttons: keep the keyboard focus where it was.
    const active = document.activeElement;
    const activeTab = active instanceof HTMLElement && this.tabList.contains(active) ? active.closest<HTMLElement>('.term-tab') : null;
    const activeKey = activeTab ? `${activeTab.dataset.terminalId}:${active?.className}` : null;
    const labels = this.tabLabels();
    const tabs = this.layout.tabs.map((id) => {
      const view = this.views.get(id)!;
      const shownIn = this.layout.panes.indexOf(id);
      const label = labels.get(id) ?? view.label;
      const { unseen } = view;
      const activity = view.terminal.status === 'active' ? this.activities.get(id) : null;
      const activityText = describeActivity(activity);
      const title = [view.error ?? `${label} — ${view.terminal.cwd}\nDouble-click to rename`, activityText].filter(Boolean).join('\n');
      const tab = h(
        'button',
        {
          type: 'button',
          role: 'tab',
          'aria-selected': String(id === focusedId),
          class: 'term-tab-label',
          title: unseen ? `${title}\n${UNSEEN_TEXT[unseen]}` : title,
          'aria-description': unseen ? UNSEEN_TEXT[unseen] : null,
          // The click count, not dblclick: the first click re-renders the tabs, and browsers send
          // dblclick only when both clicks land on the same element.
          onclick: (event: MouseEvent) => (event.detail === 2 ? void this.rename(view) : this.selectTab(id)),
        },
        // In a span: a button centres its content, so a long name lost its start, and it draws no ellipsis.
        h('span', { class: 'term-tab-text' }, view.terminal.status === 'terminated' ? `${label} (ended)` : label),
        activity && activity.state !== 'idle'
          ? h(
              'span',
              // Its words are part of the tab's name ("bash Failed"); the tooltip has the whole sentence.
              { class: 'term-tab-activity', 'data-activity': activity.state, 'data-needs-you': activity.needsYou ? 'true' : null, title: activityText },
              h('span', { class: 'term-tab-activity-glyph', 'aria-hidden': 'true' }, ACTIVITY_GLYPH[activity.state]),
              h('span', { class: 'term-tab-activity-text' }, ACTIVITY_TEXT[activity.state]),
            )
          : null,
        unseen ? h('span', { class: 'term-tab-mark', 'data-mark': unseen }, unseen === 'bell' ? icon('bell') : null) : null,
      );
      const close = h(
        'button',
        { type: 'button', class: 'term-tab-close', 'aria-label': `Close ${label}`, title: `Close ${label}`, onclick: () => void this.closeTab(view) },
        '×',
      );
      return h(
        'div',
        {
          class: 'term-tab',
          'data-terminal-id': id,
          'data-status': view.terminal.status,
          'data-activity': activity?.state ?? null,
          'data-pane': shownIn === -1 ? null : String(shownIn),
        },
        tab,
        close,
      );
    });
    this.tabList.replaceChildren(...tabs);
    if (activeKey) {
      const [terminalId, className] = activeKey.split(':');
      this.tabList.querySelector<HTMLElement>(`.term-tab[data-terminal-id="${terminalId}"] .${className}`)?.focus();
    }
    this.renderTitle();
    const focused = this.focusedView();
    if (focused?.error) this.showNotice(focused.error);
  }

  private renderTitle(): void {
    const focused = this.focusedView();
    if (!focused) return;
    const title = [this.labelOf(focused), this.place, 'Shellport'].filter(Boolean).join(' · ');
    // Only this screen's tabs: of ended terminals nothing is wanted.
    const count = countNeedingYou(this.layout.tabs.map((id) => (this.views.get(id)?.terminal.status === 'active' ? this.activities.get(id) : null)));
    document.title = titleWithCount(this.bellInTitle ? BELL_TITLE_PREFIX + title : title, count);
    this.renderFavicon(count);
  }

  /** While the page is hidden, the favicon carries the count of terminals needing the owner. */
  private renderFavicon(count: number): void {
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (!link) return;
    this.originalFavicon ??= link.getAttribute('href');
    const href = count > 0 && document.visibilityState === 'hidden' ? badgedFaviconUrl(count) : this.originalFavicon;
    if (href && link.getAttribute('href') !== href) link.setAttribute('href', href);
  }

  /**
   * Live output in a terminal that is not on screen marks its tab (cleared when it is shown); so
   * does the bell, also in a terminal on screen while the page is hidden or another window has the focus.
   */
  private onActivity(view: TerminalView, kind: Activity): void {
    if (kind === 'bell' && document.visibilityState === 'hidden' && !this.bellInTitle) {
      this.bellInTitle = true;
      this.renderTitle();
    }
    const onScreen = this.layout.panes.includes(view.terminal.id);
    if (onScreen && (kind === 'output' || isPageSeen())) return;
    if (view.unseen === kind || view.unseen === 'bell') return;
    view.unseen = kind;
    this.renderTabs();
  }

  /** Back on the page: the terminals on screen are seen, and the title loses its bell. */
  private watchAttention(): void {
    const onBack = () => {
      if (document.visibilityState === 'hidden') {
        this.renderTitle(); // the favicon's badge
        return;
      }
      this.markSeen();
      const shown = this.layout.panes.map((id) => (id ? this.views.get(id) : undefined));
      const seen = isPageSeen() ? shown.filter((view): view is TerminalView => Boolean(view?.unseen)) : [];
      for (const view of seen) view.unseen = null;
      const hadBell = this.bellInTitle;
      this.bellInTitle = false;
      // Only on a change: tabs rebuilt under the click that focuses the window would lose that click.
      if (seen.length > 0) this.renderTabs();
      else if (hadBell) this.renderTitle();
    };
    document.addEventListener('visibilitychange', onBack);
    window.addEventListener('focus', onBack);
    this.cleanups.push(() => {
      document.removeEventListener('visibilitychange', onBack);
      window.removeEventListener('focus', onBack);
    });
  }

  /** Each tab's label; tabs that would read the same ("bash", "bash") are numbered in tab order. */
  private tabLabels(): Map<string, string> {
    const seen = new Map<string, number>();
    const labels = new Map<string, string>();
    for (const id of this.layout.tabs) {
      const label = this.views.get(id)?.label ?? '';
      const count = (seen.get(label) ?? 0) + 1;
      seen.set(label, count);
      labels.set(id, count === 1 ? label : `${label} ${count}`);
    }
    return labels;
  }

  private labelOf(view: TerminalView): string {
    return this.tabLabels().get(view.terminal.id) ?? view.label;
  }

  /** Names the workspace these terminals run in (toolbar and page title). */
  setPlace(name: string): void {
    this.place = name;
    this.placeLink.textContent = name;
    this.placeLink.title = `Terminals of ${name}; all workspaces`;
    this.placeLink.hidden = false;
    this.renderTabs();
  }

  /** Arrow keys move between tabs, Home/End to the ends, Delete closes (the WAI-ARIA tabs pattern). */
  private onTabKey(event: KeyboardEvent): void {
    const tabs = [...this.tabList.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    const index = tabs.indexOf(event.target as HTMLButtonElement);
    if (index === -1) return;
    const action = matchShortcut(event, 'tabs');
    const target =
      action === 'focus-next-tab' ? tabs[(index + 1) % tabs.length]
      : action === 'focus-previous-tab' ? tabs[(index - 1 + tabs.length) % tabs.length]
      : action === 'focus-first-tab' ? tabs[0]
      : action === 'focus-last-tab' ? tabs[tabs.length - 1]
      : undefined;
    if (target) {
      event.preventDefault();
      target.focus();
    } else if (action === 'close-tab') {
      const id = tabs[index]!.closest<HTMLElement>('.term-tab')?.dataset.terminalId;
      const view = id ? this.views.get(id) : undefined;
      if (view) {
        event.preventDefault();
        void this.closeTab(view);
      }
    }
  }

  private save(): void {
    if (this.restored) saveLayout(this.options.workspaceId, this.layout);
  }

  private showNotice(message: string): void {
    this.notice.textContent = message;
    this.notice.hidden = false;
  }

  private hideNotice(): void {
    this.notice.hidden = true;
  }

  private action(text: string, label: string, onClick: () => void): HTMLButtonElement {
    return h('button', { type: 'button', class: 'term-button', 'aria-label': label, title: label, onclick: onClick }, text);
  }

  /** An entry of the "More actions" menu (its text is its name). */
  private menuItem(text: string, onClick: () => void): HTMLButtonElement {
    return h('button', { type: 'button', onclick: onClick }, text);
  }

  private iconAction(name: IconName, label: string, onClick: () => void): HTMLButtonElement {
    return h('button', { type: 'button', class: 'term-button term-icon-button', 'aria-label': label, title: label, onclick: onClick }, icon(name));
  }

  /** The on-screen keyboard shrinks the visual viewport: keep the screen inside it so xterm refits. */
  private watchViewport(): void {
    const viewport = window.visualViewport;
    if (!viewport) return;
    const update = () => {
      const top = this.root.getBoundingClientRect().top;
      const available = viewport.height + viewport.offsetTop - Math.max(top, 0);
      this.root.style.maxHeight = available > 100 ? `${Math.floor(available)}px` : '';
      for (const view of this.views.values()) view.refit();
    };
    viewport.addEventListener('resize', update);
    viewport.addEventListener('scroll', update);
    this.cleanups.push(() => {
      viewport.removeEventListener('resize', update);
      viewport.removeEventListener('scroll', update);
    });
  }

  /**
   * Two fingers on the terminals (two-finger-gesture.ts): a pinch changes the font size; a sideways
   * swipe moves to the next terminal (fingers moving left) or the previous one. One finger is xterm's.
   */
  private watchPinch(): void {
    const gesture = new TwoFingerGesture();
    let startSize = this.fontSize;
    const points = (touches: TouchList) => [{ x: touches[0]!.clientX, y: touches[0]!.clientY }, { x: touches[1]!.clientX, y: touches[1]!.clientY }] as const;
    const onStart = (event: TouchEvent) => {
      if (event.touches.length === 2) {
        gesture.start(points(event.touches));
        startSize = this.fontSize;
      }
    };
    const onMove = (event: TouchEvent) => {
      if (event.touches.length !== 2 || !gesture.isActive) return;
      const { kind, scale } = gesture.move(points(event.touches));
      if (kind !== 'pinch') return;
      const next = clampFontSize(Math.round(startSize * scale));
      if (next !== this.fontSize) {
        this.setFontSize(next);
        this.options.onFontSizeChange?.(next);
      }
    };
    const onEnd = (event: TouchEvent) => {
      if (event.touches.length >= 2) return;
      const direction = gesture.end();
      if (!direction) return;
      const next = neighbourTab(this.layout, direction === 'next' ? 1 : -1);
      if (next && next !== focusedTab(this.layout)) this.selectTab(next);
    };
    this.panes.addEventListener('touchstart', onStart, { passive: true });
    this.panes.addEventListener('touchmove', onMove, { passive: true });
    this.panes.addEventListener('touchend', onEnd, { passive: true });
    this.panes.addEventListener('touchcancel', () => void gesture.end(), { passive: true });
  }
}

/** The owner can see the page: it is visible, and its window has the focus. */
function isPageSeen(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

function attemptText(state: ConnectionState, nextAttemptAt: number | null | undefined): string {
  if (state === 'connecting') return 'Trying now…';
  if (state !== 'reconnecting' || nextAttemptAt === undefined) return '';
  const seconds = nextAttemptAt === null ? 0 : Math.ceil((nextAttemptAt - Date.now()) / 1000);
  return seconds > 0 ? `Next attempt in ${seconds} s.` : 'Trying now…';
}

function queuedText(count: number): string {
  if (count === 0) return '';
  return count === 1 ? '1 input waiting to be sent.' : `${count} inputs waiting to be sent.`;
}

/** A named group of toolbar buttons (drawn with a divider after it). */
function group(label: string, className: string, ...buttons: HTMLElement[]): HTMLElement {
  return h('div', { class: `term-group ${className}`, role: 'group', 'aria-label': label }, buttons);
}

/** The terminal `id` when it is an agent run's, else null (gone, or a shell the list would have had). */
async function runTerminal(id: string): Promise<TerminalInfo | null> {
  try {
    const { session } = await api<{ session: TerminalInfo }>(`/api/terminals/${encodeURIComponent(id)}`);
    return session.runId ? session : null;
  } catch {
    return null;
  }
}
