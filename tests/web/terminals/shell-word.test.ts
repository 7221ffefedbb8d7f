import { describe, expect, it } from 'vitest';
import { shellWord } from '../../../src/web/terminals/shell-word.js';

describe('a path typed at a prompt', () => {
  it('stays as it is when a shell reads it as one word, else is quoted', () => {
    expect(shellWord('/home/me/p/.shellport/uploads/image-20261207-152233.png')).toBe('/home/me/p/.shellport/uploads/image-20261207-152233.png');
    expect(shellWord('/tmp/photo one.png')).toBe("'/tmp/photo one.png'");
    expect(shellWord('/tmp/photo(1).png')).toBe("'/tmp/photo(1).png'");
    expect(shellWord("/tmp/it's.png")).toBe("'/tmp/it'\\''s.png'");
    expect(shellWord('/tmp/$HOME;rm.png')).toBe("'/tmp/$HOME;rm.png'");
  });
});
