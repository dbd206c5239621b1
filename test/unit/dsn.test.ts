import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { describeDsn, dsnSecrets, maskDsn, parseDsn, redactDsn, DsnError, type MssqlDsn } from '../../core/db/dsn.js';

const mssql = (dsn: string) => parseDsn(dsn) as MssqlDsn;

/** The error a DSN gives, or null. */
function errorOf(dsn: string): Error | null {
  try {
    parseDsn(dsn);
    return null;
  } catch (err) {
    return err as Error;
  }
}

describe('DSN', () => {
  it('resolves a relative sqlite path against the base folder', () => {
    expect(parseDsn('sqlite:web.sqlite', '/data/x')).toEqual({ kind: 'sqlite', path: path.resolve('/data/x/web.sqlite') });
    expect(parseDsn('sqlite:/abs/erp.sqlite', '/data/x')).toEqual({ kind: 'sqlite', path: '/abs/erp.sqlite' });
  });

  it('parses mssql URLs with options', () => {
    expect(parseDsn('mssql://sa:p%40ss@db.local:1444/WebStore?encrypt=true')).toEqual({
      kind: 'mssql',
      user: 'sa',
      password: 'p@ss',
      host: 'db.local',
      port: 1444,
      database: 'WebStore',
      encrypt: true,
      trustServerCertificate: false,
    });
    expect(mssql('mssql://sa:pw@db/Web')).toMatchObject({ port: 1433, encrypt: true, trustServerCertificate: false });
    expect(mssql('mssql://sa:pw@[::1]:1500/Web')).toMatchObject({ host: '::1', port: 1500 });
    expect(mssql('mssql://sa:pw@db/Web?connectionTimeout=5000&requestTimeout=120000')).toMatchObject({ connectionTimeoutMs: 5000, requestTimeoutMs: 120000 });
    expect(mssql('mssql://db/Web?user=sa&password=pw')).toMatchObject({ user: 'sa', password: 'pw', host: 'db' });
  });

  it('takes named instances as host\\INSTANCE or instanceName=, with no port forced', () => {
    const named = mssql('mssql://sa:pw@sql01\\SQLEXPRESS/Web');
    expect(named).toMatchObject({ host: 'sql01', instanceName: 'SQLEXPRESS', database: 'Web' });
    expect(named.port).toBeUndefined();
    expect(mssql('mssql://sa:pw@sql01/Web?instanceName=SQLEXPRESS')).toEqual(named);
    expect(mssql('mssql://sa:pw@sql01/Web?INSTANCENAME=SQLEXPRESS')).toEqual(named);
    expect(mssql('mssql://sa:pw@.\\SQLEXPRESS/Web')).toMatchObject({ host: 'localhost', instanceName: 'SQLEXPRESS' });
    expect(mssql('mssql://sa:pw@(local)/Web')).toMatchObject({ host: 'localhost', port: 1433 });
    expect(describeDsn(named)).toBe('mssql sql01\\SQLEXPRESS/Web');
    expect(errorOf('mssql://sa:pw@sql01\\SQLEXPRESS:1433/Web')?.message).toMatch(/both a port and an instance name \(SQLEXPRESS\); give one/);
    expect(errorOf('mssql://sa:pw@sql01\\ONE/Web?instanceName=TWO')?.message).toMatch(/two instances \(ONE and TWO\)/);
  });

  it('takes Windows (NTLM) logins as DOMAIN\\user or domain=', () => {
    const win = mssql('mssql://CORP\\svc-integrator:pw@sql01/Erp');
    expect(win).toMatchObject({ domain: 'CORP', user: 'svc-integrator', password: 'pw' });
    expect(mssql('mssql://svc-integrator:pw@sql01/Erp?domain=CORP')).toEqual(win);
    expect(mssql('mssql://CORP%5Csvc-integrator:pw@sql01/Erp')).toEqual(win);
    expect(mssql('mssql://sa:pw@sql01/Erp').domain).toBeUndefined();
    expect(errorOf('mssql://CORP\\svc:pw@sql01/Erp?domain=OTHER')?.message).toMatch(/two domains \(CORP and OTHER\)/);
  });

  it('takes option names in any case and true/yes/1, false/no/0', () => {
    expect(mssql('mssql://sa:pw@h/db?Encrypt=NO&TrustServerCertificate=yes')).toMatchObject({ encrypt: false, trustServerCertificate: true });
    expect(mssql('mssql://sa:pw@h/db?encrypt=0&trustservercertificate=1')).toMatchObject({ encrypt: false, trustServerCertificate: true });
    expect(mssql('mssql://sa:pw@h/db?ENCRYPT=True;trustServerCertificate=false')).toMatchObject({ encrypt: true, trustServerCertificate: false });
    expect(errorOf('mssql://sa:pw@h/db?encrypt=maybe')?.message).toMatch(/option encrypt must be true or false \(yes\/no, 1\/0\), not "maybe"/);
    expect(errorOf('mssql://sa:pw@h/db?trustServerCertficate=true')?.message).toMatch(/unknown option "trustServerCertficate"/);
    expect(errorOf('mssql://sa:pw@h:99999/db')?.message).toMatch(/port must be a whole number from 1 to 65535, not "99999"/);
  });

  it('takes a password with # / ? @ or a raw % whole', () => {
    expect(mssql('mssql://sa:p#ss@host/db').password).toBe('p#ss');
    expect(mssql('mssql://sa:a/b?c@host:1433/db?encrypt=false')).toMatchObject({ password: 'a/b?c', host: 'host', port: 1433, encrypt: false });
    expect(mssql('mssql://sa:50%off@host/db').password).toBe('50%off');
    expect(mssql('mssql://sa:100%25@host/db').password).toBe('100%');
    expect(mssql('mssql://sa:p@ss@host/db?x=a@b'.replace('?x=a@b', '')).password).toBe('p@ss');
  });

  it('never puts a password in an error or a redacted DSN', () => {
    const secrets = ['p#ss', 'a/b?c', '50%off', 'Secret123', 'p@ss#1/2?3%'];
    const shapes = [
      (p: string) => `mssql://sa:${p}@h:1433/`,
      (p: string) => `mssql://sa:${p}@/db`,
      (p: string) => `mssql://sa:${p}@h:notaport/db`,
      (p: string) => `mssql://sa:${p}@h/db?encrypt=perhaps`,
      (p: string) => `mssql://sa:${p}@h/db?colour=blue`,
      (p: string) => `mssql://sa:${p}@h\\INST:1433/db`,
      (p: string) => `mssql://sa:${p}`,
      (p: string) => `mssql://h/db?user=sa&password=${p}&encrypt=perhaps`,
      (p: string) => `postgres://u:${p}@h/db`,
    ];
    for (const secret of secrets) {
      for (const shape of shapes) {
        const dsn = shape(secret);
        const err = errorOf(dsn);
        expect(err, dsn).toBeInstanceOf(DsnError);
        expect(err!.message, dsn).not.toContain(secret);
        expect(redactDsn(dsn), dsn).not.toContain(secret);
      }
    }
    expect(redactDsn('mssql://sa:Secret123@h:1433/db')).toBe('mssql://sa:***@h:1433/db');
    expect(redactDsn('mssql://sa:p#ss@host/db')).toBe('mssql://sa:***@host/db');
    expect(redactDsn('mssql://CORP\\svc:a/b?c@sql01\\SQLEXPRESS/db')).toBe('mssql://CORP\\svc:***@sql01\\SQLEXPRESS/db');
    // An unencoded @ in the password: the last @ before the server part ends it, not one in the options.
    expect(redactDsn('mssql://sa:p@ss@h:1433/db?x=a@b')).toBe('mssql://sa:***@h:1433/db?x=a@b');
    expect(redactDsn('mssql://h/db?user=sa&password=Secret123&encrypt=true')).toBe('mssql://h/db?user=sa&password=***&encrypt=true');
    expect(maskDsn('mssql://sa:p#ss@h/db?pwd=two', '********')).toBe('mssql://sa:********@h/db?pwd=********');
    expect(dsnSecrets('mssql://sa:p@ss@h/db?pwd=two')).toEqual(['p@ss', 'two']);
    expect(dsnSecrets('sqlite:web.sqlite')).toEqual([]);
    expect(() => parseDsn('postgres://u:Secret123@h/db')).toThrow(/unsupported/);
  });
});
