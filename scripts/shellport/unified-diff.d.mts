// Types of unified-diff.mjs (plain JavaScript, so that the `shellport` command needs no build).
export function diffLines(a: string[], b: string[], maxCells?: number): { op: ' ' | '-' | '+'; line: string; a: number; b: number }[];
export function unifiedDiff(before: string, after: string, options?: { from?: string; to?: string; context?: number; maxChars?: number }): string;
