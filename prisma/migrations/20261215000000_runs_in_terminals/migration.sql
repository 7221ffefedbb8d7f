-- Issue 21 §1, runs that outlive the server: each attempt of an agent run is a terminal (a PTY of the
-- terminal host, when there is one); the run names it and how much of its output the transcript holds,
-- and the terminal names its run (such terminals are not shell tabs).
-- AlterTable
ALTER TABLE "agent_runs" ADD COLUMN "terminal_id" TEXT;
ALTER TABLE "agent_runs" ADD COLUMN "output_offset" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "sessions" ADD COLUMN "run_id" TEXT;
