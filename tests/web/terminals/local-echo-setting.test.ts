// Predictive local echo's setting per device (auto, on, off) and the round trip that `auto` follows.
import { describe, expect, it } from 'vitest';
import type { KeyValueStorage } from '../../../src/web/terminals/font-size.js';
import { LocalEchoControl } from '../../../src/web/terminals/local-echo-control.js';
import {
  AUTO_THRESHOLD_MS,
  describeRoundTrip,
  isLocalEchoOn,
  localEchoMode,
  nextLocalEchoMode,
  FIRST_PINGS_INTERVAL_MS,
  PING_INTERVAL_MS,
  rememberLocalEchoMode,
  RoundTripMeter,
} from '../../../src/web/terminals/local-echo-setting.js';

function memoryStorage(): KeyValueStorage & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return { entries, getItem: (key) => entries.get(key) ?? null, setItem: (key, value) => void entries.set(key, value), removeItem: (key) => void entries.delete(key) };
}

describe('the local echo setting', () => {
  it('is auto until the device chooses, and kept per device', () => {
    const phone = memoryStorage();
    const desk = memoryStorage();
    expect(localEchoMode(phone)).toBe('auto');
    rememberLocalEchoMode(phone, 'on');
    expect(localEchoMode(phone)).toBe('on');
    expect(localEchoMode(desk)).toBe('auto');
    rememberLocalEchoMode(phone, 'auto');
    expect(phone.entries.size).toBe(0);
    phone.setItem('shellport.terminals.localEcho', 'sometimes');
    expect(localEchoMode(phone)).toBe('auto');
    expect(localEchoMode(null)).toBe('auto');
  });

  it('auto guesses only over a measured round trip above the threshold', () => {
    expect(isLocalEchoOn('auto', null)).toBe(false);
    expect(isLocalEchoOn('auto', AUTO_THRESHOLD_MS)).toBe(false);
    expect(isLocalEchoOn('auto', AUTO_THRESHOLD_MS + 1)).toBe(true);
    expect(isLocalEchoOn('on', null)).toBe(true);
    expect(isLocalEchoOn('off', 500)).toBe(false);
    expect([nextLocalEchoMode('auto'), nextLocalEchoMode('on'), nextLocalEchoMode('off')]).toEqual(['on', 'off', 'auto']);
    expect(describeRoundTrip(41.6, false)).toBe('Round trip: 42 ms');
  });

  it('estimates the round trip as the median of the latest samples, from the third on', () => {
    const meter = new RoundTripMeter();
    expect(meter.estimate).toBeNull();
    meter.add(300);
    meter.add(20);
    expect(meter.estimate).toBeNull(); // the first answer after connecting is often slow
    meter.clear();
    for (const ms of [20, 400, 22, 21, 23]) meter.add(ms);
    expect(meter.estimate).toBe(22);
    for (const ms of [150, 160, 170]) meter.add(ms);
    expect(meter.estimate).toBe(150);
  });
});

describe('LocalEchoControl', () => {
  it('pings while connected (a second apart until it has an estimate), switches auto on over a slow link, and stops when disconnected', async () => {
    let time = 0;
    const intervals = new Map<number, () => void>();
    let nextHandle = 1;
    const answers: Array<(ok: boolean) => void> = [];
    const control = new LocalEchoControl({
      ping: () => new Promise((resolve) => answers.push(resolve)),
      storage: memoryStorage(),
      now: () => time,
      setInterval: (callback, ms) => {
        expect(ms).toBe(FIRST_PINGS_INTERVAL_MS);
        intervals.set(nextHandle, callback);
        return nextHandle++;
      },
      clearInterval: (handle) => void intervals.delete(handle as number),
    });
    const tick = () => {
      time += FIRST_PINGS_INTERVAL_MS;
      for (const callback of intervals.values()) callback();
    };
    const answer = async (after: number) => {
      time += after;
      answers.shift()!(true);
      for (let i = 0; i < 3; i++) await Promise.resolve();
    };
    let changes = 0;
    control.onChange(() => changes++);
    expect(control.isOn).toBe(false);
    control.setConnected(true);
    expect(answers).toHaveLength(1);
    await answer(120);
    tick();
    await answer(100);
    expect(control.roundTrip).toBeNull();
    tick();
    await answer(110);
    expect(control.roundTrip).toBe(110);
    expect(control.isOn).toBe(true);
    expect(changes).toBe(3);
    // Then every PING_INTERVAL_MS.
    for (let i = 0; i < PING_INTERVAL_MS / FIRST_PINGS_INTERVAL_MS - 3; i++) tick();
    expect(answers).toHaveLength(0);
    tick();
    expect(answers).toHaveLength(1);
    await answer(10);

    control.cycleMode();
    expect(control.mode).toBe('on');
    control.cycleMode();
    expect(control.isOn).toBe(false);

    control.setConnected(false);
    expect(intervals.size).toBe(0);
    control.dispose();
  });

  it('an old server that does not know terminal:ping leaves the round trip unknown', async () => {
    let ping: (ok: boolean) => void = () => undefined;
    const control = new LocalEchoControl({
      ping: () => new Promise((resolve) => (ping = resolve)),
      storage: null,
      now: () => 0,
      setInterval: () => 1,
      clearInterval: () => undefined,
    });
    control.setConnected(true);
    ping(false);
    await Promise.resolve();
    expect(control.roundTrip).toBeNull();
    control.dispose();
  });
});
