-- The theme follows the device's light or dark preference unless the owner chose one.
-- A column default cannot be altered in SQLite: the table is rebuilt, keeping every row as it is.
-- RedefineTables
CREATE TABLE "new_settings" (
    "id" TEXT NOT NULL PRIMARY KEY DEFAULT 'singleton',
    "github_user_id" INTEGER,
    "github_login" TEXT,
    "github_name" TEXT,
    "github_avatar_url" TEXT,
    "github_access_token" TEXT,
    "github_refresh_token" TEXT,
    "github_token_expires_at" DATETIME,
    "github_refresh_token_expires_at" DATETIME,
    "theme" TEXT NOT NULL DEFAULT 'system',
    "preferences" TEXT NOT NULL DEFAULT '{}',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);
INSERT INTO "new_settings" ("id", "github_user_id", "github_login", "github_name", "github_avatar_url", "github_access_token", "github_refresh_token", "github_token_expires_at", "github_refresh_token_expires_at", "theme", "preferences", "created_at", "updated_at")
SELECT "id", "github_user_id", "github_login", "github_name", "github_avatar_url", "github_access_token", "github_refresh_token", "github_token_expires_at", "github_refresh_token_expires_at", "theme", "preferences", "created_at", "updated_at" FROM "settings";
DROP TABLE "settings";
ALTER TABLE "new_settings" RENAME TO "settings";
