// Signing a phone in from the desktop (issue 22 §3): the shapes of POST /api/auth/device-links and the
// device name a session gets from its user agent. Imports nothing: the browser bundle takes it as it is.

/** POST /api/auth/device-links: a single-use sign-in link for another device, and its QR code. */
export interface DeviceLinkResponse {
  /** The link to open on the device; it holds the token, so it is shown to the owner and nowhere else. */
  url: string;
  /** When the link stops working (ISO time, the server's clock). */
  expiresAt: string;
  /** The link's life in seconds, so that a countdown need not trust the two clocks to agree. */
  ttlSeconds: number;
  /** The link as a QR code, an SVG document (rendered by the server, so the web bundle stays light). */
  qrSvg: string;
}

/**
 * A short name for the device behind a user agent, as the owner would call it: "iPhone · Safari",
 * "Android phone · Chrome", "Mac · Firefox", "Linux · Chromium".
 */
export function deviceNameOf(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const ua = userAgent;
  const device = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? /Mobile/.test(ua)
          ? 'Android phone'
          : 'Android tablet'
        : /CrOS/.test(ua)
          ? 'Chromebook'
          : /Mac OS X|Macintosh/.test(ua)
            ? 'Mac'
            : /Windows/.test(ua)
              ? 'Windows PC'
              : /Linux/.test(ua)
                ? 'Linux'
                : 'Device';
  const browser = /Edg(e|A|iOS)?\//.test(ua)
    ? 'Edge'
    : /Firefox\/|FxiOS\//.test(ua)
      ? 'Firefox'
      : /SamsungBrowser\//.test(ua)
        ? 'Samsung Internet'
        : /Chromium\/|HeadlessChrome\//.test(ua)
          ? 'Chromium'
          : /Chrome\/|CriOS\//.test(ua)
            ? 'Chrome'
            : /Safari\//.test(ua)
              ? 'Safari'
              : 'Browser';
  return `${device} · ${browser}`;
}
