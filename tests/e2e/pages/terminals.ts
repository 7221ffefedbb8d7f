// Page object for the terminals screen (src/web/terminals). Waits on real conditions only: the
// connection indicator, xterm's hidden textarea having the focus, text on the terminal's rows.
import type { Locator, Page } from 'playwright-core';

export type PaneSlot = 0 | 1;

// The page functions below run in the browser; the test program is compiled without the DOM library.
interface BrowserElement {
  textContent: string | null;
  children: Iterable<BrowserElement>;
  dataset: Record<string, string | undefined>;
  matches(selector: string): boolean;
}
declare const document: {
  activeElement: BrowserElement | null;
  querySelector(selector: string): BrowserElement | null;
  querySelectorAll(selector: string): { length: number };
};

/** In the browser: decodes a PNG (base64) and counts the pixels far from the colour of its top-left corner. */
const COUNT_INK = `async (data) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + data;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height).data;
  let ink = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (Math.abs(pixels[i] - pixels[0]) + Math.abs(pixels[i + 1] - pixels[1]) + Math.abs(pixels[i + 2] - pixels[2]) > 150) ink++;
  }
  return ink;
}`;

export class TerminalsPage {
  constructor(readonly page: Page) {}

  /** Opens /terminals (or a workspace's terminals) and waits until a terminal is connected and shown. */
  async open(path = '/terminals'): Promise<void> {
    await this.page.goto(path);
    await this.waitReady();
  }

  async waitReady(): Promise<void> {
    await this.page.locator('.term-conn[data-state="connected"]').waitFor();
    await this.view(0).locator('.xterm-screen').waitFor();
  }

  view(slot: PaneSlot): Locator {
    return this.page.locator(`.term-view[data-slot="${slot}"]`);
  }

  tabs(): Locator {
    return this.page.locator('.term-tab');
  }

  async tabSessionIds(): Promise<string[]> {
    return this.tabs().evaluateAll((tabs) => tabs.map((tab) => (tab as unknown as BrowserElement).dataset.terminalId ?? ''));
  }

  async sessionIdIn(slot: PaneSlot): Promise<string> {
    return (await this.view(slot).getAttribute('data-terminal-id')) ?? '';
  }

  /** Focuses the terminal in a pane: xterm's hidden textarea must have the focus before typing. */
  async focus(slot: PaneSlot = 0): Promise<void> {
    await this.view(slot).locator('.xterm-screen').click();
    await this.waitFocused(slot);
  }

  async waitFocused(slot: PaneSlot = 0): Promise<void> {
    await this.page.waitForFunction(
      (selector) => document.activeElement?.matches(selector) ?? false,
      `.term-view[data-slot="${slot}"] .xterm-helper-textarea`,
      { timeout: 5_000 },
    );
  }

  /** Types a command line into a pane and presses Enter. */
  async run(command: string, slot: PaneSlot = 0): Promise<void> {
    await this.focus(slot);
    await this.page.keyboard.type(command);
    await this.page.keyboard.press('Enter');
  }

  /** The visible rows of a pane's terminal, one line each, trailing blanks removed. */
  async screenText(slot: PaneSlot = 0): Promise<string> {
    return this.rowsText(this.view(slot).locator('.xterm-rows'));
  }

