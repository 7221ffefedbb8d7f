-- AlterTable
ALTER TABLE "workspaces" ADD COLUMN "last_activity_at" DATETIME;

-- CreateTable
CREATE TABLE "workspace_env_vars" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspace_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "value" TEXT,
    "secret_value" TEXT,
    "is_secret" BOOLEAN NOT NULL DEFAULT false,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "workspace_env_vars_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspaces" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "workspace_env_vars_workspace_id_name_key" ON "workspace_env_vars"("workspace_id", "name");
