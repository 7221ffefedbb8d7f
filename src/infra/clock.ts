/** Time as the app sees it. Tests pass a controllable clock to exercise expiry and schedules. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
