import type { CheckResult, ReadinessReport } from '../../shared/health.js';

export type { CheckResult, CheckStatus, ReadinessReport } from '../../shared/health.js';

export type ReadinessCheck = () => Promise<CheckResult> | CheckResult;

/**
 * Named checks that /readyz runs. Features add theirs (backups, terminals) when they are
 * registered; a `warn` is reported but keeps the server ready, a `fail` makes it unready.
 */
export function createReadinessRegistry() {
  const checks = new Map<string, ReadinessCheck>();
  return {
    add(name: string, check: ReadinessCheck) {
      if (checks.has(name)) throw new Error(`Readiness check "${name}" is registered twice.`);
      checks.set(name, check);
    },
    async run(): Promise<ReadinessReport> {
      const entries = await Promise.all(
        [...checks].map(async ([name, check]): Promise<[string, CheckResult]> => {
          try {
            return [name, await check()];
          } catch (error) {
            return [name, { status: 'fail', message: (error as Error).message }];
          }
        }),
      );
      const results = Object.fromEntries(entries);
      const ready = entries.every(([, result]) => result.status !== 'fail');
      return { status: ready ? 'ready' : 'not_ready', checks: results };
    },
  };
}

export type ReadinessRegistry = ReturnType<typeof createReadinessRegistry>;
