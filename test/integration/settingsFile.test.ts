import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, saveSettings, writeSettingsFile, backupPath, diffSettings, redactSettings, secretsOf, SettingsError } from '../../core/settings/settingsFile.js';
import { scrub } from '../../core/logging/logger.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { tmpDir } from '../helpers/tmp.js';
import { integrator } from '../helpers/cli.js';

const dir = tmpDir();
let n = 0;
const fresh = () => path.join(dir, `s${++n}`, 'settings.json');

describe('settings file', () => {
  it('gives the defaults when there is no file', () => {
    const s = loadSettings(fresh());
    expect(s.values).toEqual(defaultSettings());
  });

  it('round-trips a saved value and keeps a backup of the previous good file', () => {
    const file = fresh();
    writeSettingsFile(file, defaultSettings());
    saveSettings(file, { sendCustomerConversions: true });
    expect(loadSettings(file).values.sendCustomerConversions).toBe(true);
    expect(JSON.parse(fs.readFileSync(backupPath(file), 'utf8')).sendCustomerConversions).toBe(false);
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses an invalid value with the field named, writing nothing', () => {
    const file = fresh();
    writeSettingsFile(file, defaultSettings());
    const before = fs.readFileSync(file, 'utf8');
    try {
      saveSettings(file, { httpPort: 'abc' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SettingsError);
      expect((err as SettingsError).fieldErrors[0].key).toBe('httpPort');
      expect((err as Error).message).toContain('HTTP Port');
    }
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('reports a corrupt file in one line and leaves it as it was', () => {
    const file = fresh();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const broken = '{\n  "httpPort": 8085,\n  "erpDsn": "sqlite:erp.sqlite"\n  "oops"\n}';
    fs.writeFileSync(file, broken);
    expect(() => loadSettings(file)).toThrow(SettingsError);
    try {
      loadSettings(file);
    } catch (err) {
      expect((err as Error).message.split('\n')).toHaveLength(1);
      expect((err as Error).message).toMatch(/not valid JSON at line 4/);
    }
    expect(() => saveSettings(file, { httpPort: 9000 })).toThrow(SettingsError);
    expect(fs.readFileSync(file, 'utf8')).toBe(broken);
  });

  it('reports a hand-broken value by field', () => {
    const file = fresh();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ httpPort: 'eighty', erpPollingIntervalMins: -1 }));
    expect(() => loadSettings(file)).toThrow(/2 invalid values: HTTP Port \(httpPort\).*ERP Polling Interval/);
  });

  it('keeps unknown keys on save', () => {
    const file = fresh();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ futureSetting: 'x' }));
    saveSettings(file, { defaultCountry: 'New Zealand' });
    const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(raw.futureSetting).toBe('x');
    expect(raw.defaultCountry).toBe('New Zealand');
  });

  it('diffs saved against applied settings', () => {
    const a = defaultSettings();
    expect(diffSettings(a, { ...a, httpPort: 9000, customerFieldMappings: { Phone: 'fax' } })).toEqual(['customerFieldMappings', 'httpPort']);
    expect(diffSettings(a, structuredClone(a))).toEqual([]);
  });

  it('redacts secrets and DSN passwords', () => {
    const v = { ...defaultSettings(), erpDsn: 'mssql://sa:Sup3rSecret@db:1433/erp', listenerApiKey: 'key-123456', adminToken: 'tok-abcdef' };
    const r = redactSettings(v);
    expect(JSON.stringify(r)).not.toMatch(/Sup3rSecret|key-123456|tok-abcdef/);
    expect(r.erpDsn).toBe('mssql://sa:***@db:1433/erp');
    expect(scrub('failed login for Sup3rSecret with key-123456', secretsOf(v))).toBe('failed login for *** with ***');
  });

  it('refuses a listener bound beyond loopback without a Listener API Key, a filter or mapping that cannot run', () => {
    const file = fresh();
    writeSettingsFile(file, defaultSettings());
    const before = fs.readFileSync(file, 'utf8');
    const refused = (changes: Record<string, unknown>) => {
      try {
        saveSettings(file, changes);
      } catch (err) {
        expect(err).toBeInstanceOf(SettingsError);
        return (err as SettingsError).fieldErrors;
      }
      return [];
    };
    expect(refused({ listenerBindAddress: '0.0.0.0' })).toEqual([{ key: 'listenerBindAddress', label: 'Listener Bind Address', message: expect.stringMatching(/Listener API Key/) }]);
    expect(refused({ listenerBindAddress: 'not an address; rm -rf /' })).toMatchObject([{ key: 'listenerBindAddress', message: expect.stringMatching(/IP address/) }]);
    expect(refused({ debtorInclusionFilter: "dr_name = O'BRIEN" })).toEqual([{ key: 'debtorInclusionFilter', label: 'Debtor Inclusion Filter', message: expect.stringMatching(/O'BRIEN.*single word or 'quoted text'/) }]);
    expect(refused({ debtorInclusionFilter: 'no_such_column = 1' })).toMatchObject([{ key: 'debtorInclusionFilter', message: expect.stringMatching(/unknown debtor column "no_such_column"/) }]);
    expect(refused({ customerFieldMappings: { Phone: 'no_such_column' } })).toMatchObject([{ key: 'customerFieldMappings', message: expect.stringMatching(/no column "no_such_column"/) }]);
    expect(refused({ customerFieldMappings: { ErpHash: 'fax' } })).toMatchObject([{ key: 'customerFieldMappings', message: expect.stringMatching(/managed by the integrator/) }]);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);

    // With a key, any address; then the key cannot be emptied while the listener is bound beyond loopback.
    expect(refused({ listenerBindAddress: '0.0.0.0', listenerApiKey: 'a-listener-key-123' })).toEqual([]);
    expect(refused({ listenerApiKey: '' })).toEqual([{ key: 'listenerApiKey', label: 'Listener API Key', message: expect.stringMatching(/0\.0\.0\.0/) }]);
    expect(refused({ listenerBindAddress: '127.0.0.1', listenerApiKey: '' })).toEqual([]);
    expect(refused({ debtorInclusionFilter: "dr_name = 'O''BRIEN' and dr_status in (A,H)", customerFieldMappings: { Phone: 'fax' } })).toEqual([]);
    // A problem already in the file does not block an unrelated change.
    const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...raw, debtorInclusionFilter: 'dr_status = (A' }));
    expect(refused({ httpPort: 8086 })).toEqual([]);
  });

  it('settings set and settings validate refuse the same, in one line, exit 1', () => {
    const file = fresh();
    writeSettingsFile(file, defaultSettings());
    const before = fs.readFileSync(file, 'utf8');
    const set = integrator(['settings', 'set', 'listenerBindAddress', '0.0.0.0', '--config', file]);
    expect(set.status).toBe(1);
    expect(set.err.trim().split('\n')).toHaveLength(1);
    expect(set.err).toMatch(/^error: not saved: Listener Bind Address \(listenerBindAddress\) .*Listener API Key/);
    const filter = integrator(['settings', 'set', 'Debtor Inclusion Filter', "dr_name = O'BRIEN", '--config', file]);
    expect(filter.status).toBe(1);
    expect(filter.err.trim()).toMatch(/^error: not saved: Debtor Inclusion Filter \(debtorInclusionFilter\) value O'BRIEN must be a single word/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);

    // A file edited by hand: validate names every problem and exits 1.
    const raw = JSON.parse(before);
    fs.writeFileSync(file, JSON.stringify({ ...raw, listenerBindAddress: '0.0.0.0', listenerApiKey: '', debtorInclusionFilter: "dr_name = O'BRIEN" }));
    const validate = integrator(['settings', 'validate', '--config', file]);
    expect(validate.status).toBe(1);
    expect(validate.err.trim().split('\n')).toHaveLength(1);
    expect(validate.err).toMatch(/Listener Bind Address \(listenerBindAddress\).*Listener API Key/);
    expect(validate.err).toMatch(/Debtor Inclusion Filter \(debtorInclusionFilter\) value O'BRIEN/);
    fs.writeFileSync(file, before);
    expect(integrator(['settings', 'validate', '--config', file]).status).toBe(0);
  });
});
