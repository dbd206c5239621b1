// Entry of the tray app (package.json "main"), the shell's composition root. Under plain Node (no Electron
// runtime) it says what to do instead of failing obscurely; under Electron it starts the shell.
import { PACKAGE_ROOT } from '../core/packageRoot.js';
import { electronBinary, NO_BINARY } from './binary.js';

if (!process.versions.electron) {
  const bin = electronBinary(PACKAGE_ROOT);
  process.stderr.write(
    bin ? `This file is the Electron entry of the tray app: start it with "npm run tray" (Electron at ${bin}).\nHeadless: npx integrator run --foreground\n` : `${NO_BINARY}\n`,
  );
  process.exitCode = 1;
} else {
  try {
    const { startShell } = await import('./shell.js');
    await startShell();
  } catch (err) {
    process.stderr.write(`error: the tray app did not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
}
