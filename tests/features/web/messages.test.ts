// The web app's words for input problems: the server's validation details as sentences, and the checks
// the browser makes before sending (with the server's own limits and rules).
import { describe, expect, it } from 'vitest';
import { settingsPatchSchema } from '../../../src/features/settings/schemas.js';
import { envVarParams } from '../../../src/features/workspaces/schemas.js';
import { describeZodError } from '../../../src/http/errors.js';
import { errorFromBody } from '../../../src/web/app/api.js';
import { describeSchedule } from '../../../src/web/app/format.js';
import { checkCloneUrl, checkEnvName, checkFontSize } from '../../../src/web/app/input-checks.js';
import { describeFieldProblem, humaniseFieldName } from '../../../src/web/app/validation-text.js';

/** The body the server sends for a schema's refusal (the error handler's shape). */
function refusal(schema: { safeParse(value: unknown): { error?: unknown } }, value: unknown) {
  const { error } = schema.safeParse(value);
  if (!error) throw new Error('the schema accepted the value');
  return { error: { code: 'validation_failed', message: 'Invalid request', details: describeZodError(error as Parameters<typeof describeZodError>[0]) } };
}

describe('validation errors from the server', () => {
  it('reads a font size out of range as a plain sentence naming the field', () => {
    expect(errorFromBody(400, refusal(settingsPatchSchema, { fontSize: 99 })).message).toBe('Font size must be at most 32.');
    expect(errorFromBody(400, refusal(settingsPatchSchema, { fontSize: 3 })).message).toBe('Font size must be at least 8.');
    expect(errorFromBody(400, refusal(settingsPatchSchema, { fontSize: 12.5 })).message).toBe('Font size must be a whole number.');
    expect(errorFromBody(400, refusal(settingsPatchSchema, { fontSize: 'big' })).message).toBe('Font size must be a number.');
  });

  it('puts the schemas’ own descriptions after the field name, and unknown fields in words', () => {
    expect(errorFromBody(400, refusal(settingsPatchSchema, { theme: 'pink' })).message).toBe('Theme must be system, dark, light or high-contrast.');
    expect(errorFromBody(400, refusal(settingsPatchSchema, { colour: 'red' })).message).toBe('The request must not include colour: Shellport does not know it.');
    const badName = errorFromBody(400, refusal(envVarParams, { id: '00000000-0000-4000-8000-000000000000', name: '1BAD NAME' })).message;
    expect(badName).toBe('Name must be an environment variable name: letters, digits and underscores (_), not starting with a digit, at most 128 characters.');
  });

  it('never shows zod’s own phrasing', () => {
    for (const message of ['Too big: expected string to have <=256 characters', 'Too small: expected string to have >=1 characters', 'Invalid input: expected string, received undefined', 'Invalid option: expected one of "a"|"b"', 'Invalid UUID']) {
      expect(describeFieldProblem({ field: 'defaultShell', message })).not.toMatch(/expected|Invalid|[<>]=/);
    }
    expect(describeFieldProblem({ field: 'defaultShell', message: 'Invalid input: expected string, received undefined' })).toBe('Default shell must be filled in.');
    expect(describeFieldProblem({ field: '(body)', message: 'give either repo (owner/name) or url, not both' })).toBe('Give either repo (owner/name) or url, not both.');
  });

  it('humanises field names and leaves variable-like names alone', () => {
    expect(humaniseFieldName('fontSize')).toBe('Font size');
    expect(humaniseFieldName('body.setup_token')).toBe('Setup token');
    expect(humaniseFieldName('API_KEY')).toBe('API_KEY');
    expect(humaniseFieldName('(body)')).toBeNull();
  });

  it('keeps other errors as the server wrote them', () => {
    expect(errorFromBody(409, { error: { code: 'workspace_exists', message: 'x is already a workspace.' } }).message).toBe('x is already a workspace.');
    expect(errorFromBody(502, null).message).toMatch(/HTTP 502/);
  });
});

describe('checks in the browser before saving', () => {
  it('accepts font sizes from 8 to 32 and explains anything else, an empty box included', () => {
    expect(checkFontSize('8')).toEqual({ ok: true, value: 8 });
    expect(checkFontSize('32')).toEqual({ ok: true, value: 32 });
    for (const text of ['', ' ', '3', '99', '12.5', 'abc']) {
      expect(checkFontSize(text)).toEqual({ ok: false, message: 'Font size must be a whole number between 8 and 32.' });
    }
  });

  it('accepts exactly the variable names the server accepts', () => {
    const serverAccepts = (name: string) => envVarParams.safeParse({ id: '00000000-0000-4000-8000-000000000000', name }).success;
    for (const name of ['API_KEY', '_x', 'a1', 'A'.repeat(128), '1BAD NAME', '1ABC', 'has-dash', 'A'.repeat(129), 'SHELLPORT_X', 'git_config_count', '']) {
      expect(checkEnvName(name).ok, name).toBe(serverAccepts(name));
    }
    expect(checkEnvName('1BAD NAME')).toEqual({ ok: false, message: 'A name may use letters, digits and underscores (_), not starting with a digit, at most 128 characters: for example API_KEY.' });
    expect(checkEnvName('SHELLPORT_X')).toMatchObject({ ok: false, message: expect.stringContaining('reserved') });
  });

  it('answers an SSH URL with the https URL of the same repository, and refuses other schemes in words', () => {
    expect(checkCloneUrl('  https://github.com/octocat/x.git ')).toEqual({ ok: true, value: 'https://github.com/octocat/x.git' });
    for (const [ssh, https] of [
      ['git@github.com:octocat/hello-world.git', 'https://github.com/octocat/hello-world.git'],
      ['ssh://git@github.com/octocat/hello-world.git', 'https://github.com/octocat/hello-world.git'],
      ['git@ghe.example.com:team/tools.git', 'https://ghe.example.com/team/tools.git'],
      ['ssh://git@ghe.example.com:2222/team/tools', 'https://ghe.example.com/team/tools'],
    ] as const) {
      expect(checkCloneUrl(ssh), ssh).toMatchObject({ ok: false, suggestion: https, message: expect.stringContaining(https) });
    }
    for (const other of ['file:///etc/passwd', 'ext::sh -c touch% /tmp/x', 'ftp://example.com/x.git']) {
      expect(checkCloneUrl(other), other).toMatchObject({ ok: false, message: expect.stringMatching(/^Only https:\/\//) });
      expect(checkCloneUrl(other)).not.toHaveProperty('suggestion');
    }
    expect(checkCloneUrl('   ')).toMatchObject({ ok: false, message: expect.stringContaining('Enter') });
  });
});

describe('maintenance schedules in words', () => {
  it('describes cron schedules with cronstrue, in 24-hour time, and leaves what it cannot read as written', () => {
    expect(describeSchedule('0 2 * * *')).toBe('At 02:00');
    expect(describeSchedule('30 14 * * *')).toBe('At 14:30');
    expect(describeSchedule('0 3 * * 0')).toBe('At 03:00, only on Sunday');
    expect(describeSchedule('0 3 * * 7')).toBe('At 03:00, only on Sunday');
    expect(describeSchedule('* * * * *')).toBe('Every minute');
    expect(describeSchedule('*/5 * * * *')).toBe('Every 5 minutes');
    expect(describeSchedule('0 3 * * 1-5')).toBe('At 03:00, Monday through Friday');
    // node-cron's optional seconds field comes first, as cronstrue reads it.
    expect(describeSchedule('*/30 * * * * *')).toBe('Every 30 seconds');
    expect(describeSchedule('nonsense')).toBe('nonsense');
  });
});
