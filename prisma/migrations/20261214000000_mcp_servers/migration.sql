-- Issue 21 §1, MCP servers for agent runs: a list kept in Settings, each server's environment
-- variables or HTTP headers beside it (secret values as vault ciphertext), and the names of the
-- servers each run gets.
-- AlterTable
ALTER TABLE "agent_runs" ADD COLUMN "mcp_servers" TEXT NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "mcp_servers" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "transport" TEXT NOT NULL,
    "command" TEXT,
    "args" TEXT NOT NULL DEFAULT '[]',
    "url" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "mcp_server_values" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "server_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT,
    "secret_value" TEXT,
    "is_secret" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "mcp_server_values_server_id_fkey" FOREIGN KEY ("server_id") REFERENCES "mcp_servers" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "mcp_servers_name_key" ON "mcp_servers"("name");

-- CreateIndex
CREATE UNIQUE INDEX "mcp_server_values_server_id_kind_name_key" ON "mcp_server_values"("server_id", "kind", "name");
