// The import rules of docs/architecture.md, checked over the source: the browser app stands beside
// the server (it may import only src/web and src/shared), the shared contracts import nothing,
// infrastructure imports no feature, and nothing on the server imports the browser app.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every `from '…'` / `import '…'` / `import('…')` specifier of a file. */
export function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) specifiers.push(match[1]!);
  return specifiers;
}

/** Where a relative import lands, as a path under src/ ('web/app/dom.ts'); null for a package. */
function resolved(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  return path.relative(SRC, path.resolve(path.dirname(file), specifier)).replace(/\.js$/, '.ts');
}

const layerOf = (relative: string) => relative.split(path.sep)[0]!;
const files = sourceFiles(SRC).map((file) => ({ file, relative: path.relative(SRC, file), text: readFileSync(file, 'utf8') }));

function violations(rule: (from: string, to: string) => boolean): string[] {
  const found: string[] = [];
  for (const { file, relative, text } of files) {
    for (const specifier of importsOf(text)) {
      const target = resolved(file, specifier);
      if (target !== null && !rule(relative, target)) found.push(`${relative} → ${target}`);
    }
  }
  return found;
}

describe('import boundaries', () => {
  it('reads imports of every kind', () => {
    expect(importsOf(`import a from './a.js';\nimport type { B } from "../b.js";\nexport { c } from './c.js';\nimport './d.css';\nawait import('./e.js');`)).toEqual([
      './a.js',
      '../b.js',
      './c.js',
      './d.css',
      './e.js',
    ]);
  });

  it('the browser app imports only itself and src/shared', () => {
    expect(violations((from, to) => layerOf(from) !== 'web' || ['web', 'shared'].includes(layerOf(to)))).toEqual([]);
  });

  it('src/shared imports nothing but its own modules', () => {
    const shared = files.filter(({ relative }) => layerOf(relative) === 'shared');
    expect(shared.length).toBeGreaterThan(5);
    const outside = (specifier: string) => !/^\.\/[\w.-]+\.js$/.test(specifier);
    expect(shared.filter(({ text }) => importsOf(text).some(outside)).map(({ relative }) => relative)).toEqual([]);
  });

  it('infrastructure imports no feature, and the server never the browser app', () => {
    expect(violations((from, to) => layerOf(from) !== 'infra' || layerOf(to) !== 'features')).toEqual([]);
    expect(violations((from, to) => layerOf(from) === 'web' || layerOf(to) !== 'web')).toEqual([]);
  });
});
