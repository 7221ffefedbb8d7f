// The page asked for before signing in, taken once afterwards.
import { describe, expect, it } from 'vitest';
import { forgetReturnPath, rememberReturnPath, RETURN_PATH_TTL_MS, takeReturnPath } from '../../../src/web/app/return-path.js';

function memoryStorage() {
  const entries = new Map<string, string>();
  return {
    entries,
    getItem: (key: string) => entries.get(key) ?? null,
    setItem: (key: string, value: string) => void entries.set(key, value),
    removeItem: (key: string) => void entries.delete(key),
  };
}

describe('the page to return to after signing in', () => {
  it('is the page asked for, with its query, once', () => {
    const storage = memoryStorage();
    rememberReturnPath(storage, '/terminals/w1?session=s1', 1000);
    expect(takeReturnPath(storage, 2000)).toBe('/terminals/w1?session=s1');
    expect(takeReturnPath(storage, 2000)).toBeNull();
  });

  it('is forgotten when old, or when the sign-in page was opened on purpose', () => {
    const storage = memoryStorage();
    rememberReturnPath(storage, '/approvals', 0);
    expect(takeReturnPath(storage, RETURN_PATH_TTL_MS + 1)).toBeNull();
    rememberReturnPath(storage, '/approvals', 0);
    forgetReturnPath(storage);
    expect(takeReturnPath(storage, 1)).toBeNull();
  });

  it('is never the home, the sign-in page or another origin, and survives storage that refuses', () => {
    const storage = memoryStorage();
    for (const path of ['/', '/?x=1', '/sign-in', '/sign-in?next=1', '//evil.example/x', 'https://evil.example']) {
      rememberReturnPath(storage, path, 0);
      expect(storage.entries.size, path).toBe(0);
    }
    storage.setItem('shellport.afterSignIn', JSON.stringify({ path: '//evil.example', at: 0 }));
    expect(takeReturnPath(storage, 1)).toBeNull();
    const refusing = { getItem: () => { throw new Error('SecurityError'); }, setItem: () => { throw new Error('QuotaExceededError'); }, removeItem: () => { throw new Error('SecurityError'); } };
    expect(() => rememberReturnPath(refusing, '/approvals', 0)).not.toThrow();
    expect(takeReturnPath(refusing, 0)).toBeNull();
    expect(takeReturnPath(null, 0)).toBeNull();
  });
});
