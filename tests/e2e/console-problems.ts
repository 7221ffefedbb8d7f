// Which browser console messages the end-to-end tests treat as problems. Pure, so a unit test checks it.

/**
 * Timing notices the browser and xterm.js print when a task ran late: under load (two shared cores in
 * CI) they come and go with the machine, not with the app, so they would fail tests at random.
 * - xterm.js's idle task queue (src/common/TaskQueue.ts): "task queue exceeded allotted deadline by 23ms".
 * - Chromium's long-task violations: "[Violation] 'setTimeout' handler took 53ms",
 *   "[Violation] Forced reflow while executing JavaScript took 41ms".
 * Anything else, including other "[Violation]" advice, stays a problem.
 */
const TIMING_NOTICES = [/^task queue exceeded allotted deadline by \d+ms$/, /^\[Violation\] .+ took \d+ms$/];

/** True for a console message that only says the machine was slow (see TIMING_NOTICES). */
export function isTimingNotice(text: string): boolean {
  return TIMING_NOTICES.some((pattern) => pattern.test(text.trim()));
}

/** Whether a console message of this type and text fails a test: errors and warnings, except timing notices. */
export function isConsoleProblem(type: string, text: string): boolean {
  return (type === 'error' || type === 'warning') && !isTimingNotice(text);
}
