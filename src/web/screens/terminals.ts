// Hosts the terminals view (src/web/terminals, owned by the terminals work) in the main area.
import type { Screen } from '../app/context.js';
import { h } from '../app/dom.js';
import { mountTerminals } from '../terminals/index.js';
import { describeError } from '../app/api.js';
import { toast } from '../app/toast.js';

export const terminalsScreen: Screen = {
  title: 'Terminals',
  fullBleed: true,
  render(main, context) {
    const container = h('section', { id: 'terminals-view', class: 'terminals-view', 'aria-label': 'Terminals' });
    main.append(container);
    const handle = mountTerminals(container, {
      workspaceId: context.params.workspaceId ?? null,
      sessionId: context.query.get('session') ?? undefined,
      fontSize: context.settings.fontSize,
      theme: context.settings.theme,
      onFontSizeChange: (fontSize) => {
        context.updateSettings({ fontSize }).catch((error: unknown) => toast(describeError(error), 'error'));
      },
    });
    context.onSettingsChange((settings) => {
      handle.setTheme(settings.theme);
      handle.setFontSize(settings.fontSize);
    });
    context.onDispose(() => handle.dispose());
  },
};
