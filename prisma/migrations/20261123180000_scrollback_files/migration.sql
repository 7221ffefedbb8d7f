-- Terminal output moved to segment files under SCROLLBACK_DIR (src/features/terminals/scrollback-files.ts).
-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "session_outputs";
PRAGMA foreign_keys=on;
