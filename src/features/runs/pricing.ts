// What an agent run costs (issue 21 §1, "Usage and cost"): tokens as the agent reports them, priced
// from a table of per-million-token list prices with cache multipliers. Pure: the table is data
// (the owner's edits from Settings are laid over it by prices-store.ts); every price says when it was last checked against the vendor's page.

export interface TokenUsage {
  /** Input tokens billed at the full input price (not read from or written to a cache). */
  input: number;
  output: number;
  /** Input tokens read from the prompt cache. */
  cacheRead: number;
  /** Input tokens written to the prompt cache. */
  cacheWrite: number;
}

export interface ModelPrice {
  /** The model id, or a prefix of ids (`claude-sonnet-4` prices `claude-sonnet-4-5-20250929`). */
  model: string;
  /** US dollars per million tokens. */
  inputPerMillion: number;
  outputPerMillion: number;
  /** Multipliers of the input price for cache reads and cache writes. */
  cacheReadMultiplier: number;
  cacheWriteMultiplier: number;
  /** An owner's prices per million cache tokens (Settings); when set they replace the multipliers. */
  cacheReadPerMillion?: number;
  cacheWritePerMillion?: number;
  /** The day this price was last compared with the vendor's price list (YYYY-MM-DD). */
  checkedOn: string;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

/**
 * List prices as published by Anthropic and OpenAI when last checked. Anthropic: cache reads cost
 * 0.1× input, 5-minute cache writes 1.25×. OpenAI: cached input 0.1× (GPT-5 family), no write charge.
 * Longer ids first where one is a prefix of another (lookup takes the longest matching prefix anyway).
 */
export const DEFAULT_PRICES: readonly ModelPrice[] = Object.freeze([
  { model: 'claude-opus-4-5', inputPerMillion: 5, outputPerMillion: 25, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 1.25, checkedOn: '2025-11-24' },
  { model: 'claude-opus-4', inputPerMillion: 15, outputPerMillion: 75, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 1.25, checkedOn: '2025-11-24' },
  { model: 'claude-sonnet-4', inputPerMillion: 3, outputPerMillion: 15, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 1.25, checkedOn: '2025-11-24' },
  { model: 'claude-3-7-sonnet', inputPerMillion: 3, outputPerMillion: 15, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 1.25, checkedOn: '2025-11-24' },
  { model: 'claude-haiku-4-5', inputPerMillion: 1, outputPerMillion: 5, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 1.25, checkedOn: '2025-11-24' },
  { model: 'claude-3-5-haiku', inputPerMillion: 0.8, outputPerMillion: 4, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 1.25, checkedOn: '2025-11-24' },
  { model: 'gpt-5-mini', inputPerMillion: 0.25, outputPerMillion: 2, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 0, checkedOn: '2025-11-24' },
  { model: 'gpt-5-nano', inputPerMillion: 0.05, outputPerMillion: 0.4, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 0, checkedOn: '2025-11-24' },
  { model: 'gpt-5', inputPerMillion: 1.25, outputPerMillion: 10, cacheReadMultiplier: 0.1, cacheWriteMultiplier: 0, checkedOn: '2025-11-24' },
]);

/** The price of `model`: an exact id, else the longest prefix in the table followed by `-`; null when unknown. */
export function findPrice(model: string, prices: readonly ModelPrice[] = DEFAULT_PRICES): ModelPrice | null {
  let best: ModelPrice | null = null;
  for (const price of prices) {
    const matches = model === price.model || model.startsWith(`${price.model}-`);
    if (matches && (!best || price.model.length > best.model.length)) best = price;
  }
  return best;
}

/** US dollars for `usage` at `price`, rounded to a millionth of a dollar. */
export function costOf(usage: TokenUsage, price: ModelPrice): number {
  const { cacheRead, cacheWrite } = cachePerMillion(price);
  const dollars = (usage.input * price.inputPerMillion + usage.cacheRead * cacheRead + usage.cacheWrite * cacheWrite + usage.output * price.outputPerMillion) / 1_000_000;
  return Math.round(dollars * 1_000_000) / 1_000_000;
}

/** The cache prices per million tokens: the owner's, else the input price times the multipliers. */
export function cachePerMillion(price: ModelPrice): { cacheRead: number; cacheWrite: number } {
  return {
    cacheRead: price.cacheReadPerMillion ?? price.inputPerMillion * price.cacheReadMultiplier,
    cacheWrite: price.cacheWritePerMillion ?? price.inputPerMillion * price.cacheWriteMultiplier,
  };
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return { input: a.input + b.input, output: a.output + b.output, cacheRead: a.cacheRead + b.cacheRead, cacheWrite: a.cacheWrite + b.cacheWrite };
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);

/**
 * Claude Code's `usage` (the Messages API's): `input_tokens` leaves out cached tokens, which come as
 * `cache_read_input_tokens` and `cache_creation_input_tokens`.
 */
export function usageFromAnthropic(usage: unknown): TokenUsage {
  const u = (usage ?? {}) as Record<string, unknown>;
  return { input: count(u.input_tokens), output: count(u.output_tokens), cacheRead: count(u.cache_read_input_tokens), cacheWrite: count(u.cache_creation_input_tokens) };
}

/** Codex's / the Responses API's `usage`: `input_tokens` includes `cached_input_tokens` (or `input_tokens_details.cached_tokens`). */
export function usageFromOpenAI(usage: unknown): TokenUsage {
  const u = (usage ?? {}) as Record<string, unknown>;
  const details = (u.input_tokens_details ?? {}) as Record<string, unknown>;
  const cached = Math.min(count(u.cached_input_tokens ?? details.cached_tokens), count(u.input_tokens));
  return { input: count(u.input_tokens) - cached, output: count(u.output_tokens), cacheRead: cached, cacheWrite: 0 };
}
