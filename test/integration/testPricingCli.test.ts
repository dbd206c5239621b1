import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { BIN, ROOT } from '../helpers/cli.js';
import { startListeners, writeFixtureErp, type Listeners } from '../helpers/pricingFixture.js';
import { writeSettingsFile } from '../../core/settings/settingsFile.js';
import { removeRuntime, runtimeFile, writeRuntime } from '../../core/worker/runtimeFile.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';

const KEY = 'cli-key-5521-abc';
const dir = tmpDir('integrator-test-pricing-');
const cfg = path.join(dir, 'settings.json');
let l: Listeners;

// The listener runs in this process, so the CLI must run without blocking it (no spawnSync).
function cli(args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, INTEGRATOR_CONFIG: '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out, err }));
  });
}
const ask = (product = 'P1', quantity = '10') => cli(['test-pricing', '--product', product, '--warehouse', 'MEL', '--customer', 'C1', '--quantity', quantity, '--config', cfg]);
const runtime = (foreground: boolean, pid = process.pid) =>
  writeRuntime(dir, { pid, startedAt: new Date().toISOString(), foreground, adminUrl: null, endpoints: { 'Pricing listener': l.priceUrl, 'ERP listener': l.erpUrl } });

beforeAll(async () => {
  await writeFixtureErp(path.join(dir, 'erp.sqlite'));
  writeSettingsFile(cfg, { ...defaultSettings(), listenerApiKey: KEY });
  l = await startListeners(dir, { listenerApiKey: KEY });
});
afterAll(async () => {
  removeRuntime(dir);
  await l?.close();
});

describe('integrator test-pricing', () => {
  it('says in one line that no integrator is running (no runtime file, or its process is gone)', async () => {
    expect(fs.existsSync(runtimeFile(dir))).toBe(false);
    const none = await ask();
    expect(none.status).toBe(1);
    expect(none.err.trim().split('\n')).toHaveLength(1);
    expect(none.err).toMatch(/No integrator is running/);
    expect(none.out).toBe('');

    runtime(true, 2 ** 22 + 12345); // a pid no process has
    const stale = await ask();
    expect(stale.status).toBe(1);
    expect(stale.err).toMatch(/No integrator is running/);
  });

  it('says in one line that it needs foreground mode', async () => {
    runtime(false);
    const r = await ask();
    expect(r.status).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/needs the integrator in foreground mode/);
  });

  it('asks the running pricing listener (with the API key from the settings) and prints the answer', async () => {
    runtime(true);
    const r = await ask('P1', '10');
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/Product P1, customer C1, warehouse MEL, quantity 10/);
    expect(r.out).toMatch(/Unit price: 80\.00 \(level price\)/);
    expect(r.out).toMatch(/Available: 70 \(on hand 100\)/);
    expect(r.out).toMatch(/Took: \d+(\.\d+)? ms/);
    expect(r.out + r.err).not.toContain(KEY);
  });

  it('prints the listener\'s answer for an unknown product and rejects a bad quantity', async () => {
    runtime(true);
    const unknown = await ask('NOPE');
    expect(unknown.status).toBe(1);
    expect(unknown.err.trim()).toBe('error: Test Pricing failed (404): unknown product "NOPE"');
    const bad = await ask('P1', '-2');
    expect(bad.status).toBe(2);
    expect(bad.err).toMatch(/--quantity must be greater than 0/);
  });
});
