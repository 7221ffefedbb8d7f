import type { Screen } from '../app/context.js';
import { h } from '../app/dom.js';

export const notFoundScreen: Screen = {
  title: 'Not found',
  render(main) {
    main.append(h('h1', {}, 'Nothing here'), h('p', {}, 'This address is not part of Shellport. ', h('a', { href: '/workspaces' }, 'Go to your workspaces'), '.'));
  },
};
