import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { dsnSecrets, parseDsn, redactDsn, DsnError } from '../../core/db/dsn.js';

describe('DSN', () => {
  it('resolves a relative sqlite path against the base folder', () => {
    expect(parseDsn('sqlite:web.sqlite', '/data/x')).toEqual({ kind: 'sqlite', path: path.resolve('/data/x/web.sqlite') });
    expect(parseDsn('sqlite:/abs/erp.sqlite', '/data/x')).toEqual({ kind: 'sqlite', path: '/abs/erp.sqlite' });
  });

  it('parses mssql URLs with options', () => {
    const d = parseDsn('mssql://sa:p%40ss@db.local:1444/WebStore?encrypt=true');
    expect(d).toEqual({ kind: 'mssql', user: 'sa', password: 'p@ss', host: 'db.local', port: 1444, database: 'WebStore', options: { encrypt: 'true' } });
  });

  it('never puts the password in an error or a redacted DSN', () => {
    expect(redactDsn('mssql://sa:Secret123@h:1433/db')).toBe('mssql://sa:***@h:1433/db');
    try {
      parseDsn('mssql://sa:Secret123@h:1433/');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DsnError);
      expect((err as Error).message).not.toContain('Secret123');
    }
    // An unencoded @ in the password: the URL parser splits at the last @, and so does redaction.
    expect(redactDsn('mssql://sa:p@ss@h:1433/db?x=a@b')).toBe('mssql://sa:***@h:1433/db?x=a@b');
    expect(redactDsn('mssql://h/db?user=sa&password=Secret123&encrypt=true')).toBe('mssql://h/db?user=sa&password=***&encrypt=true');
    expect(dsnSecrets('mssql://sa:p@ss@h/db?pwd=two')).toEqual(['p@ss', 'two']);
    expect(dsnSecrets('sqlite:web.sqlite')).toEqual([]);
    expect(() => parseDsn('postgres://u:Secret123@h/db')).toThrow(/unsupported/);
    try {
      parseDsn('postgres://u:Secret123@h/db');
    } catch (err) {
      expect((err as Error).message).not.toContain('Secret123');
    }
  });
});
