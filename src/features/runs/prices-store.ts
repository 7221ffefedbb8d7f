// The model price table as runs use it (issue 21 §1, "Usage and cost"): the shipped list prices
// (pricing.ts) with the owner's edits from Settings laid over them (the model_prices table). A reset
// deletes the edit: the shipped price applies again. Runs are priced with the table as it is when an
// attempt starts; a run's stored cost is never recomputed.
import type { ModelPrice as ModelPriceRow } from '../../generated/prisma/client.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import { notFound } from '../../http/errors.js';
import { utcDay, type PriceView } from '../../shared/usage.js';
import { cachePerMillion, DEFAULT_PRICES, type ModelPrice } from './pricing.js';

/** What the owner sets for one model (US dollars per million tokens). */
export interface PriceEdit {
  inputPerMillion: number;
  outputPerMillion: number;
  cacheReadPerMillion: number;
  cacheWritePerMillion: number;
  /** Defaults to today (UTC). */
  checkedOn?: string | undefined;
}

type PlainPrice = Omit<PriceView, 'source' | 'shipped'>;

/** Dollars per million to a billionth: 3 × 0.1 shows as 0.3, not 0.30000000000000004. */
const tidy = (value: number) => Math.round(value * 1e9) / 1e9;

function plainOfShipped(price: ModelPrice): PlainPrice {
  const cache = cachePerMillion(price);
  return { model: price.model, inputPerMillion: price.inputPerMillion, outputPerMillion: price.outputPerMillion, cacheReadPerMillion: tidy(cache.cacheRead), cacheWritePerMillion: tidy(cache.cacheWrite), checkedOn: price.checkedOn };
}

/** An edited row as pricing.ts reads it: its own cache prices; the multipliers are what they amount to. */
function priceOfRow(row: ModelPriceRow): ModelPrice {
  const ratio = (perMillion: number) => (row.inputPerMillion > 0 ? perMillion / row.inputPerMillion : 0);
  return {
    model: row.model,
    inputPerMillion: row.inputPerMillion,
    outputPerMillion: row.outputPerMillion,
    cacheReadPerMillion: row.cacheReadPerMillion,
    cacheWritePerMillion: row.cacheWritePerMillion,
    cacheReadMultiplier: ratio(row.cacheReadPerMillion),
    cacheWriteMultiplier: ratio(row.cacheWritePerMillion),
    checkedOn: row.checkedOn,
  };
}

export function createPriceStore({ db, clock, shipped = DEFAULT_PRICES }: { db: Database; clock: Clock; shipped?: readonly ModelPrice[] }) {
  /** The table runs are priced with: shipped prices, each replaced by the owner's where edited, plus models the owner added. */
  async function table(): Promise<ModelPrice[]> {
    const edits = new Map((await db.modelPrice.findMany()).map((row) => [row.model, priceOfRow(row)]));
    const merged = shipped.map((price) => edits.get(price.model) ?? price);
    for (const [model, price] of edits) if (!shipped.some((p) => p.model === model)) merged.push(price);
    return merged;
  }

  async function list(): Promise<PriceView[]> {
    const rows = new Map((await db.modelPrice.findMany({ orderBy: { model: 'asc' } })).map((row) => [row.model, row]));
    const views: PriceView[] = shipped.map((price) => {
      const row = rows.get(price.model);
      return row ? { ...plainOfShipped(priceOfRow(row)), source: 'edited', shipped: plainOfShipped(price) } : { ...plainOfShipped(price), source: 'shipped', shipped: null };
    });
    for (const [model, row] of rows) if (!shipped.some((p) => p.model === model)) views.push({ ...plainOfShipped(priceOfRow(row)), source: 'edited', shipped: null });
    return views;
  }

  async function viewOf(model: string): Promise<PriceView | null> {
    return (await list()).find((view) => view.model === model) ?? null;
  }

  return {
    table,
    list,
    /** Stores the owner's price for `model` (a shipped id, or a new id or prefix); runs started from now on use it. */
    async set(model: string, edit: PriceEdit): Promise<PriceView> {
      const data = {
        inputPerMillion: edit.inputPerMillion,
        outputPerMillion: edit.outputPerMillion,
        cacheReadPerMillion: edit.cacheReadPerMillion,
        cacheWritePerMillion: edit.cacheWritePerMillion,
        checkedOn: edit.checkedOn ?? utcDay(clock.now()),
        updatedAt: clock.now(),
      };
      await db.modelPrice.upsert({ where: { model }, create: { model, ...data }, update: data });
      return (await viewOf(model))!;
    },
    /** Back to the shipped price (null: the model was not shipped, and is gone from the table). */
    async reset(model: string): Promise<PriceView | null> {
      const deleted = await db.modelPrice.deleteMany({ where: { model } });
      const view = await viewOf(model);
      if (deleted.count === 0 && !view) throw notFound(`No price for ${model}: GET /api/prices lists the table.`);
      return view;
    },
  };
}

export type PriceStore = ReturnType<typeof createPriceStore>;
