// Prints one plain closing line, "N passed, N failed, N skipped", after vitest's own summary, so any log reader
// (CI included) can tell at a glance how the suite ended.
import type { Reporter } from 'vitest/reporters';

interface TaskLike {
  type: string;
  mode?: string;
  result?: { state?: string };
  tasks?: TaskLike[];
}

function count(tasks: readonly TaskLike[], into: { passed: number; failed: number; skipped: number }): void {
  for (const t of tasks) {
    if (t.tasks) count(t.tasks, into);
    if (t.type !== 'test') continue;
    if (t.result?.state === 'pass') into.passed++;
    else if (t.result?.state === 'fail') into.failed++;
    else into.skipped++;
  }
}

export default class PlainSummaryReporter implements Reporter {
  onFinished(files: readonly TaskLike[] = [], errors: readonly unknown[] = []): void {
    const totals = { passed: 0, failed: 0, skipped: 0 };
    count(files, totals);
    // An error outside any test (a file that fails to load) is a failure too.
    const failed = totals.failed + errors.length + files.filter((f) => f.result?.state === 'fail' && !f.tasks?.length).length;
    process.stdout.write(`\n${totals.passed} passed, ${failed} failed, ${totals.skipped} skipped\n`);
  }
}
