// The folder of the product's package.json, found from a module's own location: the same answer for the
// TypeScript sources (core/x.ts), the compiled build (dist/core/x.js) and a packaged app (app.asar/dist/...).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRootOf(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}

export const PACKAGE_ROOT = packageRootOf(import.meta.url);
