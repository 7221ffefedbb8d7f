// Sizes and durations in the words operators read: readiness messages, and the web app's Operations
// screen (this module imports nothing, so the browser bundle can take it as it is).

const KiB = 1024;
const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 512 bytes, 3.4 MiB, 78.5 GiB: three significant figures at most, in binary units. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= KiB && unit < UNITS.length - 1) {
    value /= KiB;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} bytes`;
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${UNITS[unit]}`;
}

/** under a minute, 7 min, 3 h 12 min, 4 days. */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}
