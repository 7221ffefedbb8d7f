// The side of the terminals screen that shows previews (issue 23 §1, docs/preview.md): the Ports
// list of the workspace's terminals, and a preview in a frame beside the terminals. On a phone
// (preview.css) the side covers the screen, with Back to return to the terminal.
import { api, describeError } from '../app/api.js';
import { h } from '../app/dom.js';
import { PREVIEW_SANDBOX, previewPath, type ListeningPort, type PortsResponse } from '../../shared/preview.js';
import { framingOf, type Framing } from './framing.js';
import { describeListener, emptyPortsText, refusalText, sortPorts } from './ports-text.js';
import './preview.css';

/** The `code`s of the proxy's own refusals besides its `preview_…` ones (port-policy.ts, proxy-routes.ts). */
const PROXY_REFUSALS = new Set(['invalid_port', 'own_port', 'port_not_allowed', 'cross_site_request', 'rate_limited']);

/** How often the Ports list is read again while it shows. */
const REFRESH_MS = 3000;

export interface PreviewPanelOptions {
  /** The workspace whose terminals' ports are listed; null: every terminal's. */
  workspaceId: string | null;
  /** Called when the side closes (Close, or Back on a phone). */
  onClose?: () => void;
}

type Mode = { kind: 'closed' } | { kind: 'ports' } | { kind: 'preview'; port: number };

export class PreviewPanel {
  readonly element: HTMLElement;
  /** The toolbar's Ports button (for the terminals' toolbar). */
  readonly toggleButton: HTMLButtonElement;
  private readonly options: PreviewPanelOptions;
  private readonly title: HTMLElement;
  private readonly body: HTMLElement;
  private readonly portsButton: HTMLButtonElement;
  private readonly reloadButton: HTMLButtonElement;
  private readonly newTabLink: HTMLAnchorElement;
  private mode: Mode = { kind: 'closed' };
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  /** Counts the lists and previews opened, so that an answer for an earlier one is dropped. */
  private generation = 0;
  private disposed = false;

