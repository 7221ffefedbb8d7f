-- Issue 21 §1, the price table editable in Settings: the owner's prices, per model id, over the
-- shipped ones (src/features/runs/pricing.ts); a deleted row goes back to the shipped price.
-- CreateTable
CREATE TABLE "model_prices" (
    "model" TEXT NOT NULL PRIMARY KEY,
    "input_per_million" REAL NOT NULL,
    "output_per_million" REAL NOT NULL,
    "cache_read_per_million" REAL NOT NULL,
    "cache_write_per_million" REAL NOT NULL,
    "checked_on" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL
);
