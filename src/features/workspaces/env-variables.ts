import type { FastifyBaseLogger } from 'fastify';
import type { Workspace } from '../../generated/prisma/client.js';
import { AppError, notFound } from '../../http/errors.js';
import type { Database } from '../../infra/database/client.js';
import type { Vault } from '../../infra/vault.js';
import type { EnvVariableView } from '../../shared/workspaces.js';
import type { WorkspaceRecords } from './workspace-records.js';

const MAX_ENV_VARS = 200;

export interface EnvVariablesDeps {
  db: Database;
  vault: Vault;
  log: FastifyBaseLogger;
  records: WorkspaceRecords;
}

/** A workspace's terminal variables (secrets stored as vault ciphertext), and what a new terminal starts with. */
export function createEnvVariables({ db, vault, log, records }: EnvVariablesDeps) {
  async function listEnv(id: string): Promise<EnvVariableView[]> {
    await records.requireWorkspace(id);
    const rows = await db.workspaceEnvVar.findMany({ where: { workspaceId: id }, orderBy: { name: 'asc' } });
    return rows.map((row) => ({ name: row.name, value: row.isSecret ? null : row.value, secret: row.isSecret, updatedAt: row.updatedAt.toISOString() }));
  }

  async function setEnv(id: string, name: string, input: { value: string; secret: boolean }): Promise<EnvVariableView> {
    await records.requireWorkspace(id);
    const exists = await db.workspaceEnvVar.findUnique({ where: { workspaceId_name: { workspaceId: id, name } } });
    if (!exists && (await db.workspaceEnvVar.count({ where: { workspaceId: id } })) >= MAX_ENV_VARS) {
      throw new AppError(409, 'too_many_env_vars', `A workspace can have at most ${MAX_ENV_VARS} environment variables.`);
    }
    const data = input.secret
      ? { value: null, secretValue: vault.encrypt(input.value), isSecret: true }
      : { value: input.value, secretValue: null, isSecret: false };
    const row = await db.workspaceEnvVar.upsert({
      where: { workspaceId_name: { workspaceId: id, name } },
      create: { workspaceId: id, name, ...data },
      update: data,
    });
    return { name: row.name, value: row.isSecret ? null : row.value, secret: row.isSecret, updatedAt: row.updatedAt.toISOString() };
  }

  async function deleteEnv(id: string, name: string): Promise<void> {
    const { count } = await db.workspaceEnvVar.deleteMany({ where: { workspaceId: id, name } });
    if (count === 0) throw notFound(`The workspace has no variable ${name}.`);
  }

  /** What a terminal in the workspace starts with: its directory and its variables, secrets decrypted. */
  async function terminalContext(id: string): Promise<{ cwd: string; env: Record<string, string>; workspace: Workspace }> {
    const workspace = await records.requireWorkspace(id);
    const cwd = await records.requireReadyDir(workspace);
    const env: Record<string, string> = {};
    for (const row of await db.workspaceEnvVar.findMany({ where: { workspaceId: id } })) {
      if (!row.isSecret) {
        env[row.name] = row.value ?? '';
        continue;
      }
      const plain = row.secretValue ? vault.tryDecrypt(row.secretValue) : null;
      if (plain === null) log.warn({ workspaceId: id, variable: row.name }, 'a secret workspace variable cannot be decrypted; set it again');
      else env[row.name] = plain;
    }
    await records.touch(id);
    return { cwd, env, workspace };
  }

  return { listEnv, setEnv, deleteEnv, terminalContext };
}
