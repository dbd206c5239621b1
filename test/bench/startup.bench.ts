// The command's start-up: `integrator settings get httpPort` (a trivial command on demo settings) as a whole
// process, against `node -e 0` in the same run, alternated A B A B so a drifting machine hits both alike.
// INTEGRATOR_BENCH_STARTUP_RUNS (default 11) runs each, after one warm-up each. The aim is 0.25 s or less.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Benchmark } from './harness.js';
import { median } from './harness.js';
import { BIN, integrator } from '../helpers/cli.js';
import { buildAll } from '../../scripts/build.js';

const AIM_MS = 250;

function wallMs(args: string[], cwd: string): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env: { ...process.env, INTEGRATOR_CONFIG: '' }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export const benchmark: Benchmark = {
  name: 'command start-up',
  async run(log) {
    await buildAll({ ifStale: true, ui: false, log });
    const runs = Number(process.env.INTEGRATOR_BENCH_STARTUP_RUNS ?? 11);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-bench-startup-'));
    try {
      const init = integrator(['demo', 'init', '--dir', dir, '--customers', '10']);
      if (init.status !== 0) throw new Error(init.err);
      const cmd = [BIN, 'settings', 'get', 'httpPort', '--config', path.join(dir, 'settings.json')];
      const bare = ['-e', '0'];
      wallMs(cmd, dir);
      wallMs(bare, dir);
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < runs; i++) {
        a.push(wallMs(cmd, dir));
        b.push(wallMs(bare, dir));
      }
      const value = median(a);
      log(`integrator settings get httpPort: median ${value.toFixed(0)} ms of ${runs} (min ${Math.min(...a).toFixed(0)}, max ${Math.max(...a).toFixed(0)})`);
      log(`node -e 0: median ${median(b).toFixed(0)} ms (min ${Math.min(...b).toFixed(0)}, max ${Math.max(...b).toFixed(0)})`);
      return [
        {
          name: 'integrator settings get httpPort vs node -e 0',
          value,
          baseline: median(b),
          unit: 'ms',
          higherIsBetter: false,
          note: `aim ${AIM_MS / 1000} s or less: ${value <= AIM_MS ? 'met' : 'NOT met'} (${(value / 1000).toFixed(2)} s)`,
        },
      ];
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
