import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, logFile } from '../../core/logging/logger.js';
import { RotatingFile } from '../../core/logging/rotatingFile.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir();

describe('logging', () => {
  it('writes JSON lines with a child logger per run, and never a secret', () => {
    const d = path.join(dir, 'a');
    const logger = createLogger({ dir: d, secrets: ['Hunter2Pass'] });
    const run = logger.child({ event: 'customer-master', runId: 42 });
    run.info({ password: 'plain-field-secret', apiKey: 'k-999999' }, 'connected with Hunter2Pass');
    const lines = fs.readFileSync(logFile(d), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ event: 'customer-master', runId: 42, msg: 'connected with ***', password: '***', apiKey: '***' });
    expect(fs.readFileSync(logFile(d), 'utf8')).not.toMatch(/Hunter2Pass|plain-field-secret|k-999999/);
  });

  it('rotates by size and keeps at most the configured number of files', () => {
    const d = path.join(dir, 'b');
    const logger = createLogger({ dir: d, maxBytes: 2000, maxFiles: 3 });
    for (let i = 0; i < 200; i++) logger.info({ i }, 'a line long enough to fill the file quickly ........................................');
    const files = RotatingFile.files(logFile(d));
    expect(files.map((f) => path.basename(f))).toEqual(['integrator.log', 'integrator.1.log', 'integrator.2.log', 'integrator.3.log']);
    for (const f of files) expect(fs.statSync(f).size).toBeLessThanOrEqual(2000);
    const last = fs.readFileSync(logFile(d), 'utf8').trim().split('\n').pop()!;
    expect(JSON.parse(last).i).toBe(199);
  });
});
