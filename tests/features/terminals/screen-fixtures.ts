// Byte streams that reproduce what common programs write to a terminal, for the screen mirror's
// tests (tests/features/terminals/screen-mirror.test.ts in Node, tests/e2e/screen-snapshot.test.ts in
// Chromium). Each is `chunks` (written one by one, as the PTY delivers them) then `continuation`:
// output after the snapshot, written both to the uninterrupted terminal and to the restored one, so
// the state a snapshot does not show (scroll region, pending wrap, attributes, modes) is compared too.

export interface ScreenCase {
  name: string;
  cols: number;
  rows: number;
  chunks: (string | Uint8Array)[];
  continuation: string;
}

const CSI = '\x1b[';
const lines = (count: number, make: (i: number) => string) => Array.from({ length: count }, (_, i) => make(i)).join('');

/** Shell output: ls colours, 16/256/truecolour, attributes, and a prompt, with scrollback. */
const COLOURS: ScreenCase = {
  name: 'plain lines and colours (16, 256, truecolour)',
  cols: 80,
  rows: 24,
  chunks: [
    lines(30, (i) => `line ${i}: plain text\r\n`),
    `${CSI}0m${CSI}01;34mdirectory${CSI}0m  ${CSI}01;32mscript.sh${CSI}0m  ${CSI}01;36mlink${CSI}0m  README.md\r\n`,
    lines(16, (i) => `${CSI}38;5;${i * 16 + 1}m256-${i * 16 + 1}${CSI}48;5;${255 - i}m bg ${CSI}0m `) + '\r\n',
    `${CSI}38;2;255;128;0mtruecolour fg${CSI}0m ${CSI}48;2;0;64;128mtruecolour bg${CSI}0m ${CSI}38;2;1;2;3;48;2;250;251;252mboth${CSI}0m\r\n`,
    `${CSI}1mbold${CSI}22m ${CSI}3mitalic${CSI}23m ${CSI}4munderline${CSI}24m ${CSI}7minverse${CSI}27m ${CSI}2mdim${CSI}22m ${CSI}9mstrike${CSI}29m ${CSI}1;3;4;7;31;42mall${CSI}0m\r\n`,
    `${CSI}44m${CSI}K${CSI}0m\r\n`, // a line coloured to its end by an erase (background colour erase)
    `${CSI}01;32muser@host${CSI}00m:${CSI}01;34m~/src${CSI}00m$ `,
  ],
  continuation: `ls\r\nfile${CSI}31mred\r\n`,
};

/** Line editing: the cursor moved back into a command line; then a character inserted there. */
const MID_LINE: ScreenCase = {
  name: 'a cursor in the middle of a line',
  cols: 60,
  rows: 10,
  chunks: ['$ echo one\r\none\r\n$ ', 'echo hello world', `${CSI}5D`],
  continuation: `${CSI}1@X${CSI}C!`,
};

/** xterm.js #6165: a full-width row with the cursor put back on its last cell. */
const FULL_ROW: ScreenCase = {
  name: 'a full-width row with the cursor on its last cell',
  cols: 20,
  rows: 5,
  chunks: ['first\r\n', 'x'.repeat(20), `${CSI}20G`],
  continuation: 'Z\r\nnext',
};

/** A progress bar that filled its row: the cursor waits to wrap. */
const PENDING_WRAP: ScreenCase = {
  name: 'a cursor waiting to wrap after the last column',
  cols: 20,
  rows: 5,
  chunks: ['progress\r\n', `${CSI}32m${'#'.repeat(19)}`, `${CSI}1m=`],
  continuation: 'wrapped',
};

