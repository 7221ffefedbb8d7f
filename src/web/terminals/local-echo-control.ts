// The terminals screen's side of predictive local echo, without a DOM: measures the round trip with
// `terminal:ping` while connected, keeps this device's mode (local-echo-setting.ts), and says when
// either changes so the screen can switch its terminals and update the connection indicator.
import type { KeyValueStorage } from './font-size.js';
import {
  FIRST_PINGS_INTERVAL_MS,
  isLocalEchoOn,
  localEchoMode,
  MIN_SAMPLES,
  nextLocalEchoMode,
  PING_INTERVAL_MS,
  rememberLocalEchoMode,
  RoundTripMeter,
  type LocalEchoMode,
} from './local-echo-setting.js';

export interface LocalEchoControlDeps {
  /** Sends terminal:ping and resolves once answered: true when the server answered it (an older one does not know it). */
  ping(): Promise<boolean>;
  storage: KeyValueStorage | null;
  now(): number;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export class LocalEchoControl {
  mode: LocalEchoMode;
  private readonly meter = new RoundTripMeter();
  private interval: unknown = null;
  private ticks = 0;
  private measuring = false;
  private disposed = false;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: LocalEchoControlDeps) {
    this.mode = localEchoMode(deps.storage);
  }

  /** The measured round trip in milliseconds, or null before the first answer. */
  get roundTrip(): number | null {
    return this.meter.estimate;
  }

  /** Whether terminals guess now. */
  get isOn(): boolean {
    return isLocalEchoOn(this.mode, this.roundTrip);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** auto → on → off → auto, kept on this device. */
  cycleMode(): void {
    this.mode = nextLocalEchoMode(this.mode);
    rememberLocalEchoMode(this.deps.storage, this.mode);
    this.changed();
  }

  /**
   * Measures now, a second apart until there is an estimate, then every PING_INTERVAL_MS while
   * connected; a new connection starts a new estimate.
   */
  setConnected(connected: boolean): void {
    if (this.disposed) return;
    if (!connected) {
      if (this.interval !== null) this.deps.clearInterval(this.interval);
      this.interval = null;
      return;
    }
    if (this.interval !== null) return;
    this.meter.clear();
    this.ticks = 0;
    this.interval = this.deps.setInterval(() => {
      this.ticks++;
      if (this.meter.count < MIN_SAMPLES || (this.ticks * FIRST_PINGS_INTERVAL_MS) % PING_INTERVAL_MS === 0) void this.measure();
    }, FIRST_PINGS_INTERVAL_MS);
    void this.measure();
  }

  dispose(): void {
    this.disposed = true;
    this.setConnected(false);
    this.listeners.clear();
  }

  private async measure(): Promise<void> {
    if (this.measuring) return;
    this.measuring = true;
    const started = this.deps.now();
    try {
      const answered = await this.deps.ping().catch(() => false);
      if (!answered || this.disposed || this.interval === null) return;
      this.meter.add(this.deps.now() - started);
      this.changed();
    } finally {
      this.measuring = false;
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
