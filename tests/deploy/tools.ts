// The system tools the deployment tests drive (Caddy, nginx, openssl, systemd-analyze). On a
// workstation a missing one skips its tests, visibly; in CI it fails them, because .ci/run installs
// every one and a deployment test that silently never runs there would pass for nothing.
import { spawnSync } from 'node:child_process';

/** Whether the environment says this is CI: `CI` set to anything but empty, `false` or `0` (GitHub, GitLab and .ci/run set it). */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && !['', 'false', '0'].includes(value);
}

/**
 * Whether `command` is installed (`command ...probe` exits 0). When it is not and `isCI(env)`,
 * throws: the test file fails at load with this message instead of skipping.
 */
export function hasTool(command: string, probe: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  if (spawnSync(command, probe, { stdio: 'ignore' }).status === 0) return true;
  if (isCI(env)) {
    throw new Error(`\`${command}\` is not installed, and CI is set: the deployment tests need it (.ci/run installs it with apt-get).`);
  }
  return false;
}
