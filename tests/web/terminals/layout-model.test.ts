import { describe, expect, it } from 'vitest';
import {
  addTab,
  closeTab,
  emptyLayout,
  focusedTab,
  focusPane,
  neighbourTab,
  openTab,
  replaceTab,
  restoreLayout,
  selectTab,
  turnSplit,
  unsplit,
  validLayout,
  type TerminalLayout,
} from '../../../src/web/terminals/layout-model.js';

const layout = (overrides: Partial<TerminalLayout>): TerminalLayout => ({ ...emptyLayout(), ...overrides });

/** The rules validLayout states, checked on every result. */
function expectValid(value: TerminalLayout): TerminalLayout {
  expect(validLayout(value)).toEqual(value);
  if (value.tabs.length > 0) expect(value.panes[0]).not.toBeNull();
  if (value.split === 'none') expect(value.panes[1]).toBeNull();
  else expect(value.panes[1]).not.toBe(value.panes[0]);
  if (value.tabs.length > 0) expect(value.panes[value.focused]).not.toBeNull();
  return value;
}

describe('the terminals layout', () => {
  it('opens a first tab in pane 0, and a split opens the next one beside it, focused', () => {
    let value = expectValid(openTab(emptyLayout(), 'a', 0));
    expect(value).toEqual({ tabs: ['a'], panes: ['a', null], split: 'none', focused: 0 });
    value = expectValid(openTab(value, 'b', 1, 'row'));
    expect(value).toEqual({ tabs: ['a', 'b'], panes: ['a', 'b'], split: 'row', focused: 1 });
    expect(focusedTab(value)).toBe('b');
  });

  it('selects a tab: into the focused pane, or focuses the pane already showing it', () => {
    const split = layout({ tabs: ['a', 'b', 'c'], panes: ['a', 'b'], split: 'column', focused: 0 });
    expect(expectValid(selectTab(split, 'b'))).toMatchObject({ panes: ['a', 'b'], focused: 1 });
    expect(expectValid(selectTab(split, 'c'))).toMatchObject({ panes: ['c', 'b'], focused: 0 });
    expect(selectTab(split, 'unknown')).toBe(split);
  });

  it('walks the tabs from the focused one, wrapping around', () => {
    const value = layout({ tabs: ['a', 'b', 'c'], panes: ['c', null] });
    expect(neighbourTab(value, 1)).toBe('a');
    expect(neighbourTab(value, -1)).toBe('b');
    expect(neighbourTab(emptyLayout(), 1)).toBeNull();
  });

  it('focuses a pane only when it shows something, turns and undoes a split', () => {
    const split = layout({ tabs: ['a', 'b'], panes: ['a', 'b'], split: 'row', focused: 1 });
    expect(expectValid(focusPane(split, 0)).focused).toBe(0);
    expect(focusPane(layout({ tabs: ['a'], panes: ['a', null] }), 1).focused).toBe(0);
    expect(expectValid(turnSplit(split, 'column')).split).toBe('column');
    expect(turnSplit(layout({ tabs: ['a'], panes: ['a', null] }), 'row').split).toBe('none');
    // Unsplit keeps the focused tab on screen.
    expect(expectValid(unsplit(split))).toEqual({ tabs: ['a', 'b'], panes: ['b', null], split: 'none', focused: 0 });
  });

  it('closes a tab: its pane shows a neighbouring tab, never the other pane’s; the last but one ends the split', () => {
    const split = layout({ tabs: ['a', 'b', 'c', 'd'], panes: ['c', 'a'], split: 'row', focused: 0 });
    // Of the tabs the other pane does not show (b, d), the one at the closed tab's place before it.
    expect(expectValid(closeTab(split, 'c'))).toMatchObject({ tabs: ['a', 'b', 'd'], panes: ['d', 'a'] });
    expect(expectValid(closeTab(layout({ tabs: ['a', 'b', 'c'], panes: ['b', null] }), 'b'))).toMatchObject({ panes: ['a', null] });
    const two = layout({ tabs: ['a', 'b'], panes: ['a', 'b'], split: 'row', focused: 1 });
    expect(expectValid(closeTab(two, 'b'))).toEqual({ tabs: ['a'], panes: ['a', null], split: 'none', focused: 0 });
    expect(expectValid(closeTab(layout({ tabs: ['a'], panes: ['a', null] }), 'a'))).toEqual(emptyLayout());
  });

  it('replaces an ended terminal by its new one in place, and adds a tab without showing it', () => {
    const value = layout({ tabs: ['a', 'b'], panes: ['a', 'b'], split: 'row', focused: 0 });
    expect(expectValid(replaceTab(value, 'b', 'b2'))).toMatchObject({ tabs: ['a', 'b2'], panes: ['a', 'b2'] });
    expect(expectValid(addTab(value, 'c'))).toMatchObject({ tabs: ['a', 'b', 'c'], panes: ['a', 'b'] });
  });

  it('repairs any stored value into a valid one', () => {
    expectValid(validLayout(layout({ tabs: ['a'], panes: ['gone', 'a'], split: 'row', focused: 1 })));
    expect(validLayout(layout({ tabs: ['a', 'a'], panes: [null, null], split: 'column', focused: 1 }))).toEqual({ tabs: ['a'], panes: ['a', null], split: 'none', focused: 0 });
  });

  describe('restoring', () => {
    const available = [
      { id: 'a', running: true },
      { id: 'b', running: false },
      { id: 'c', running: true },
    ];

    it('keeps what was saved as far as the server still has it', () => {
      const saved = layout({ tabs: ['gone', 'c', 'a'], panes: ['gone', 'a'], split: 'row', focused: 1 });
      expect(expectValid(restoreLayout(saved, available, { autoOpen: 8 }))).toEqual({ tabs: ['c', 'a'], panes: ['c', 'a'], split: 'row', focused: 1 });
    });

    it('shows the terminal asked for in the focused pane', () => {
      const saved = layout({ tabs: ['a'], panes: ['a', null] });
      expect(expectValid(restoreLayout(saved, available, { wanted: 'b', autoOpen: 8 }))).toMatchObject({ tabs: ['a', 'b'], panes: ['b', null] });
    });

    it('with nothing saved, opens the running terminals (newest first, at most autoOpen)', () => {
      expect(expectValid(restoreLayout(null, available, { autoOpen: 1 }))).toMatchObject({ tabs: ['a'] });
      expect(expectValid(restoreLayout(null, available, { autoOpen: 8 }))).toMatchObject({ tabs: ['c', 'a'] });
      // Something was saved, though nothing of it is left: open nothing by itself.
      expect(restoreLayout(layout({ tabs: ['gone'] }), available, { autoOpen: 8 }).tabs).toEqual([]);
    });
  });
});
