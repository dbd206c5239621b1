import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, beforeAll } from 'vitest';
import { integrator } from '../helpers/cli.js';
import { readZip } from '../helpers/zip.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir();
const cfg = path.join(dir, 'settings.json');

describe('integrator CLI: demo, settings, export-logs', () => {
  beforeAll(() => {
    const r = integrator(['demo', 'init', '--dir', dir, '--customers', '120', '--seed', '3']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/121 debtors/);
  });

  it('writes the three demo files', () => {
    for (const f of ['erp.sqlite', 'web.sqlite', 'settings.json']) expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
  });

  it('round-trips settings set / get, by key and by label', () => {
    expect(integrator(['settings', 'get', 'sendCustomerConversions', '--config', cfg]).out.trim()).toBe('false');
    const set = integrator(['settings', 'set', 'sendCustomerConversions', 'true', '--config', cfg]);
    expect(set.status, set.err).toBe(0);
    expect(set.out).toMatch(/restart/);
    expect(integrator(['settings', 'get', 'sendCustomerConversions', '--config', cfg]).out.trim()).toBe('true');
    expect(integrator(['settings', 'set', 'Default Country', 'New Zealand', '--config', cfg]).status).toBe(0);
    expect(integrator(['settings', 'get', 'defaultCountry', '--config', cfg]).out.trim()).toBe('New Zealand');
  });

  it('warns, as the UI does, when auto-activate all customers is turned on', () => {
    const on = integrator(['settings', 'set', 'autoActivateAllCustomers', 'true', '--config', cfg]);
    expect(on.status, on.err).toBe(0);
    expect(on.out).toContain('Warning: Auto-activate all customers integrates orders and statements for every customer, not only those marked active. This moves a large amount of data; use with caution.');
    const off = integrator(['settings', 'set', 'autoActivateAllCustomers', 'false', '--config', cfg]);
    expect(off.out).not.toContain('Warning');
  });

  it('refuses httpPort abc with the field named and leaves the file alone', () => {
    const before = fs.readFileSync(cfg, 'utf8');
    const r = integrator(['settings', 'set', 'httpPort', 'abc', '--config', cfg]);
    expect(r.status).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/HTTP Port \(httpPort\)/);
    expect(fs.readFileSync(cfg, 'utf8')).toBe(before);
  });

  it('lists every setting with groups, and validates', () => {
    const r = integrator(['settings', 'list', '--config', cfg]);
    expect(r.status).toBe(0);
    for (const g of ['General', 'Serial Number Import', 'Other Settings', 'File Upload Filename Character Mapping Settings', 'Live Pricing/Availability']) expect(r.out).toContain(g);
    expect(r.out).toMatch(/preserveProductData\s+true\s+Preserve Product Data\s+\(not used by this edition\)/);
    expect(integrator(['settings', 'validate', '--config', cfg]).status).toBe(0);
  });

  it('gives one clear line, no stack, for a corrupt settings file, and leaves it as it was', () => {
    const broken = path.join(dir, 'broken', 'settings.json');
    fs.mkdirSync(path.dirname(broken), { recursive: true });
    fs.writeFileSync(broken, '{"httpPort": 8085,,}');
    for (const args of [['settings', 'get', 'httpPort'], ['settings', 'validate'], ['settings', 'set', 'httpPort', '9000'], ['export-logs']]) {
      const r = integrator([...args, '--config', broken]);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err).toMatch(/^error: settings file .* is not valid JSON at line 1, column 19/);
      expect(r.err).not.toMatch(/\bat .*\.ts:\d+/);
    }
    expect(fs.readFileSync(broken, 'utf8')).toBe('{"httpPort": 8085,,}');
    const verbose = integrator(['settings', 'get', 'httpPort', '--config', broken, '--verbose']);
    expect(verbose.err).toMatch(/SettingsError/);
  });

  it('answers an unknown setting or command with one line', () => {
    const r = integrator(['settings', 'get', 'noSuchThing', '--config', cfg]);
    expect(r.status).toBe(1);
    expect(r.err.trim()).toBe('error: unknown setting "noSuchThing" (see: integrator settings list)');
    expect(integrator(['frobnicate']).status).not.toBe(0);
  });

  it('exports logs as a real zip with every secret redacted', async () => {
    const secretDir = path.join(dir, 'secret');
    fs.mkdirSync(path.join(secretDir, 'logs'), { recursive: true });
    const settings = JSON.parse(fs.readFileSync(cfg, 'utf8'));
    Object.assign(settings, {
      erpDsn: 'mssql://integrator:Pa55w0rd!x@erp.local:1433/pronto',
      webDsn: `sqlite:${path.join(dir, 'web.sqlite')}`,
      listenerApiKey: 'api-key-0123456789',
      adminToken: 'admin-token-abcdef',
    });
    fs.writeFileSync(path.join(secretDir, 'settings.json'), JSON.stringify(settings));
    // A log line that (wrongly) carries a secret: the export scrubs it anyway.
    fs.writeFileSync(path.join(secretDir, 'logs', 'integrator.log'), `${JSON.stringify({ level: 30, msg: 'connecting with Pa55w0rd!x and api-key-0123456789' })}\n`);
    fs.writeFileSync(path.join(secretDir, 'logs', 'integrator.1.log'), `${JSON.stringify({ level: 30, msg: 'older line' })}\n`);
    const out = path.join(dir, 'bundle.zip');
    const r = integrator(['export-logs', '--out', out, '--config', path.join(secretDir, 'settings.json')]);
    expect(r.status, r.err).toBe(0);
    const entries = await readZip(out);
    expect([...entries.keys()].sort()).toEqual(['logs/integrator.1.log', 'logs/integrator.log', 'runs.json', 'settings.json', 'version.json']);
    const all = [...entries.values()].map((b) => b.toString('utf8')).join('\n');
    for (const secret of ['Pa55w0rd!x', 'api-key-0123456789', 'admin-token-abcdef']) expect(all).not.toContain(secret);
    expect(all).toContain('older line');
    const exported = JSON.parse(entries.get('settings.json')!.toString());
    expect(exported.erpDsn).toBe('mssql://integrator:***@erp.local:1433/pronto');
    expect(JSON.parse(entries.get('runs.json')!.toString()).runs).toEqual([]);
    expect(JSON.parse(entries.get('version.json')!.toString()).product).toBe('Integrator');
    const raw = fs.readFileSync(out);
    expect(raw.subarray(0, 2).toString()).toBe('PK');
  });
});
