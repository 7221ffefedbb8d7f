// The terminals' font size per device (issue 16): what a device keeps, and the owner's setting as the default.
import { describe, expect, it } from 'vitest';
import { clampFontSize, deviceFontSize, fontSizeForDevice, forgetDeviceFontSize, rememberDeviceFontSize, type KeyValueStorage } from '../../../src/web/terminals/font-size.js';

/** localStorage as a Map: one per device. */
function memoryStorage(): KeyValueStorage & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    getItem: (key) => entries.get(key) ?? null,
    setItem: (key, value) => void entries.set(key, value),
    removeItem: (key) => void entries.delete(key),
  };
}

/** Storage a browser refuses (private modes, full quota): every call throws. */
const refusingStorage: KeyValueStorage = {
  getItem: () => {
    throw new Error('SecurityError');
  },
  setItem: () => {
    throw new Error('QuotaExceededError');
  },
  removeItem: () => {
    throw new Error('SecurityError');
  },
};

describe('the font size per device', () => {
  it('is the owner’s setting on a device that chose none', () => {
    expect(fontSizeForDevice(memoryStorage(), 16)).toBe(16);
    expect(deviceFontSize(memoryStorage())).toBeNull();
  });

  it('is the device’s own once chosen there, whatever the setting, and other devices keep theirs', () => {
    const desk = memoryStorage();
    const phone = memoryStorage();
    expect(rememberDeviceFontSize(desk, 15)).toBe(15);
    expect(fontSizeForDevice(desk, 14)).toBe(15);
    expect(fontSizeForDevice(desk, 20)).toBe(15);
    expect(fontSizeForDevice(phone, 14)).toBe(14);
  });

  it('follows the setting again once forgotten', () => {
    const desk = memoryStorage();
    rememberDeviceFontSize(desk, 19);
    forgetDeviceFontSize(desk);
    expect(deviceFontSize(desk)).toBeNull();
    expect(fontSizeForDevice(desk, 13)).toBe(13);
  });

  it('keeps sizes within the limits, whole pixels', () => {
    const desk = memoryStorage();
    expect(rememberDeviceFontSize(desk, 100)).toBe(32);
    expect(deviceFontSize(desk)).toBe(32);
    expect(rememberDeviceFontSize(desk, 2)).toBe(8);
    expect(rememberDeviceFontSize(desk, 12.6)).toBe(13);
    expect(clampFontSize(Number.NaN)).toBe(14);
    expect(fontSizeForDevice(memoryStorage(), 99)).toBe(32);
  });

  it('ignores what is stored when it is not a size in range (edited by hand, or an older format)', () => {
    for (const stored of ['', 'large', '15px', '1e1', '-3', '7', '33', '14.5', '999']) {
      const desk = memoryStorage();
      rememberDeviceFontSize(desk, 16);
      const [key] = [...desk.entries.keys()];
      desk.entries.set(key!, stored);
      expect(deviceFontSize(desk), stored).toBeNull();
      expect(fontSizeForDevice(desk, 14), stored).toBe(14);
    }
  });

  it('falls back to the setting where the browser refuses storage, without throwing', () => {
    expect(deviceFontSize(refusingStorage)).toBeNull();
    expect(rememberDeviceFontSize(refusingStorage, 18)).toBe(18);
    expect(() => forgetDeviceFontSize(refusingStorage)).not.toThrow();
    expect(fontSizeForDevice(refusingStorage, 15)).toBe(15);
    expect(fontSizeForDevice(null, 15)).toBe(15);
  });
});