  constructor(options: PreviewPanelOptions) {
    this.options = options;
    this.toggleButton = h(
      'button',
      {
        type: 'button',
        class: 'term-button preview-ports-toggle',
        'aria-expanded': 'false',
        title: "Ports the terminals' programs listen on, and their previews",
        onclick: () => (this.mode.kind === 'closed' ? this.showPorts() : this.close()),
      },
      'Ports',
    );
    this.title = h('h2', { class: 'preview-title' });
    const back = h('button', { type: 'button', class: 'preview-button preview-back', onclick: () => this.close() }, '← Terminal');
    back.setAttribute('aria-label', 'Back to the terminal');
    this.portsButton = h('button', { type: 'button', class: 'preview-button preview-to-ports', onclick: () => this.showPorts() }, 'Ports');
    this.reloadButton = h('button', { type: 'button', class: 'preview-button preview-reload', onclick: () => this.reload() }, 'Reload');
    this.newTabLink = h('a', { class: 'preview-button preview-new-tab', target: '_blank', rel: 'noopener' }, 'New tab');
    const close = h('button', { type: 'button', class: 'preview-button preview-close', 'aria-label': 'Close the preview side', title: 'Close', onclick: () => this.close() }, '×');
    this.body = h('div', { class: 'preview-body' });
    this.element = h(
      'aside',
      { class: 'preview-side', 'aria-label': 'Ports and previews', hidden: true },
      h('div', { class: 'preview-header' }, back, this.title, h('span', { class: 'preview-actions' }, this.portsButton, this.reloadButton, this.newTabLink, close)),
      this.body,
    );
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  /** Shows the Ports list, read again every few seconds while it shows. */
  showPorts(): void {
    this.setMode({ kind: 'ports' });
    this.title.textContent = 'Ports';
    this.body.replaceChildren(h('p', { class: 'preview-note' }, 'Looking for listening ports…'));
    void this.refreshPorts(this.generation);
  }

  /** Shows a port's preview beside the terminals, or says why it cannot be framed, with a link to open it in a tab. */
  async openPreview(port: number, url = previewPath(port)): Promise<void> {
    this.setMode({ kind: 'preview', port });
    const generation = this.generation;
    this.title.replaceChildren(h('span', { class: 'preview-title-word' }, 'Port '), String(port));
    this.newTabLink.href = url;
    this.body.replaceChildren(h('p', { class: 'preview-note' }, `Opening port ${port}…`));
    const { framing, sameOrigin } = await checkFraming(url);
    if (generation !== this.generation || this.disposed) return;
    if (framing.framable) {
      // At Shellport's address the frame is sandboxed like the page itself; a preview host (subdomain
      // mode) is an origin of its own, whose storage and cookies the app needs.
      const frame = h('iframe', { class: 'preview-frame', src: url, title: `Preview of port ${port}`, sandbox: sameOrigin ? PREVIEW_SANDBOX : null });
      this.body.replaceChildren(frame);
    } else {
      this.body.replaceChildren(
        h(
          'div',
          { class: 'preview-refused', role: 'status' },
          h('p', {}, framing.reason),
          h('p', {}, h('a', { class: 'preview-open-tab', href: url, target: '_blank', rel: 'noopener' }, `Open port ${port} in a new tab`)),
        ),
      );
    }
  }

  close(): void {
    if (this.mode.kind === 'closed') return;
    this.setMode({ kind: 'closed' });
    this.body.replaceChildren();
    this.options.onClose?.();
  }

  dispose(): void {
    this.disposed = true;
    this.stopRefreshing();
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.element.remove();
  }

  private setMode(mode: Mode): void {
    this.generation += 1;
    this.stopRefreshing();
    this.mode = mode;
    this.element.hidden = mode.kind === 'closed';
    this.element.dataset.mode = mode.kind;
    this.toggleButton.setAttribute('aria-expanded', String(mode.kind !== 'closed'));
    this.portsButton.hidden = mode.kind !== 'preview';
    this.reloadButton.hidden = mode.kind !== 'preview';
    this.newTabLink.hidden = mode.kind !== 'preview';
  }

  private reload(): void {
    if (this.mode.kind === 'preview') void this.openPreview(this.mode.port, this.newTabLink.getAttribute('href') ?? undefined);
  }

  private readonly onVisibility = () => {
    if (this.mode.kind === 'ports' && document.visibilityState === 'visible' && this.refreshTimer === null) void this.refreshPorts(this.generation);
  };

  private stopRefreshing(): void {
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  private async refreshPorts(generation: number): Promise<void> {
    this.stopRefreshing();
    const { workspaceId } = this.options;
    let content: HTMLElement;
    try {
      const path = workspaceId === null ? '/api/ports' : `/api/workspaces/${encodeURIComponent(workspaceId)}/ports`;
      const { ports } = await api<PortsResponse>(path);
      content = ports.length === 0 ? h('p', { class: 'preview-empty' }, emptyPortsText(workspaceId !== null)) : this.renderPorts(ports);
    } catch (error) {
      content = h('p', { class: 'preview-error', role: 'alert' }, `The ports could not be read: ${describeError(error)}`);
    }
    if (generation !== this.generation || this.disposed) return;
    this.body.replaceChildren(content);
    // Read again only while someone can see it.
    if (document.visibilityState === 'visible') this.refreshTimer = setTimeout(() => void this.refreshPorts(generation), REFRESH_MS);
  }

  private renderPorts(ports: readonly ListeningPort[]): HTMLElement {
    return h(
      'ul',
      { class: 'preview-ports', 'aria-label': 'Listening ports' },
      sortPorts(ports).map((entry) => {
        const refusal = refusalText(entry);
        const url = entry.previewUrl;
        return h(
          'li',
          { class: 'preview-port', 'data-port': entry.port },
          h('span', { class: 'preview-port-number' }, String(entry.port)),
          h('span', { class: 'preview-port-process' }, describeListener(entry)),
          url === null
            ? h('span', { class: 'preview-port-refused' }, refusal)
            : h(
                'span',
                { class: 'preview-port-actions' },
                h('button', { type: 'button', class: 'preview-button preview-open', onclick: () => void this.openPreview(entry.port, url) }, 'Open'),
                h('a', { class: 'preview-button preview-port-tab', href: url, target: '_blank', rel: 'noopener', title: `Open port ${entry.port} in a new tab` }, 'New tab'),
              ),
        );
      }),
    );
  }
}

/**
 * Whether the app's page may be framed here: its first page is read through the preview (the answer
 * carries the app's own X-Frame-Options and Content-Security-Policy) and the body left unread.
 */
async function checkFraming(url: string): Promise<{ framing: Framing; sameOrigin: boolean }> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'text/html' } });
  } catch {
    // In the subdomain mode the page is on another origin, whose headers a fetch may not read (CORS):
    // the frame is tried, and the browser itself refuses it if the app forbids framing.
    return { framing: { framable: true }, sameOrigin: false };
  }
  if (!response.ok && (response.headers.get('content-type') ?? '').includes('application/json')) {
    // The proxy's own refusals (nothing listening, a port not allowed): said in the pane, which the frame would show raw.
    const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
    const code = body?.error?.code ?? '';
    if (body?.error?.message && (code.startsWith('preview_') || PROXY_REFUSALS.has(code))) return { framing: { framable: false, reason: body.error.message }, sameOrigin: true };
  }
  void response.body?.cancel().catch(() => undefined);
  const sameOrigin = new URL(response.url || url, location.href).origin === location.origin;
  const framing = framingOf(
    { xFrameOptions: response.headers.get('x-frame-options'), contentSecurityPolicy: response.headers.get('content-security-policy') },
    { origin: location.origin, sameOrigin },
  );
  return { framing, sameOrigin };
}