/** CJK, emoji and combining characters, one wide character pushed to the next row. */
const WIDE: ScreenCase = {
  name: 'wide characters (CJK) and emoji',
  cols: 30,
  rows: 8,
  chunks: [
    '日本語のテキスト and ascii\r\n',
    'emoji 😀 🎉 ✅ 👍🏽 done\r\n',
    'combining: e\u0301 a\u0308 n\u0303\r\n',
    `${'a'.repeat(29)}漢字\r\n`, // the wide character does not fit in the last column: it wraps
    `${CSI}33m中文${CSI}0m 混在 mixed 😀`,
  ],
  continuation: '字\r\n終',
};

/** vim: alternate screen, application cursor keys, bracketed paste, ~ lines, a reverse status line. */
const VIM: ScreenCase = {
  name: 'vim-like alternate screen with a status line',
  cols: 80,
  rows: 24,
  chunks: [
    'before vim\r\n$ vim notes.txt\r\n',
    `${CSI}?1049h${CSI}22;0;0t${CSI}>4;2m${CSI}?1h\x1b=${CSI}H${CSI}2J${CSI}?2004h${CSI}?1004h${CSI}?25l`,
    `${CSI}1;1H${CSI}38;5;130m  1 ${CSI}mThe first line\r\n${CSI}38;5;130m  2 ${CSI}m${CSI}1;34m# a heading${CSI}m\r\n${CSI}38;5;130m  3 ${CSI}m`,
    lines(19, (i) => `${CSI}${i + 4};1H${CSI}94m~${CSI}m`),
    `${CSI}23;1H${CSI}7mnotes.txt [+]                                                 3,5            All${CSI}m`,
    // vim leaves the status line's attributes set while it moves the cursor back.
    `${CSI}24;1H-- INSERT --${CSI}7m${CSI}2;7H${CSI}?12h${CSI}?25h`,
  ],
  continuation: `${CSI}27mx${CSI}?25l${CSI}23;60H3,6${CSI}2;8H${CSI}?25h`,
};

