// Keeps xterm.js from answering a program's queries unless this client may (stream-roles.ts). Each
// hook runs before xterm's own handler for the sequence: returning true swallows the query, so no
// answer is typed into the program; returning false lets xterm answer as usual. Works on the
// browser's Terminal and on @xterm/headless alike (the tests use the latter).

interface Disposable {
  dispose(): void;
}
type Params = (number | number[])[];
interface FunctionIdentifier {
  prefix?: string;
  intermediates?: string;
  final: string;
}
interface ParserHooks {
  registerCsiHandler(id: FunctionIdentifier, callback: (params: Params) => boolean): Disposable;
  registerOscHandler(ident: number, callback: (data: string) => boolean): Disposable;
  registerDcsHandler(id: FunctionIdentifier, callback: (data: string, params: Params) => boolean): Disposable;
}

/** Queries xterm answers with a CSI report: DA1, DA2, DSR/CPR, DECDSR, DECRQM (ANSI and private). */
const CSI_QUERIES: FunctionIdentifier[] = [
  { final: 'c' },
  { prefix: '>', final: 'c' },
  { prefix: '=', final: 'c' },
  { final: 'n' },
  { prefix: '?', final: 'n' },
  { intermediates: '$', final: 'p' },
  { prefix: '?', intermediates: '$', final: 'p' },
  { prefix: '>', final: 'q' },
];
/** Window operations (CSI Ps t) that report sizes or state rather than change something. */
const WINDOW_REPORTS = new Set([11, 13, 14, 15, 16, 18, 19, 20, 21]);
/** Colour queries: OSC 4 (palette), 10/11/12 (foreground, background, cursor) and 17/19 (selection) with `?`. */
const OSC_COLOUR_QUERIES = [4, 10, 11, 12, 17, 19];

/**
 * Swallows every query while `mayAnswer()` is false. Disposing removes the hooks.
 * (A set-and-query OSC such as `11;#000;?` is swallowed whole: losing a colour change in old output
 * is better than typing an answer into a program that never asked.)
 */
export function gateQueryAnswers(parser: ParserHooks, mayAnswer: () => boolean): Disposable {
  const hooks: Disposable[] = [];
  const hold = () => !mayAnswer();
  for (const id of CSI_QUERIES) hooks.push(parser.registerCsiHandler(id, hold));
  hooks.push(parser.registerCsiHandler({ final: 't' }, (params) => WINDOW_REPORTS.has(firstParam(params)) && hold()));
  for (const ident of OSC_COLOUR_QUERIES) hooks.push(parser.registerOscHandler(ident, (data) => data.includes('?') && hold()));
  hooks.push(parser.registerDcsHandler({ intermediates: '$', final: 'q' }, hold));
  return { dispose: () => hooks.splice(0).forEach((hook) => hook.dispose()) };
}

function firstParam(params: Params): number {
  const first = params[0];
  return Array.isArray(first) ? (first[0] ?? 0) : (first ?? 0);
}

/** Focus reports (DECSET 1004) xterm sends when the terminal gains or loses the focus. */
export function isFocusReport(data: string): boolean {
  return data === '\x1b[I' || data === '\x1b[O';
}
