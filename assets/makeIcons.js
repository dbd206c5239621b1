// Draws the tray state icons and the app icon as PNGs (no image library, no downloads): shapes as signed
// distances, 4x4 supersampling for smooth edges, PNG chunks written by hand with zlib.
// Run: node assets/makeIcons.js   (the PNGs are committed; rerun after changing a colour or shape)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {Uint32Array} */
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** @param {Buffer} buf */
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** @param {string} type @param {Buffer} data */
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** @param {number} w @param {number} h @param {Uint8Array} rgba */
export function encodePng(w, h, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * w * 4, w * 4).copy(raw, y * (w * 4 + 1) + 1);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** @typedef {[number, number, number]} RGB */
/** @typedef {(x: number, y: number) => number} Sdf distance to the shape's edge, negative inside (unit square coordinates) */

/** @param {number} cx @param {number} cy @param {number} r @returns {Sdf} */
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
/** @param {number} x0 @param {number} y0 @param {number} x1 @param {number} y1 @param {number} [r] @returns {Sdf} */
const box = (x0, y0, x1, y1, r = 0) => (x, y) => {
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, hx = (x1 - x0) / 2 - r, hy = (y1 - y0) / 2 - r;
  const dx = Math.abs(x - cx) - hx, dy = Math.abs(y - cy) - hy;
  return Math.hypot(Math.max(dx, 0), Math.max(dy, 0)) + Math.min(Math.max(dx, dy), 0) - r;
};
/** Triangle pointing right (dir 1) or left (dir -1), tip at (tx, cy). @returns {Sdf} */
const arrowHead = (/** @type {number} */ tx, /** @type {number} */ cy, /** @type {number} */ len, /** @type {number} */ half, /** @type {number} */ dir) => (x, y) => {
  const u = (tx - x) * dir; // distance back from the tip
  const v = Math.abs(y - cy);
  if (u < 0) return Math.max(-u, v - half * 0);
  if (u > len) return Math.max(u - len, v - half);
  return v - (half * u) / len;
};
/** @param {...Sdf} parts @returns {Sdf} */
const union = (...parts) => (x, y) => Math.min(...parts.map((p) => p(x, y)));

/** The exchange glyph: an arrow to the right above an arrow to the left. @param {number} s scale (1 fills the unit square) */
function exchange(s, cx = 0.5, cy = 0.5) {
  const t = 0.065 * s; // bar half-thickness
  const w = 0.3 * s; // half width of the glyph
  const gap = 0.13 * s;
  const head = 0.16 * s;
  const headHalf = 0.14 * s;
  return union(
    box(cx - w, cy - gap - t, cx + w - head * 0.6, cy - gap + t),
    arrowHead(cx + w, cy - gap, head, headHalf, 1),
    box(cx - w + head * 0.6, cy + gap - t, cx + w, cy + gap + t),
    arrowHead(cx - w, cy + gap, head, headHalf, -1),
  );
}

/**
 * @param {number} size
 * @param {Array<{ sdf: Sdf, color: RGB | ((x: number, y: number) => RGB) }>} layers painted in order
 */
function render(size, layers) {
  const out = new Uint8Array(size * size * 4);
  const ss = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = (px + (sx + 0.5) / ss) / size;
          const y = (py + (sy + 0.5) / ss) / size;
          /** @type {[number, number, number, number]} */
          let c = [0, 0, 0, 0];
          for (const l of layers) {
            if (l.sdf(x, y) <= 0) {
              const col = typeof l.color === 'function' ? l.color(x, y) : l.color;
              c = [col[0], col[1], col[2], 255];
            }
          }
          // premultiplied accumulation
          r += (c[0] * c[3]) / 255; g += (c[1] * c[3]) / 255; b += (c[2] * c[3]) / 255; a += c[3];
        }
      }
      const n = ss * ss;
      const i = (py * size + px) * 4;
      const alpha = a / n;
      out[i + 3] = Math.round(alpha);
      if (alpha > 0) {
        out[i] = Math.round((r / n) * (255 / alpha));
        out[i + 1] = Math.round((g / n) * (255 / alpha));
        out[i + 2] = Math.round((b / n) * (255 / alpha));
      }
    }
  }
  return encodePng(size, size, out);
}

/** @type {Record<'idle' | 'running' | 'error', RGB>} */
export const STATE_COLOURS = { idle: [26, 127, 55], running: [9, 105, 218], error: [207, 34, 46] };
/** @type {RGB} */
const WHITE = [255, 255, 255];

/** @param {RGB} colour @param {number} size */
export function trayIcon(colour, size) {
  return render(size, [
    { sdf: circle(0.5, 0.5, 0.47), color: colour },
    { sdf: exchange(1.1), color: WHITE },
  ]);
}

/** @param {number} size */
export function appIcon(size) {
  /** @param {number} x @param {number} y @returns {RGB} */
  const gradient = (x, y) => {
    const t = Math.min(1, Math.max(0, (x + y) / 2));
    return [Math.round(11 + (58 - 11) * t), Math.round(92 + (160 - 92) * t), Math.round(173 + (255 - 173) * t)];
  };
  return render(size, [
    { sdf: box(0.06, 0.06, 0.94, 0.94, 0.2), color: gradient },
    { sdf: exchange(1.0), color: WHITE },
  ]);
}

export function writeIcons(dir = here) {
  /** @type {string[]} */
  const written = [];
  const put = (/** @type {string} */ name, /** @type {Buffer} */ png) => {
    fs.writeFileSync(path.join(dir, name), png);
    written.push(name);
  };
  for (const [state, colour] of Object.entries(STATE_COLOURS)) {
    put(`tray-${state}.png`, trayIcon(/** @type {RGB} */ (colour), 16));
    // Electron picks name@2x.png on high-DPI screens.
    put(`tray-${state}@2x.png`, trayIcon(/** @type {RGB} */ (colour), 32));
  }
  put('icon.png', appIcon(512));
  return written;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const names = writeIcons();
  process.stdout.write(`wrote ${names.join(', ')} in ${Date.now() - started} ms\n`);
}