/** less: alternate screen, keypad mode, a reverse-video prompt at the bottom. */
const LESS: ScreenCase = {
  name: 'less-like pager with a reverse-video prompt',
  cols: 80,
  rows: 24,
  chunks: [
    '$ less README.md\r\n',
    `${CSI}?1049h${CSI}22;0;0t${CSI}?1h\x1b=\r`,
    lines(23, (i) => `${i === 0 ? `${CSI}1m# Shellport${CSI}0m` : `paragraph line ${i} with some words`}\r\n`),
    `${CSI}7mREADME.md lines 1-23/120 19%${CSI}27m${CSI}K`,
  ],
  continuation: `\r${CSI}K${CSI}Hpage two\r\n${CSI}24;1H${CSI}7m(END)${CSI}27m${CSI}K`,
};

/** top: alternate screen, hidden cursor, absolute positioning, a scroll region for the process list, repaints. */
function topFrame(tick: number): string {
  const rows = lines(16, (i) => `${CSI}${i + 8};1H${String(1000 + i * 7 + tick).padStart(7)} user      20   0  ${(i * 311 + tick * 17) % 9999}m ${CSI}1m${((i * 13 + tick) % 100).toFixed(1).padStart(5)}${CSI}m  command-${i}${CSI}K`);
  return (
    `${CSI}H${CSI}1mtop - 12:0${tick}:00 up 3 days,  1 user,  load average: 0.${tick}0, 0.20, 0.10${CSI}m${CSI}K\r\n` +
    `Tasks: ${120 + tick} total,   1 running${CSI}K\r\n%Cpu(s):  ${tick}.0 us,  1.0 sy${CSI}K\r\n` +
    `MiB Mem :  15890.1 total${CSI}K\r\nMiB Swap:   2048.0 total${CSI}K\r\n${CSI}K\r\n` +
    `${CSI}7m    PID USER      PR  NI    VIRT  %CPU  COMMAND                                      ${CSI}m\r\n` +
    rows +
    `${CSI}J`
  );
}
const TOP: ScreenCase = {
  name: 'top-like full repaint with absolute positioning and a scroll region',
  cols: 80,
  rows: 24,
  chunks: [
    `${CSI}?1049h${CSI}?1h\x1b=${CSI}?25l${CSI}H${CSI}2J`,
    topFrame(1),
    topFrame(2),
    // The process list scrolls inside rows 8–24 only.
    `${CSI}8;24r${CSI}24;1H\n${CSI}24;1H   2001 root      20   0  1m   0.5  kworker${CSI}K`,
    `${CSI}1;1H${CSI}1mtop - 12:03:00${CSI}m`,
  ],
  continuation: `${CSI}24;1H\n${CSI}24;1H   2002 root      new row${CSI}K${CSI}24;1H\nlast`,
};

/** Claude Code / Ink: output scrolls above a footer that is erased and redrawn in place each time. */
function footer(status: string): string {
  return (
    `${CSI}2m╭${'─'.repeat(58)}╮${CSI}22m\r\n` +
    `${CSI}2m│${CSI}22m > ${' '.repeat(55)}${CSI}2m│${CSI}22m\r\n` +
    `${CSI}2m╰${'─'.repeat(58)}╯${CSI}22m\r\n` +
    `  ${CSI}38;2;153;153;153m${status}${CSI}39m`
  );
}
const ERASE_FOOTER = `${CSI}2K${CSI}1A${CSI}2K${CSI}1A${CSI}2K${CSI}1A${CSI}2K${CSI}G`;
const FOOTER: ScreenCase = {
  name: 'a TUI that redraws a footer in place below scrolling output',
  cols: 60,
  rows: 15,
  chunks: [
    `${CSI}?2004h${CSI}?1004h${CSI}?25l`,
    footer('? for shortcuts'),
    ...Array.from({ length: 14 }, (_, i) =>
      `${ERASE_FOOTER}${CSI}38;2;215;119;87m●${CSI}39m Step ${i}: ${'output '.repeat(i % 9)}\r\n  ⎿  ${CSI}2mresult ${i}${CSI}22m\r\n` + footer(`✻ Working… (${i}s · esc to interrupt)`),
    ),
    // The cursor parked on the input line, shown.
    `${CSI}2A${CSI}5G${CSI}?25h`,
  ],
  continuation: `hi${CSI}?25l${CSI}2B\r${ERASE_FOOTER}● Done\r\n${footer('? for shortcuts')}${CSI}2A${CSI}5G${CSI}?25h`,
};

/** A snapshot taken in the alternate screen, then the program leaves it: the shell and its scrollback come back. */
const LEAVE_ALT: ScreenCase = {
  name: 'leaving the alternate screen back to the normal one, scrollback intact',
  cols: 50,
  rows: 12,
  chunks: [
    lines(40, (i) => `${CSI}3${i % 8}mscrollback ${i}${CSI}0m\r\n`),
    '$ htop',
    `${CSI}?1049h${CSI}H${CSI}2J${CSI}?1000h${CSI}?1006h${CSI}44m${CSI}2J${CSI}1;1Hfull-screen program${CSI}5;10H${CSI}1;33mbusy`,
  ],
  continuation: `${CSI}m${CSI}?1006l${CSI}?1000l${CSI}?1049l\r\n$ echo back\r\nback\r\n$ `,
};

/** UTF-8 split at every byte boundary. */
const SPLIT_TEXT = 'héllo wörld 日本語 😀 ✅ ünïcödé\r\nkeep going ▶ ∑ 漢\r\n';
const SPLIT: ScreenCase = {
  name: 'UTF-8 sequences split across writes',
  cols: 40,
  rows: 6,
  chunks: [...Buffer.from(SPLIT_TEXT)].map((byte) => Uint8Array.of(byte)),
  continuation: '🎉 end',
};

export const SCREEN_CASES: readonly ScreenCase[] = [COLOURS, MID_LINE, FULL_ROW, PENDING_WRAP, WIDE, VIM, LESS, TOP, FOOTER, LEAVE_ALT, SPLIT];
