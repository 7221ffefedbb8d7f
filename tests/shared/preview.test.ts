import { describe, expect, it } from 'vitest';
import { previewLinkFor, previewPath } from '../../src/shared/preview.js';

describe('links printed in terminals', () => {
  it('turns a dev server\'s local address into its preview, keeping path, query and fragment', () => {
    expect(previewLinkFor('http://localhost:5173/')).toBe('/preview/5173/');
    expect(previewLinkFor('http://127.0.0.1:3000/app/page?x=1&y=2#top')).toBe('/preview/3000/app/page?x=1&y=2#top');
    expect(previewLinkFor('http://0.0.0.0:8000')).toBe('/preview/8000/');
    expect(previewLinkFor('https://LOCALHOST:8443/secure')).toBe('/preview/8443/secure');
    expect(previewLinkFor('http://[::1]:4000/x')).toBe('/preview/4000/x');
    expect(previewPath(8080, 'a/b')).toBe('/preview/8080/a/b');
  });

  it('leaves every other link alone', () => {
    expect(previewLinkFor('https://github.com/octocat/hello')).toBeNull();
    expect(previewLinkFor('http://localhost/')).toBeNull(); // no port: not a dev server's address we can tell
    expect(previewLinkFor('http://localhost.example.com:3000/')).toBeNull();
    expect(previewLinkFor('http://10.0.0.5:3000/')).toBeNull();
    expect(previewLinkFor('ftp://localhost:21/')).toBeNull();
    expect(previewLinkFor('not a url')).toBeNull();
  });
});
