-- Issue 20 §2, Web Push: the browsers subscribed to pushes, and the server's VAPID key pair.
-- The endpoint URL is a capability (anyone holding it may try to push): the API never shows it.
-- CreateTable
CREATE TABLE "push_devices" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "p256dh" TEXT NOT NULL,
    "auth" TEXT NOT NULL,
    "preferences" TEXT NOT NULL DEFAULT '{}',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_sent_at" DATETIME,
    "last_error" TEXT
);

-- The private key is vault ciphertext (src/infra/vault.ts, ENCRYPTED_COLUMNS).
-- CreateTable
CREATE TABLE "push_keys" (
    "id" TEXT NOT NULL PRIMARY KEY DEFAULT 'vapid',
    "public_key" TEXT NOT NULL,
    "private_key" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "push_devices_endpoint_key" ON "push_devices"("endpoint");
