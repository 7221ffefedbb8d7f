import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const CWD = { cwd: '/srv/shellport' };

describe('Web Push configuration', () => {
  it('takes PUBLIC_URL as the VAPID subject when it is https, else a mailto: default', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://shell.example.com/' }, CWD).push).toEqual({ subject: 'https://shell.example.com' });
    expect(loadConfig({}, CWD).push).toEqual({ subject: 'mailto:shellport@localhost' });
    expect(loadConfig({ PUBLIC_URL: 'http://shell.lan:3000' }, CWD).push.subject).toBe('mailto:shellport@localhost');
    expect(loadConfig({ PUBLIC_URL: 'https://localhost:8443' }, CWD).push.subject).toBe('mailto:shellport@localhost');
    expect(loadConfig({ PUBLIC_URL: 'https://127.0.0.1:8443' }, CWD).push.subject).toBe('mailto:shellport@localhost');
  });

  it('takes PUSH_SUBJECT as a mailto: address or an https URL, and refuses anything else', () => {
    expect(loadConfig({ PUSH_SUBJECT: 'mailto:me@example.com', PUBLIC_URL: 'https://shell.example.com' }, CWD).push.subject).toBe('mailto:me@example.com');
    expect(loadConfig({ PUSH_SUBJECT: 'https://example.com/contact' }, CWD).push.subject).toBe('https://example.com/contact');
    for (const bad of ['me@example.com', 'http://example.com', 'mailto:nobody']) {
      try {
        loadConfig({ PUSH_SUBJECT: bad }, CWD);
        throw new Error(`${bad} was accepted`);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([{ variable: 'PUSH_SUBJECT', given: bad, expected: expect.stringMatching(/mailto: address or an https:\/\/ URL/) }]);
      }
    }
  });
});