  private rowsText(rows: Locator): Promise<string> {
    return rows.evaluate((element) =>
      [...(element as unknown as BrowserElement).children].map((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).join('\n'),
    );
  }

  /** Waits until a pane shows a line matching `pattern` (tested per line); returns the first such line. */
  async waitForLine(pattern: RegExp, slot: PaneSlot = 0, timeout = 10_000): Promise<string> {
    return this.waitForRowsLine(`.term-view[data-slot="${slot}"] .xterm-rows`, pattern, timeout, `pane ${slot}`);
  }

  /** The same for the terminal of a session, shown or not (a terminal in a tab behind draws its rows too). */
  async waitForSessionLine(sessionId: string, pattern: RegExp, timeout = 10_000): Promise<string> {
    return this.waitForRowsLine(`.term-view[data-terminal-id="${sessionId}"] .xterm-rows`, pattern, timeout, `the terminal ${sessionId}`);
  }

  private async waitForRowsLine(selector: string, pattern: RegExp, timeout: number, where: string): Promise<string> {
    const handle = await this.page
      .waitForFunction(
      ({ selector, source, flags }) => {
        const rows = document.querySelector(selector);
        if (!rows) return null;
        const regex = new RegExp(source, flags);
        for (const row of rows.children) {
          const line = (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd();
          if (regex.test(line)) return line;
        }
        return null;
      },
      { selector, source: pattern.source, flags: pattern.flags },
      { timeout },
      )
      .catch(async (error: Error) => {
        const text = await this.rowsText(this.page.locator(selector)).catch(() => '(no terminal)');
        throw new Error(`No line matching ${pattern} in ${where}: ${error.message}\nIt shows:\n${text}`);
      });
    return (await handle.jsonValue()) as string;
  }

  /** Rows of the terminal in a pane (xterm's DOM renderer draws one element per row). */
  rowCount(slot: PaneSlot = 0): Promise<number> {
    return this.view(slot).locator('.xterm-rows > *').count();
  }

  /** The font size xterm renders a pane with, in CSS pixels. */
  async fontSizePx(slot: PaneSlot = 0): Promise<number> {
    const value = await this.view(slot)
      .locator('.xterm-rows')
      .evaluate((rows) => {
        const view = (rows as unknown as { ownerDocument: { defaultView: { getComputedStyle(element: unknown): { fontSize: string } } } }).ownerDocument.defaultView;
        return view.getComputedStyle(rows).fontSize;
      });
    return Number.parseFloat(value);
  }

  /** "N terminals ended when the machine restarted", with Start all again (issue 19). */
  rebootNotice(): Locator {
    return this.page.locator('.term-reboot');
  }

  /** A terminal's view, wherever it is (shown or not). */
  viewOf(sessionId: string): Locator {
    return this.page.locator(`.term-view[data-terminal-id="${sessionId}"]`);
  }

  /** Shows a terminal by clicking its tab. */
  async showTab(sessionId: string): Promise<void> {
    await this.page.locator(`.term-tab[data-terminal-id="${sessionId}"] .term-tab-text`).click();
    await this.viewOf(sessionId).and(this.page.locator('[data-slot="0"]')).waitFor();
  }

  /** Horizontal overflow of the page (0 when everything fits the viewport). */
  async horizontalOverflow(): Promise<number> {
    return this.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  }

  async newTerminal(): Promise<void> {
    const before = await this.tabs().count();
    await this.page.getByRole('button', { name: 'New terminal', exact: true }).first().click();
    await this.page.waitForFunction((count) => document.querySelectorAll('.term-tab').length > count, before);
    await this.waitFocused(0);
  }

  /** Clicks a tab's close button (a running terminal then asks what to do in a dialog). */
  async closeTab(sessionId: string): Promise<void> {
    await this.page.locator(`.term-tab[data-terminal-id="${sessionId}"] .term-tab-close`).click();
  }

  async splitSideBySide(): Promise<void> {
    await this.page.getByRole('button', { name: 'Split side by side' }).click();
    await this.view(1).locator('.xterm-screen').waitFor();
  }

  /** Searches the focused pane's terminal (scrollback included) with Ctrl+F; true when found. */
  async find(query: string, slot: PaneSlot = 0): Promise<boolean> {
    await this.focus(slot);
    await this.page.keyboard.press('Control+f');
    const box = this.view(slot).getByRole('searchbox', { name: 'Find in terminal' });
    await box.fill(query);
    await box.press('Enter');
    // The search addon counts matches after a debounce: wait for a count, and ask once more before
    // believing "No matches" (a count from the search as typed may land just before the Enter's).
    const status = this.view(slot).locator('.term-search-status');
    const counted = async () => {
      await this.page.waitForFunction((element) => (element?.textContent ?? '') !== '', await status.elementHandle(), { timeout: 5_000 });
      return (await status.textContent()) !== 'No matches';
    };
    let found = await counted();
    if (!found) {
      await this.page.waitForTimeout(300);
      await box.press('Enter');
      found = await counted();
    }
    await box.press('Escape');
    return found;
  }

  connectionState(): Promise<string | null> {
    return this.page.locator('.term-conn').getAttribute('data-state');
  }

  /** The row element of a pane that shows exactly `line`. */
  async row(line: string, slot: PaneSlot = 0): Promise<Locator> {
    const index = await this.view(slot)
      .locator('.xterm-rows')
      .evaluate(
        (rows, wanted) => [...(rows as unknown as BrowserElement).children].findIndex((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd() === wanted),
        line,
      );
    if (index === -1) throw new Error(`Pane ${slot} shows no line "${line}":\n${await this.screenText(slot)}`);
    return this.view(slot).locator('.xterm-rows > *').nth(index);
  }

  /**
   * Pixels of a row (as the screen shows it) that differ clearly from its background, the colour of
   * its top-left corner: 0 when what the row holds is drawn outside it (clipped).
   */
  async inkPixels(row: Locator): Promise<number> {
    const png = (await row.screenshot()).toString('base64');
    return this.page.evaluate(`(${COUNT_INK})(${JSON.stringify(png)})`);
  }

  /** Double-clicks the first word of a line (xterm selects it). */
  async selectWord(line: string, slot: PaneSlot = 0): Promise<void> {
    const row = await this.row(line, slot);
    const box = (await row.boundingBox())!;
    await this.page.mouse.dblclick(box.x + 4, box.y + box.height / 2);
  }

  /** Whether xterm has a selection (it draws one element per selected stretch). */
  async hasSelection(slot: PaneSlot = 0): Promise<boolean> {
    return (await this.view(slot).locator('.xterm-selection > *').count()) > 0;
  }

  readClipboard(): Promise<string> {
    return this.page.evaluate('navigator.clipboard.readText()');
  }

  async writeClipboard(text: string): Promise<void> {
    await this.page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(text)})`);
  }

  /** Whether the keyboard focus is in the given element. */
  async hasFocus(locator: Locator): Promise<boolean> {
    return locator.evaluate((element) => element === (element.ownerDocument as { activeElement: unknown }).activeElement);
  }

  /**
   * What a tab says of output not seen yet: its accessible description ("New output", "The bell
   * rang") and the mark it draws ("output", "bell"); nulls when it says nothing.
   */
  async tabMark(sessionId: string): Promise<{ description: string | null; mark: string | null }> {
    return this.tabLabel(sessionId).evaluate((label) => {
      type Mark = BrowserElement & { getBoundingClientRect(): { width: number; height: number } };
      const tab = label as unknown as { getAttribute(name: string): string | null; querySelector(selector: string): Mark | null };
      const mark = tab.querySelector('.term-tab-mark');
      const drawn = mark !== null && mark.getBoundingClientRect().width > 0 && mark.getBoundingClientRect().height > 0;
      return { description: tab.getAttribute('aria-description'), mark: drawn ? (mark.dataset.mark ?? null) : null };
    });
  }

  /**
   * What a tab says of its terminal's activity (issue 20): the state (`data-activity`), the words it
   * shows, and whether it counts as needing the owner; nulls when it says nothing.
   */
  async tabActivity(sessionId: string): Promise<{ state: string | null; text: string | null; needsYou: boolean }> {
    const badge = this.page.locator(`.term-tab[data-terminal-id="${sessionId}"] .term-tab-activity`);
    if ((await badge.count()) === 0) return { state: null, text: null, needsYou: false };
    return {
      state: await badge.getAttribute('data-activity'),
      text: await badge.locator('.term-tab-activity-text').textContent(),
      needsYou: (await badge.getAttribute('data-needs-you')) === 'true',
    };
  }

  /** The notice on a pane about a program's copy to the clipboard (OSC 52). */
  copyNotice(slot: PaneSlot = 0): Locator {
    return this.view(slot).locator('.term-copied');
  }

  /** The label (the button with the name) of a tab. */
  tabLabel(sessionId: string): Locator {
    return this.page.locator(`.term-tab[data-terminal-id="${sessionId}"] .term-tab-label`);
  }

  /**
   * How a tab's label fits a name too long for it: whether the name overflows, ends in an ellipsis,
   * shows its first character (not cut off at the start) and stays inside the tab.
   */
  async tabLabelFit(sessionId: string): Promise<{ overflows: boolean; textOverflow: string; startVisible: boolean; insideTab: boolean }> {
    return this.tabLabel(sessionId).evaluate((element) => {
      type Box = { left: number; right: number };
      type Node = { nodeType: number; firstChild: Node | null; scrollWidth: number; clientWidth: number; getBoundingClientRect(): Box };
      type Label = Node & {
        closest(selector: string): Node;
        ownerDocument: { createRange(): { setStart(node: Node, offset: number): void; setEnd(node: Node, offset: number): void; getBoundingClientRect(): Box }; defaultView: { getComputedStyle(node: unknown): { textOverflow: string } } };
      };
      const label = element as unknown as Label;
      let holder: Node = label;
      while (holder.firstChild && holder.firstChild.nodeType !== 3) holder = holder.firstChild;
      const firstLetter = label.ownerDocument.createRange();
      firstLetter.setStart(holder.firstChild!, 0);
      firstLetter.setEnd(holder.firstChild!, 1);
      const letter = firstLetter.getBoundingClientRect();
      const box = label.getBoundingClientRect();
      const tab = label.closest('.term-tab').getBoundingClientRect();
      return {
        overflows: holder.scrollWidth > holder.clientWidth,
        textOverflow: label.ownerDocument.defaultView.getComputedStyle(holder).textOverflow,
        startVisible: letter.left >= box.left && letter.right <= box.right,
        insideTab: box.left >= tab.left && box.right <= tab.right,
      };
    });
  }

  /** The home screen's list of workspaces with terminals running (its summary opens it). */
  elsewhere(): Locator {
    return this.page.locator('.term-elsewhere');
  }

  /** The links of that list, once opened: "octocat/toolbox 2 terminals". */
  elsewhereLinks(): Locator {
    return this.page.getByRole('navigation', { name: 'Also running in workspaces' }).getByRole('link');
  }

  /** The banner over the terminals while the connection is down. */
  outage(): Locator {
    return this.page.locator('.term-outage');
  }

  /** A button of the toolbar (not the "New terminal" of an empty screen), by its accessible name. */
  toolbarButton(name: string): Locator {
    return this.page.locator('.term-toolbar').getByRole('button', { name, exact: true });
  }

  /** The toolbar's overflow menu button ("More actions"). */
  moreButton(): Locator {
    return this.toolbarButton('More actions');
  }

  /** Opens the toolbar's "More actions" menu and chooses the item named `name`. */
  async chooseMore(name: string): Promise<void> {
    const item = this.page.getByRole('menu').getByRole('menuitem', { name, exact: true });
    if (!(await item.isVisible())) await this.moreButton().click();
    await item.click();
  }

  /**
   * Where the first pane's terminal sits, in CSS pixels: the top of its first row in the viewport,
   * the room between the pane's edges and the rows (padding), and whether the last row is cut off.
   */
  async terminalPlacement(): Promise<{ top: number; paddingLeft: number; paddingTop: number; lastRowCut: boolean }> {
    return this.view(0).evaluate((view) => {
      type Box = { top: number; left: number; bottom: number };
      type Element = { getBoundingClientRect(): Box; querySelector(selector: string): Element };
      const pane = view as unknown as Element;
      const rows = pane.querySelector('.xterm-screen').getBoundingClientRect();
      const host = pane.querySelector('.term-xterm').getBoundingClientRect();
      const box = pane.getBoundingClientRect();
      return { top: rows.top, paddingLeft: rows.left - box.left, paddingTop: rows.top - box.top, lastRowCut: rows.bottom > host.bottom + 0.5 };
    });
  }

  /** The session whose tab is the selected one (the focused pane's). */
  selectedTabSessionId(): Promise<string | null> {
    return this.page.locator('.term-tab:has([role="tab"][aria-selected="true"])').getAttribute('data-terminal-id');
  }

  shortcutSheet(): Locator {
    return this.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  }

  /** The sheet's entries as [keys, what they do]: ["Ctrl+F or Ctrl+Shift+F", "Find (…)"]. */
  shortcutRows(): Promise<[string, string][]> {
    return this.shortcutSheet()
      .locator('dt')
      .evaluateAll((terms) =>
        terms.map((term) => {
          const keys = term as unknown as BrowserElement & { nextElementSibling: BrowserElement | null };
          return [keys.textContent ?? '', keys.nextElementSibling?.textContent ?? ''] as [string, string];
        }),
      );
  }

  keyBarKey(label: string | RegExp): Locator {
    return this.page.getByRole('toolbar', { name: 'Terminal keys' }).getByRole('button', { name: label });
  }
}
