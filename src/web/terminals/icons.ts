// The toolbar's icons (and the tabs' bell): small SVGs drawn in the text colour on a 16-pixel grid,
// so that they look the same in every font. Lines of width 1 sit on half pixels to stay sharp at 16 px.

import { svg } from '../app/dom.js';

type Shape = ['path' | 'rect' | 'circle', Record<string, string | number>];

/** The outline of the close-the-split icons, which divide it into two panes. */
const FRAME: Shape = ['rect', { x: 2.5, y: 2.5, width: 12, height: 12, rx: 1.5 }];

/** The new pane of a split icon is shaded: Split opens a new terminal there. */
const NEW_PANE = { fill: 'currentColor', 'fill-opacity': 0.35 };

const ICONS = {
  newTerminal: [['path', { d: 'M8.5 3v11M3 8.5h11', 'stroke-width': 1.5 }]],
  // Two panes drawn apart, tall side by side and wide stacked, so that the two read differently at a glance.
  splitRow: [['rect', { x: 1.5, y: 2.5, width: 5, height: 11, rx: 1 }], ['rect', { x: 9.5, y: 2.5, width: 5, height: 11, rx: 1, ...NEW_PANE }]],
  splitColumn: [['rect', { x: 2.5, y: 1.5, width: 11, height: 5, rx: 1 }], ['rect', { x: 2.5, y: 9.5, width: 11, height: 5, rx: 1, ...NEW_PANE }]],
  // The split with a cross in its second pane: that pane goes.
  unsplitRow: [FRAME, ['path', { d: 'M8.5 2.5v12M10 7l3 3M13 7l-3 3' }]],
  unsplitColumn: [FRAME, ['path', { d: 'M2.5 8.5h12M7 10l3 3M10 10l-3 3' }]],
  rename: [['path', { d: 'M11 2.5 13.5 5 6 12.5 2.5 13.5 3.5 10zM9.5 4l2.5 2.5' }]],
  find: [['circle', { cx: 7, cy: 7, r: 4.5 }], ['path', { d: 'M10.5 10.5 14 14', 'stroke-width': 1.5 }]],
  // An arrow up out of a tray: files go to the server.
  upload: [['path', { d: 'M8.5 11V3M5 6.5l3.5-3.5L12 6.5M2.5 10.5v3h12v-3' }]],
  // A tab's mark when its terminal rang the bell unseen.
  bell: [['path', { d: 'M4.5 11V7.5a4 4 0 0 1 8 0V11l1.5 1.5h-11zM7 14.5h3' }]],
  // Keys of one pixel: flat line ends, as round ones would blur them into blobs.
  // The toolbar's overflow menu: three dots.
  more: [['circle', { cx: 3.5, cy: 8.5, r: 1, fill: 'currentColor' }], ['circle', { cx: 8.5, cy: 8.5, r: 1, fill: 'currentColor' }], ['circle', { cx: 13.5, cy: 8.5, r: 1, fill: 'currentColor' }]],
  keyboard: [['rect', { x: 2.5, y: 4.5, width: 12, height: 8, rx: 1 }], ['path', { d: 'M4 6.5h1m1 0h1m1 0h1m1 0h1m1 0h1M4 8.5h1m1 0h1m1 0h1m1 0h1m1 0h1M6 10.5h5', 'stroke-linecap': 'butt' }]],
} satisfies Record<string, Shape[]>;

export type IconName = keyof typeof ICONS;

const FRAME_ATTRIBUTES = { viewBox: '0 0 16 16', width: '16', height: '16', fill: 'none', stroke: 'currentColor', 'stroke-width': '1', 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false' };

export function icon(name: IconName): SVGSVGElement {
  return svg('svg', FRAME_ATTRIBUTES, ...ICONS[name].map(([tag, attributes]) => svg(tag, attributes)));
}
