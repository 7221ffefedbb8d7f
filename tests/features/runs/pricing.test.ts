import { describe, expect, it } from 'vitest';
import { addUsage, costOf, DEFAULT_PRICES, findPrice, usageFromAnthropic, usageFromOpenAI, ZERO_USAGE, type ModelPrice } from '../../../src/features/runs/pricing.js';

const sonnet: ModelPrice = { model: 'claude-sonnet-4', inputPerMillion: 3, outputPerMillion: 15, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 1.25, checkedOn: '2025-11-24' };

describe('run pricing', () => {
  it('prices tokens with cache multipliers, figures computed by hand', () => {
    // 10 000 input × $3/M = $0.03; 2 000 output × $15/M = $0.03; 50 000 cache reads × $0.30/M = $0.015;
    // 4 000 cache writes × $3.75/M = $0.015. Total $0.09.
    expect(costOf({ input: 10_000, output: 2_000, cacheRead: 50_000, cacheWrite: 4_000 }, sonnet)).toBe(0.09);
    // One token of each: 3 + 15 + 0.3 + 3.75 = 22.05 millionths of a dollar, rounded to the millionth: $0.000022.
    expect(costOf({ input: 1, output: 1, cacheRead: 1, cacheWrite: 1 }, sonnet)).toBe(0.000022);
    expect(costOf(ZERO_USAGE, sonnet)).toBe(0);
    // GPT-5: 1 M input of which 400 k cached: 600 k × $1.25/M + 400 k × $0.125/M + 100 k output × $10/M = 0.75 + 0.05 + 1 = $1.80.
    const gpt5 = findPrice('gpt-5')!;
    expect(costOf(usageFromOpenAI({ input_tokens: 1_000_000, cached_input_tokens: 400_000, output_tokens: 100_000 }), gpt5)).toBe(1.8);
  });

  it('finds a model by its id or the longest prefix, never by a mere substring', () => {
    expect(findPrice('claude-sonnet-4-5-20250929')?.model).toBe('claude-sonnet-4');
    expect(findPrice('claude-opus-4-5-20251101')?.model).toBe('claude-opus-4-5');
    expect(findPrice('claude-opus-4-1-20250805')?.model).toBe('claude-opus-4');
    expect(findPrice('gpt-5-mini-2025-08-07')?.model).toBe('gpt-5-mini');
    expect(findPrice('gpt-5-codex')?.model).toBe('gpt-5');
    expect(findPrice('gpt-50')).toBeNull();
    expect(findPrice('my-local-model')).toBeNull();
    expect(DEFAULT_PRICES.every((price) => /^\d{4}-\d{2}-\d{2}$/.test(price.checkedOn))).toBe(true);
  });

  it('reads usage as each agent reports it, and ignores what is not a count', () => {
    expect(usageFromAnthropic({ input_tokens: 12, output_tokens: 340, cache_read_input_tokens: 20_000, cache_creation_input_tokens: 1_500 })).toEqual({ input: 12, output: 340, cacheRead: 20_000, cacheWrite: 1_500 });
    expect(usageFromOpenAI({ input_tokens: 900, input_tokens_details: { cached_tokens: 300 }, output_tokens: 50 })).toEqual({ input: 600, output: 50, cacheRead: 300, cacheWrite: 0 });
    expect(usageFromAnthropic({ input_tokens: -5, output_tokens: 'many', cache_read_input_tokens: Number.NaN })).toEqual(ZERO_USAGE);
    expect(usageFromOpenAI(null)).toEqual(ZERO_USAGE);
    expect(addUsage({ input: 1, output: 2, cacheRead: 3, cacheWrite: 4 }, { input: 10, output: 20, cacheRead: 30, cacheWrite: 40 })).toEqual({ input: 11, output: 22, cacheRead: 33, cacheWrite: 44 });
  });
});
