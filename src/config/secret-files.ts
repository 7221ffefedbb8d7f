import { readFileSync } from 'node:fs';
import { optionalString } from './env.js';

/*
 * Secrets given by path instead of by value: `<NAME>_FILE=/run/secrets/…` (Docker secrets) or
 * `<NAME>_FILE=%d/…` (systemd's LoadCredential=, under $CREDENTIALS_DIRECTORY), so the value is not
 * in the server's environment, which /proc/<pid>/environ, `docker inspect` and `systemctl show`
 * reveal. loadConfig() reads the files before the schema checks the values, so a value from a file
 * is checked exactly like one given directly.
 */

/** The variables that may be given as `<NAME>_FILE`. */
export const SECRET_FILE_VARIABLES = ['GITHUB_CLIENT_SECRET', 'SHELLPORT_SECRET_KEY', 'METRICS_TOKEN'] as const;

/** The schema entry of a `<NAME>_FILE` variable: a path, read by readSecretFiles(). */
export const secretFilePath = optionalString;

export interface SecretFileProblem {
  variable: string;
  given: string | undefined;
  expected: string;
}

export interface SecretFilesResult {
  /** `env` with each `<NAME>` set from its file (trimmed) and no `<NAME>_FILE`. */
  env: Record<string, string | undefined>;
  /** Which variables came from which file: for error messages that name the file, not the value. */
  fromFile: Map<string, { variable: string; path: string }>;
  problems: SecretFileProblem[];
}

const isSet = (value: string | undefined): value is string => typeof value === 'string' && value.trim() !== '';

/** Reads every `<NAME>_FILE` that is set; both `<NAME>` and `<NAME>_FILE`, or a file that cannot be read, is a problem. */
export function readSecretFiles(env: Record<string, string | undefined>): SecretFilesResult {
  const out: Record<string, string | undefined> = { ...env };
  const fromFile = new Map<string, { variable: string; path: string }>();
  const problems: SecretFileProblem[] = [];
  for (const name of SECRET_FILE_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const file = env[fileVariable];
    delete out[fileVariable];
    if (!isSet(file)) continue;
    if (isSet(env[name])) {
      problems.push({ variable: fileVariable, given: file, expected: `${name} or ${fileVariable}, not both: remove one of them` });
      continue;
    }
    let value: string;
    try {
      value = readFileSync(file.trim(), 'utf8').trim();
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      problems.push({
        variable: fileVariable,
        given: file,
        expected: `a file the server can read, holding ${name} (${code ?? 'error'}: ${message}); check the path and that the server's user may read it`,
      });
      continue;
    }
    if (value === '') {
      problems.push({ variable: fileVariable, given: file, expected: `a file holding ${name}, but it is empty` });
      continue;
    }
    out[name] = value;
    fromFile.set(name, { variable: fileVariable, path: file });
  }
  return { env: out, fromFile, problems };
}
