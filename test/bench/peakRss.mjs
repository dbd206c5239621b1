// Loaded with `node --import` into a process the benchmarks start: at exit it writes the process's peak resident
// set (KB) to the file INTEGRATOR_BENCH_RSS_FILE names.
import fs from 'node:fs';

const file = process.env.INTEGRATOR_BENCH_RSS_FILE;
if (file) process.on('exit', () => fs.writeFileSync(file, String(process.resourceUsage().maxRSS)));
