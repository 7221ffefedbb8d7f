-- Issue 21 §1, agent runs in git worktrees: a run may work in a worktree of its own, on a new branch,
-- outside the workspace's tree (DATA_DIR/worktrees); the path is cleared once the worktree is removed.
-- AlterTable
ALTER TABLE "agent_runs" ADD COLUMN "in_worktree" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "agent_runs" ADD COLUMN "worktree_path" TEXT;
ALTER TABLE "agent_runs" ADD COLUMN "branch" TEXT;
ALTER TABLE "agent_runs" ADD COLUMN "base_commit" TEXT;
