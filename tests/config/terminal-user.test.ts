import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { findUser } from '../../src/config/terminal-user.js';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  '# a comment',
  'broken line',
  'shellport:x:1001:1001:Shellport shells:/home/shellport:/bin/bash',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
].join('\n');

describe('TERMINAL_USER', () => {
  it('finds an account of passwd(5) by name or uid', () => {
    expect(findUser('shellport', PASSWD)).toEqual({ name: 'shellport', uid: 1001, gid: 1001, home: '/home/shellport' });
    expect(findUser('65534', PASSWD)).toEqual({ name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' });
    expect(findUser('nosuchuser', PASSWD)).toBeNull();
    expect(findUser('broken line', PASSWD)).toBeNull();
  });

  it('is off by default; set, the shells get the account and its HOME, USER and LOGNAME', () => {
    expect(loadConfig({}).terminals.user).toBeNull();
    const config = loadConfig({ TERMINAL_USER: 'root', HOME: '/somewhere/else', USER: 'someone' });
    expect(config.terminals.user).toEqual({ name: 'root', uid: 0, gid: 0, home: '/root' });
    expect(config.terminals.baseEnv).toMatchObject({ HOME: '/root', USER: 'root', LOGNAME: 'root' });
  });

  it('stops start-up for an account that does not exist, or a malformed name', () => {
    for (const [given, expected] of [
      ['no-such-shellport-user', /^a user in \/etc\/passwd; there is no user no-such-shellport-user/],
      ['bad name!', /^a user name or numeric uid/],
    ] as const) {
      try {
        loadConfig({ TERMINAL_USER: given });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([{ variable: 'TERMINAL_USER', given, expected: expect.stringMatching(expected) }]);
      }
    }
  });
});
