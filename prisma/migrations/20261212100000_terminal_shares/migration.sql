-- Issue 23 §2, read-only share links: one row per link, bound to one terminal and deleted with it.
-- Only the SHA-256 of the link's token is stored.
-- CreateTable
CREATE TABLE "terminal_shares" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "terminal_id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "label" TEXT,
    "expires_at" DATETIME NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "terminal_shares_terminal_id_fkey" FOREIGN KEY ("terminal_id") REFERENCES "sessions" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "terminal_shares_token_hash_key" ON "terminal_shares"("token_hash");

-- CreateIndex
CREATE INDEX "terminal_shares_terminal_id_idx" ON "terminal_shares"("terminal_id");
