// vitest globalSetup: tests that start the `integrator` command (and the tray shell's core process) run the
// compiled build in dist/, and the browser tests load the built UI, so both are rebuilt first when any of
// their sources is newer than the build (a stale build is never tested; iterating on one test stays fast).
import { buildAll } from '../scripts/build.js';

export default async function setup(): Promise<void> {
  await buildAll({ ifStale: true });
}
