// Every variable the config schema reads is documented for operators, and nothing documented is stale.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../src/config/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const variables = Object.keys(envSchema.shape).sort();
if (variables.length < 30) throw new Error(`envSchema has only ${variables.length} variables: is it still the whole schema?`);

describe('configuration documentation', () => {
  it('describes every variable in docs/configuration.md, and no variable the app does not read', () => {
    const documented = [...read('docs/configuration.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1]!);
    expect(variables.filter((name) => !documented.includes(name))).toEqual([]);
    expect(documented.filter((name) => !variables.includes(name))).toEqual([]);
  });

  it('lists every variable in .env.example, set or commented out', () => {
    const listed = [...read('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]!);
    expect(variables.filter((name) => !listed.includes(name))).toEqual([]);
    expect(listed.filter((name) => !variables.includes(name))).toEqual([]);
  });
});
