-- Issue 20: each terminal's secret (SHELLPORT_CREDENTIAL_SECRET: git credentials and agent hooks) is
-- recognized by its SHA-256, now kept on the terminal's row rather than in the server's memory, so
-- that terminals the terminal host kept running still work with the next server. Never the secret.
ALTER TABLE "sessions" ADD COLUMN "secret_digest" TEXT;

-- CreateIndex
CREATE INDEX "sessions_secret_digest_idx" ON "sessions"("secret_digest");
