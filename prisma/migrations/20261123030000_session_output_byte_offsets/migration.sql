-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_session_outputs" (
    "session_id" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "data" BLOB NOT NULL,

    PRIMARY KEY ("session_id", "seq"),
    CONSTRAINT "session_outputs_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_session_outputs" ("created_at", "data", "seq", "session_id") SELECT "created_at", "data", "seq", "session_id" FROM "session_outputs";
DROP TABLE "session_outputs";
ALTER TABLE "new_session_outputs" RENAME TO "session_outputs";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
