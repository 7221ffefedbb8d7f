-- Issue 19, "After a reboot": what each terminal was running when last looked at (every 30 s), so
-- that a terminal ended by a reboot can start again where it was, or resume its agent's conversation.
-- last_command is at most 1000 characters of the foreground command line; never the environment.
ALTER TABLE "sessions" ADD COLUMN "last_cwd" TEXT;
ALTER TABLE "sessions" ADD COLUMN "last_command" TEXT;
-- claude | codex, and the conversation id the agent's own session file names (never guessed).
ALTER TABLE "sessions" ADD COLUMN "agent" TEXT;
ALTER TABLE "sessions" ADD COLUMN "agent_session_id" TEXT;
-- The terminal started again in its place, if any (so "start all again" skips it).
ALTER TABLE "sessions" ADD COLUMN "restarted_as" TEXT;
