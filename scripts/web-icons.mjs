// The installable app's icons (issue 20), drawn from the same shapes as public/favicon.svg: a dark
// rounded square, a green ">" and a light "_". There is no image tool in the build, so the shapes are
// rasterised here by their distance fields (anti-aliased edges) and written as RGBA PNGs with node:zlib.
import { deflateSync } from 'node:zlib';

/** The favicon's colours; the dark theme's background (base.css --bg). */
export const ICON_BACKGROUND = '#0d1117';
const PROMPT = '#3fb950';
const CURSOR = '#c9d1d9';

// The favicon's geometry, in its 32-unit view box.
const VIEW = 32;
const CORNER = 6;
const STROKE = 3;
const CHEVRON = [[8, 10], [14, 16], [8, 22]];
const UNDERSCORE = [[16, 22], [24, 22]];

function hex(colour) {
  const value = Number.parseInt(colour.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function segmentDistance(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

function polylineDistance(px, py, points) {
  let best = Infinity;
  for (let i = 1; i < points.length; i++) best = Math.min(best, segmentDistance(px, py, points[i - 1], points[i]));
  return best;
}

/** Signed distance to a square of side `VIEW` with rounded corners (negative inside). */
function roundedSquareDistance(px, py, radius) {
  const half = VIEW / 2;
  const qx = Math.abs(px - half) - (half - radius);
  const qy = Math.abs(py - half) - (half - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

/** Paints `colour` over `pixel` with `coverage` (0..1), source-over. */
function blend(pixel, colour, coverage) {
  if (coverage <= 0) return;
  const alpha = pixel[3] + coverage * (1 - pixel[3]);
  for (let c = 0; c < 3; c++) pixel[c] = (colour[c] * coverage + pixel[c] * pixel[3] * (1 - coverage)) / alpha;
  pixel[3] = alpha;
}

/**
 * Draws the icon at `size` pixels. `corner`: the background's corner radius in view units (0: a full
 * square, as maskable and Apple icons want; null: no background, for a monochrome badge). `glyphScale`
 * shrinks the ">_" about the centre (maskable icons keep it inside the safe circle). `mono`: draw the
 * glyph in white only.
 */
export function drawIcon(size, { corner = CORNER, glyphScale = 1, mono = false } = {}) {
  const scale = size / VIEW;
  const background = hex(ICON_BACKGROUND);
  const prompt = mono ? [255, 255, 255] : hex(PROMPT);
  const cursor = mono ? [255, 255, 255] : hex(CURSOR);
  const rgba = Buffer.alloc(size * size * 4);
  // Coverage of a shape whose edge is `distance` view units away (negative inside), over about one pixel.
  const cover = (distance) => Math.max(0, Math.min(1, 0.5 - distance * scale));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = (x + 0.5) / scale;
      const py = (y + 0.5) / scale;
      const pixel = [0, 0, 0, 0];
      if (corner !== null) blend(pixel, background, cover(roundedSquareDistance(px, py, Math.max(corner, 0.001))));
      // The glyph, scaled about the centre: measure in the unscaled glyph's units, then back to view units.
      const gx = VIEW / 2 + (px - VIEW / 2) / glyphScale;
      const gy = VIEW / 2 + (py - VIEW / 2) / glyphScale;
      blend(pixel, prompt, cover((polylineDistance(gx, gy, CHEVRON) - STROKE / 2) * glyphScale));
      blend(pixel, cursor, cover((polylineDistance(gx, gy, UNDERSCORE) - STROKE / 2) * glyphScale));
      const offset = (y * size + x) * 4;
      rgba[offset] = Math.round(pixel[0]);
      rgba[offset + 1] = Math.round(pixel[1]);
      rgba[offset + 2] = Math.round(pixel[2]);
      rgba[offset + 3] = Math.round(pixel[3] * 255);
    }
  }
  return encodePng(size, size, rgba);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG (8-bit RGBA, no filtering) of `rgba`, row by row (https://www.w3.org/TR/png/). */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(raw, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Every icon the app names, by file name: the manifest's (192 and 512, plain and maskable), Apple's
 * home-screen icon (180, square: iOS rounds it) and the notification badge (Android's status bar
 * draws only its alpha).
 */
export function appIcons() {
  return {
    'icon-192.png': drawIcon(192),
    'icon-512.png': drawIcon(512),
    'maskable-192.png': drawIcon(192, { corner: 0, glyphScale: 0.8 }),
    'maskable-512.png': drawIcon(512, { corner: 0, glyphScale: 0.8 }),
    'apple-touch-icon.png': drawIcon(180, { corner: 0, glyphScale: 0.85 }),
    'badge-96.png': drawIcon(96, { corner: null, glyphScale: 1.3, mono: true }),
  };
}
