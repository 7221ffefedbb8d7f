// What the tabs, the page title and the favicon say of each terminal's activity (issue 20). DOM-free:
// the server decides the activity from live output (never from a replay); the app only shows it.
import type { TerminalActivity, TerminalActivityState } from '../../shared/terminals.js';

/** Each state in words (never colour alone): the tab's badge text and its accessible description. */
export const ACTIVITY_TEXT: Record<TerminalActivityState, string> = {
  idle: '',
  working: 'Working',
  waiting: 'Waiting for input',
  approval: 'Needs approval',
  finished: 'Finished',
  failed: 'Failed',
};

/** A one-character sign beside the tab's name, with the colour: the state at a glance. */
export const ACTIVITY_GLYPH: Record<TerminalActivityState, string> = {
  idle: '',
  working: '⋯',
  waiting: '!',
  approval: '?',
  finished: '✓',
  failed: '✗',
};

/** The full sentence of an activity ("Failed with exit code 2", "Waiting for input: Build done"), or '' when there is nothing to say. */
export function describeActivity(activity: TerminalActivity | null | undefined): string {
  if (!activity || activity.state === 'idle') return '';
  const words = ACTIVITY_TEXT[activity.state];
  if (activity.state === 'finished' || activity.state === 'failed') {
    const code = activity.exitCode === null || activity.exitCode === undefined ? '' : ` with exit code ${activity.exitCode}`;
    return `${words}${code}${activity.longCommand ? ' (long command)' : ''}`;
  }
  return activity.message ? `${words}: ${activity.message}` : words;
}

/** How many terminals want the owner. */
export function countNeedingYou(activities: Iterable<TerminalActivity | null | undefined>): number {
  let count = 0;
  for (const activity of activities) if (activity?.needsYou) count++;
  return count;
}

/** The page title with the count in front, as mail and chat apps do: "(2) bash · Shellport". */
export function titleWithCount(title: string, count: number): string {
  return count > 0 ? `(${count}) ${title}` : title;
}

/** A favicon with a badge: the app's icon under a red disc holding the count (9+ above nine). */
export function badgedFaviconUrl(count: number): string {
  const text = count > 9 ? '9+' : String(count);
  const body =
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
    `<rect width="32" height="32" rx="6" fill="#0d1117"/><path d="M8 10l6 6-6 6" stroke="#3fb950" stroke-width="3" fill="none" stroke-linecap="round" stroke-linejoin="round"/><path d="M16 22h8" stroke="#c9d1d9" stroke-width="3" stroke-linecap="round"/>` +
    `<circle cx="23" cy="9" r="9" fill="#d20f39"/>` +
    `<text x="23" y="13" font-family="sans-serif" font-size="${text.length > 1 ? 10 : 13}" font-weight="bold" fill="#fff" text-anchor="middle">${text}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(body)}`;
}
