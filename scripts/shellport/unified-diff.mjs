// A line diff in the unified format (`diff -u`), for people to read: what `shellport hooks install`
// would change in an agent's settings, and what an agent asks to write (approvals, issue 20). Plain
// JavaScript with no dependencies: the `shellport` command in terminals runs it with no node_modules,
// and the server imports the same file. An LCS over the lines that differ (after the common head and
// tail), bounded: past `maxCells` the middle is shown as removed then added.

/** @param {string} text */
function splitLines(text) {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

/**
 * The edit script between two lists of lines: ' ' kept, '-' removed, '+' added, in order.
 * @param {string[]} a
 * @param {string[]} b
 * @param {number} maxCells
 * @returns {{ op: ' ' | '-' | '+'; line: string; a: number; b: number }[]}
 */
export function diffLines(a, b, maxCells = 4_000_000) {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  /** @type {{ op: ' ' | '-' | '+'; line: string; a: number; b: number }[]} */
  const ops = [];
  for (let i = 0; i < head; i++) ops.push({ op: ' ', line: a[i], a: i, b: i });
  const n = midA.length;
  const m = midB.length;
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= maxCells) {
    // lengths[i * (m + 1) + j]: the LCS of midA[i..] and midB[j..].
    const width = m + 1;
    const lengths = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i * width + j] = midA[i] === midB[j] ? lengths[(i + 1) * width + j + 1] + 1 : Math.max(lengths[(i + 1) * width + j], lengths[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        ops.push({ op: ' ', line: midA[i], a: head + i, b: head + j });
        i++;
        j++;
      } else if (i < n && (j === m || lengths[(i + 1) * width + j] >= lengths[i * width + j + 1])) {
        // Removals before additions, as diff -u shows them.
        ops.push({ op: '-', line: midA[i], a: head + i, b: head + j });
        i++;
      } else {
        ops.push({ op: '+', line: midB[j], a: head + i, b: head + j });
        j++;
      }
    }
  } else {
    for (let i = 0; i < n; i++) ops.push({ op: '-', line: midA[i], a: head + i, b: head + m });
    for (let j = 0; j < m; j++) ops.push({ op: '+', line: midB[j], a: head + n, b: head + j });
  }
  for (let k = 0; k < tail; k++) ops.push({ op: ' ', line: a[a.length - tail + k], a: a.length - tail + k, b: b.length - tail + k });
  return ops;
}

/**
 * `before` → `after` as a unified diff with `context` lines around each change, headed
 * `--- <from>` / `+++ <to>`; '' when they are the same. Longer than `maxChars`: cut at a line
 * boundary, with a last line saying so.
 * @param {string} before
 * @param {string} after
 * @param {{ from?: string; to?: string; context?: number; maxChars?: number }} [options]
 * @returns {string}
 */
export function unifiedDiff(before, after, options = {}) {
  if (before === after) return '';
  const { from = 'before', to = 'after', context = 3, maxChars = Infinity } = options;
  const left = splitLines(before);
  const right = splitLines(after);
  const ops = diffLines(left.lines, right.lines);
  // The missing final newline is a difference of its own, on the last line of either side.
  const marks = new Map();
  if (!left.finalNewline && left.lines.length > 0) marks.set(`-${left.lines.length - 1}`, true);
  if (!right.finalNewline && right.lines.length > 0) marks.set(`+${right.lines.length - 1}`, true);
  if (left.finalNewline !== right.finalNewline) {
    // The last lines look alike but are not: show them as removed and added.
    for (const op of ops) {
      if (op.op === ' ' && op.a === left.lines.length - 1 && op.b === right.lines.length - 1) {
        const index = ops.indexOf(op);
        ops.splice(index, 1, { op: '-', line: op.line, a: op.a, b: op.b }, { op: '+', line: op.line, a: op.a + 1, b: op.b });
        break;
      }
    }
  }
  const changed = ops.map((op, index) => (op.op === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return '';
  /** @type {[number, number][]} */
  const hunks = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(ops.length - 1, index + context);
    const last = hunks.at(-1);
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end);
    else hunks.push([start, end]);
  }
  const out = [`--- ${from}`, `+++ ${to}`];
  for (const [start, end] of hunks) {
    const slice = ops.slice(start, end + 1);
    const aLines = slice.filter((op) => op.op !== '+');
    const bLines = slice.filter((op) => op.op !== '-');
    const aStart = aLines.length > 0 ? aLines[0].a + 1 : slice[0].a;
    const bStart = bLines.length > 0 ? bLines[0].b + 1 : slice[0].b;
    out.push(`@@ -${aStart},${aLines.length} +${bStart},${bLines.length} @@`);
    for (const op of slice) {
      out.push(`${op.op}${op.line}`);
      const key = op.op === '+' ? `+${op.b}` : op.op === '-' ? `-${op.a}` : null;
      const noNewline = key ? marks.get(key) : (op.a === left.lines.length - 1 && !left.finalNewline) || (op.b === right.lines.length - 1 && !right.finalNewline);
      if (noNewline) out.push('\\ No newline at end of file');
    }
  }
  let text = `${out.join('\n')}\n`;
  if (text.length > maxChars) {
    const cut = text.lastIndexOf('\n', maxChars - 60);
    text = `${text.slice(0, cut + 1)}… (the diff goes on: ${Math.ceil(text.length / 1024)} KiB in all)\n`;
  }
  return text;
}
