import { z } from 'zod';
import { MAX_MONTHLY_BUDGET_USD, MAX_PRICE_PER_MILLION } from '../../shared/usage.js';

// The inputs of /api/prices, /api/usage and /api/budget (docs/api.md, "Usage and cost").

const perMillion = (name: string) =>
  z
    .number({ error: `${name} is US dollars per million tokens: a number from 0` })
    .min(0, { error: `${name} is US dollars per million tokens: a number from 0` })
    .max(MAX_PRICE_PER_MILLION, { error: `${name} is at most ${MAX_PRICE_PER_MILLION} dollars per million tokens` });

/** A model id or a prefix of ids, as runs name models (no "/": it is a path segment). */
export const priceModelParams = z.object({
  model: z
    .string()
    .trim()
    .max(200, { error: 'a model id is at most 200 characters' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { error: 'a model id or prefix such as claude-sonnet-4 (letters, digits, ".", "_", ":", "-")' }),
});

export const priceEditBody = z.strictObject({
  inputPerMillion: perMillion('inputPerMillion'),
  outputPerMillion: perMillion('outputPerMillion'),
  cacheReadPerMillion: perMillion('cacheReadPerMillion'),
  cacheWritePerMillion: perMillion('cacheWritePerMillion'),
  checkedOn: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'checkedOn is a day, YYYY-MM-DD' })
    .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day), { error: 'checkedOn is a day, YYYY-MM-DD' })
    .optional(),
});

export const usageQuery = z.object({
  days: z.coerce.number({ error: 'days is a whole number from 1 to 366' }).int({ error: 'days is a whole number from 1 to 366' }).min(1, { error: 'days is a whole number from 1 to 366' }).max(366, { error: 'days is a whole number from 1 to 366' }).default(31),
  months: z.coerce.number({ error: 'months is a whole number from 1 to 36' }).int({ error: 'months is a whole number from 1 to 36' }).min(1, { error: 'months is a whole number from 1 to 36' }).max(36, { error: 'months is a whole number from 1 to 36' }).default(12),
});

export const budgetBody = z.strictObject({
  monthlyUsd: z
    .number({ error: 'monthlyUsd is US dollars a month (more than 0), or null for no budget' })
    .positive({ error: 'monthlyUsd is US dollars a month (more than 0), or null for no budget' })
    .max(MAX_MONTHLY_BUDGET_USD, { error: `monthlyUsd is at most ${MAX_MONTHLY_BUDGET_USD}` })
    .nullable(),
  pauseQueue: z.boolean({ error: 'pauseQueue is true (reaching the budget holds queued runs) or false (it only warns)' }),
});
