// Serves the built UI (renderer/dist) with a strict CSP; a plain page says so when the UI is not built.
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../packageRoot.js';

export const DEFAULT_UI_DIR = path.join(PACKAGE_ROOT, 'renderer', 'dist');

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Integrator</title></head>
<body>
<h1>Integrator</h1>
<p>The admin UI is not built. Run <code>npm run build:ui</code> and reload this page.</p>
<p>The integrator is running and its admin API answers under <code>/api/</code> (for example <code>/api/status</code>, with the token as <code>Authorization: Bearer &lt;token&gt;</code>).</p>
</body></html>
`;

export interface StaticFile {
  status: number;
  type: string;
  body: Buffer | string;
}

/** The file for a URL path inside the UI folder; index.html for app routes; null when nothing matches. */
export function resolveUiFile(uiDir: string, urlPath: string): StaticFile | null {
  const index = path.join(uiDir, 'index.html');
  if (!fs.existsSync(index)) return { status: 200, type: TYPES['.html'], body: NOT_BUILT_PAGE };
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  const file = path.resolve(uiDir, `.${rel}`);
  // Never outside the UI folder, whatever the path says.
  if (file !== uiDir && !file.startsWith(uiDir + path.sep)) return null;
  if (fs.existsSync(file) && fs.statSync(file).isFile()) {
    return { status: 200, type: TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', body: fs.readFileSync(file) };
  }
  // A path with an extension is a missing asset; anything else is a UI route.
  if (path.extname(rel)) return null;
  return { status: 200, type: TYPES['.html'], body: fs.readFileSync(index) };
}
