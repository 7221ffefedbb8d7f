// Hosts the terminals view (src/web/terminals, owned by the terminals work) in the main area.
import type { Screen } from '../app/context.js';
import { h } from '../app/dom.js';
import { api, ApiError } from '../app/api.js';
import { onDeviceThemeChange, resolveTheme } from '../app/theme.js';
import type { Workspace } from '../app/types.js';
import { deviceFontSize, deviceStorage, fontSizeForDevice, rememberDeviceFontSize } from '../terminals/font-size.js';
import { mountTerminals } from '../terminals/index.js';
import { PreviewPanel } from '../preview/preview-panel.js';

export const terminalsScreen: Screen = {
  title: 'Terminals',
  fullBleed: true,
  render(main, context) {
    const workspaceId = context.params.workspaceId ?? null;
    const container = h('section', { id: 'terminals-view', class: 'terminals-view', 'aria-label': 'Terminals' });
    // Ports and previews (issue 23 §1) open beside the terminals, or over them on a phone.
    const preview = new PreviewPanel({ workspaceId });
    main.append(h('div', { class: 'preview-layout' }, container, preview.element));
    // The font size is this device's own once A−, A+ or a pinch chose one; until then the owner's setting.
    const storage = deviceStorage();
    const handle = mountTerminals(container, {
      workspaceId,
      terminalId: context.query.get('session') ?? undefined,
      fontSize: fontSizeForDevice(storage, context.settings.fontSize),
      theme: resolveTheme(context.settings.theme),
      confirmLeave: context.settings.confirmLeave,
      scrollbackLines: context.settings.scrollbackLines,
      workspaceNames: lookUpWorkspaceNames,
      onFontSizeChange: (fontSize) => void rememberDeviceFontSize(storage, fontSize),
      toolbarItems: [preview.toggleButton],
    });
    context.onSettingsChange((settings) => {
      handle.setTheme(resolveTheme(settings.theme));
      if (deviceFontSize(storage) === null) handle.setFontSize(settings.fontSize);
      handle.setConfirmLeave(settings.confirmLeave);
      handle.setScrollbackLines(settings.scrollbackLines);
    });
    const stopFollowingDevice = onDeviceThemeChange((theme) => handle.setTheme(theme));
    let disposed = false;
    context.onDispose(() => {
      disposed = true;
      stopFollowingDevice();
      handle.dispose();
      preview.dispose();
    });
    // Looked up while the terminals connect, so that opening them waits for nothing.
    if (workspaceId) {
      void lookUpWorkspace(workspaceId).then((workspace) => {
        if (disposed || workspace === null) return;
        if (workspace !== 'missing') return handle.setPlace(workspace.name);
        handle.dispose();
        preview.dispose();
        main.replaceChildren(missingWorkspace());
        document.title = 'No such workspace · Shellport';
      });
    }
  },
};

async function lookUpWorkspaceNames(): Promise<Map<string, string>> {
  const { workspaces } = await api<{ workspaces: Workspace[] }>('/api/workspaces');
  return new Map(workspaces.map((workspace) => [workspace.id, workspace.name]));
}

/** The workspace (for its name), 'missing' when there is no such workspace, null when that is not known. */
async function lookUpWorkspace(id: string): Promise<Workspace | 'missing' | null> {
  try {
    return (await api<{ workspace: Workspace }>(`/api/workspaces/${encodeURIComponent(id)}`)).workspace;
  } catch (error) {
    // 400: not even a workspace id. Any other failure: the name is only a label, and the terminals work without it.
    return error instanceof ApiError && (error.status === 404 || error.status === 400) ? 'missing' : null;
  }
}

function missingWorkspace(): HTMLElement {
  return h(
    'div',
    { class: 'terminals-missing' },
    h('h1', {}, 'No such workspace'),
    h('p', {}, 'This workspace does not exist (any more): it may have been deleted. Its terminals ended with it. ', h('a', { href: '/workspaces' }, 'Go to your workspaces'), '.'),
  );
}
