// Where the Electron binary is, without loading the `electron` package (its index.js downloads the binary
// when it is missing, which is not possible offline).
import fs from 'node:fs';
import path from 'node:path';

export function electronBinary(root: string): string | null {
  const pkg = path.join(root, 'node_modules', 'electron');
  try {
    if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
      const p = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
      return fs.existsSync(p) ? p : null;
    }
    const rel = fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
    const p = path.join(pkg, 'dist', rel);
    return fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

export const NO_BINARY = [
  'The Electron binary is not installed, so the tray app cannot start here.',
  '(Electron downloads it on first launch: `npx install-electron` on a machine with internet access.)',
  'Run the integrator headless instead:  npx integrator run --foreground',
  'and open the "Admin UI: http://127.0.0.1:<port>/#token=..." link it prints in a browser.',
].join('\n');
