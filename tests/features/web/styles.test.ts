// Rules of the web app's style sheets that a screenshot would not show.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const WEB = path.resolve(import.meta.dirname, '../../../src/web');
const SHEETS = ['app/base.css', 'screens/screens.css', 'terminals/terminals.css'];

/** The sheet without its `@media (hover: hover) { … }` blocks. */
function outsideHoverMedia(css: string): string {
  let rest = '';
  let index = 0;
  for (const match of css.matchAll(/@media \(hover: hover\) \{/g)) {
    rest += css.slice(index, match.index);
    let depth = 1;
    let end = match.index + match[0].length;
    while (depth > 0 && end < css.length) {
      if (css[end] === '{') depth += 1;
      if (css[end] === '}') depth -= 1;
      end += 1;
    }
    index = end;
  }
  return rest + css.slice(index);
}

describe('the web app’s style sheets', () => {
  it('style :hover only where the pointer can hover, so that taps leave no hover look behind', () => {
    for (const sheet of SHEETS) {
      const css = readFileSync(path.join(WEB, sheet), 'utf8');
      expect(outsideHoverMedia(css), sheet).not.toContain(':hover');
    }
  });
});
