#!/usr/bin/env node
// `npm run bench [name...]`: every benchmark in test/bench (or the named ones), each against a baseline
// measured in the same run, printed as ratios.
import { register } from 'tsx/esm/api';

register();
const { runBenchmarks } = await import('../test/bench/harness.ts');
process.exitCode = await runBenchmarks(process.argv.slice(2));
