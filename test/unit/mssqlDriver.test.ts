// The SQL Server driver without a server: the login it configures (checked on the real tedious connection
// object), how it classifies failures (errors built with the driver's own error classes), the retry policy,
// the parameter types and the statement text it sends.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import sql from 'mssql';
import { parseDsn, type MssqlDsn } from '../../core/db/dsn.js';
import {
  LOCK_ATTEMPTS,
  LockConflictError,
  MAX_PARAMS,
  MAX_ROWS_PER_STATEMENT,
  connectFailure,
  mergeSql,
  poolConfig,
  rowsPerValuesStatement,
  statementFailure,
  valuesSource,
  withLockRetry,
  yieldToShoppers,
} from '../../core/db/mssqlDb.js';
import { columnSqlType, declaration, typedValue, type ColumnType } from '../../core/db/mssqlTypes.js';
import { FatalError, RetryableError } from '../../core/errors.js';
import { ADMIN_DISABLE_KEPT } from '../../core/web/sqlWebStore.js';
import { concurrencyItem, formatCheckItem } from '../../core/customers/checkConfig.js';
import { RENAME_ROWS_PER_STATEMENT, codeTables, renameCustomerCode, renameStatements } from '../../core/web/customerCodeRename.js';
import type { Db } from '../../core/db/db.js';

const tedious = createRequire(createRequire(import.meta.url).resolve('mssql'))('tedious') as { Connection: new (config: unknown) => { getInitialSql(): string; close(): void } };
const dsn = (text: string) => parseDsn(text) as MssqlDsn;
/** The tedious configuration the mssql pool builds from ours (what a connection is opened with). */
const tediousConfig = (d: MssqlDsn) => (new sql.ConnectionPool(poolConfig(d)) as unknown as { _config(): Record<string, unknown> & { options: Record<string, unknown>; authentication: { type: string; options: Record<string, unknown> } } })._config();

describe('the SQL Server login', () => {
  it('connects to a named instance through the Browser (no port) and to a port otherwise', () => {
    const named = tediousConfig(dsn('mssql://sa:pw@sql01\\SQLEXPRESS/Web'));
    expect(named.options.instanceName).toBe('SQLEXPRESS');
    expect(named.options.port).toBeUndefined();
    const ported = tediousConfig(dsn('mssql://sa:pw@sql01:1444/Web?encrypt=no&trustServerCertificate=yes'));
    expect(ported.options).toMatchObject({ port: 1444, encrypt: false, trustServerCertificate: true, database: 'Web' });
    expect(ported.options.instanceName).toBeUndefined();
  });

  it('logs in with Windows authentication (NTLM) for DOMAIN\\user, SQL authentication otherwise', () => {
    const win = tediousConfig(dsn('mssql://CORP\\svc:pw@sql01/Erp'));
    expect(win.authentication).toEqual({ type: 'ntlm', options: { userName: 'svc', password: 'pw', domain: 'CORP' } });
    expect(tediousConfig(dsn('mssql://sa:pw@sql01/Erp')).authentication).toEqual({ type: 'default', options: { userName: 'sa', password: 'pw' } });
  });

  it('every session sets XACT_ABORT ON and DEADLOCK_PRIORITY LOW when it logs in', () => {
    const config = poolConfig(dsn('mssql://sa:pw@sql01/Web'));
    const conn = new tedious.Connection(tediousConfig(dsn('mssql://sa:pw@sql01/Web')));
    try {
      config.beforeConnect?.(conn as never);
      const initial = conn.getInitialSql().split('\n');
      expect(initial.filter((s) => s === 'set xact_abort on')).toHaveLength(1);
      expect(initial.filter((s) => s === 'set deadlock_priority low')).toHaveLength(1);
      expect(initial).not.toContain('set xact_abort off');
      expect(config.beforeConnect).toBe(yieldToShoppers);
    } finally {
      conn.close();
    }
  });
});

describe('failures', () => {
  const d = dsn('mssql://sa:S3cret#pw@sql01:1433/Web');
  const tds = (message: string, code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code }, extra);

  it('a failed login is fatal and says what to check; a transient one (a database starting) is retried', () => {
    const login = connectFailure(new sql.ConnectionError(tds("Login failed for user 'sa'.", 'ELOGIN') as never), d);
    expect(login).toBeInstanceOf(FatalError);
    expect(login.message).toBe("cannot log in to mssql sql01:1433/Web: Login failed for user 'sa'. Check the login sa and its password in the DSN.");
    const win = connectFailure(new sql.ConnectionError(tds('Login failed.', 'ELOGIN') as never), dsn('mssql://CORP\\svc:pw@sql01/Web'));
    expect(win.message).toMatch(/Check the Windows login CORP\\svc and its password/);
    const starting = connectFailure(new sql.ConnectionError(tds("Database 'Web' is in transition.", 'ELOGIN', { isTransient: true }) as never), d);
    expect(starting).toBeInstanceOf(RetryableError);
  });

  it('an untrusted (self-signed) certificate is fatal and names trustServerCertificate', () => {
    const cause = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const err = connectFailure(new sql.ConnectionError(tds('Failed to connect to sql01:1433 - self-signed certificate', 'ESOCKET', { cause }) as never), d);
    expect(err).toBeInstanceOf(FatalError);
    expect(err.message).toMatch(/TLS certificate is not trusted .*add trustServerCertificate=true to the DSN/);
  });

  it('network failures stay retryable; no message carries the password', () => {
    const refused = connectFailure(new sql.ConnectionError(tds('Failed to connect to sql01:1433 - connect ECONNREFUSED S3cret#pw', 'ESOCKET') as never), d);
    expect(refused).toBeInstanceOf(RetryableError);
    expect(refused).not.toBeInstanceOf(FatalError);
    expect(refused.message).toBe('cannot connect to mssql sql01:1433/Web: Failed to connect to sql01:1433 - connect ECONNREFUSED ***');
    const lookup = connectFailure(new sql.ConnectionError(tds('Port for SQLEXPRESS not found in sql01', 'EINSTLOOKUP') as never), dsn('mssql://sa:pw@sql01\\SQLEXPRESS/Web'));
    expect(lookup).toBeInstanceOf(RetryableError);
    expect(lookup.message).toMatch(/SQL Server Browser, UDP port 1434/);
  });

  it('a deadlock victim (1205) and a lock timeout (1222) are lock conflicts; a duplicate key is the data', () => {
    const request = (number: number, message: string) => new sql.RequestError(tds(message, 'EREQUEST', { number }) as never);
    expect(statementFailure(request(1205, 'Transaction (Process ID 57) was deadlocked ... chosen as the deadlock victim.'), 'statement failed', d)).toBeInstanceOf(LockConflictError);
    expect(statementFailure(request(1222, 'Lock request time out period exceeded.'), 'statement failed', d)).toBeInstanceOf(LockConflictError);
    const dup = statementFailure(request(2627, "Violation of PRIMARY KEY constraint 'PK_Customer'."), 'statement failed', d);
    expect(dup).not.toBeInstanceOf(RetryableError);
    expect(dup.message).toBe("statement failed: Violation of PRIMARY KEY constraint 'PK_Customer'.");
    expect(statementFailure(new sql.RequestError(tds('Connection lost - read ECONNRESET', 'ESOCKET') as never), 'query failed', d)).toBeInstanceOf(RetryableError);
  });
});

describe('retry of lock conflicts', () => {
  it('runs again, waiting longer each time, up to LOCK_ATTEMPTS runs; other failures are not retried', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    let calls = 0;
    const ok = await withLockRetry(
      async () => {
        if (++calls < 3) throw new LockConflictError('deadlock victim');
        return 'committed';
      },
      { sleep, baseMs: 10 },
    );
    expect(ok).toBe('committed');
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(10);
    expect(waits[1]).toBeGreaterThanOrEqual(20);

    calls = 0;
    await expect(withLockRetry(async () => Promise.reject(new LockConflictError(`deadlock ${++calls}`)), { sleep })).rejects.toThrow(`deadlock ${LOCK_ATTEMPTS}`);
    expect(calls).toBe(LOCK_ATTEMPTS);

    calls = 0;
    await expect(withLockRetry(async () => Promise.reject(new Error(`bad data ${++calls}`)), { sleep })).rejects.toThrow('bad data 1');
    expect(calls).toBe(1);
  });
});

describe('parameter types', () => {
  const col = (type: string, length: number | null = null, precision: number | null = null, scale: number | null = null): ColumnType => ({ type, length, precision, scale });
  const shown = (v: unknown, c?: ColumnType) => {
    const t = typedValue(v, c);
    return [declaration(t.type), t.value instanceof Date ? t.value.toISOString() : t.value];
  };

  it('types a value to its column: the column width, VARCHAR for VARCHAR, dates as dates', () => {
    expect(shown('C00001', col('varchar', 20))).toEqual(['varchar(20)', 'C00001']);
    expect(shown('C00001', col('char', 10))).toEqual(['varchar(10)', 'C00001']);
    expect(shown('Café Supplies', col('nvarchar', 80))).toEqual(['nvarchar(80)', 'Café Supplies']);
    expect(shown('x'.repeat(90), col('nvarchar', 80))).toEqual(['nvarchar(90)', 'x'.repeat(90)]);
    expect(shown('notes', col('nvarchar', -1))).toEqual(['nvarchar(MAX)', 'notes']);
    expect(shown('2026-11-01T09:30:00.000Z', col('datetime'))).toEqual(['datetime', '2026-11-01T09:30:00.000Z']);
    expect(typedValue('2026-11-01', col('date')).value).toBeInstanceOf(Date);
    expect(shown(new Date('2026-11-01T09:30:00Z'), col('nvarchar', 40))).toEqual(['nvarchar(40)', '2026-11-01T09:30:00.000Z']);
    expect(shown(12.5, col('decimal', null, 19, 4))).toEqual(['decimal(19, 4)', 12.5]);
    expect(shown(3150, col('varchar', 12))).toEqual(['varchar(12)', '3150']);
    expect(shown(null, col('varchar', 20))).toEqual(['varchar(20)', null]);
    expect(shown(true, col('bit'))).toEqual(['bit', true]);
  });

  it('types a value without a known column by itself: ASCII as VARCHAR, other text as NVARCHAR, a Date as DATETIME2', () => {
    expect(shown('C00001')).toEqual(['varchar(8000)', 'C00001']);
    expect(shown('Zoë')).toEqual(['nvarchar(4000)', 'Zoë']);
    expect(declaration(typedValue('x'.repeat(9000)).type)).toBe('varchar(MAX)');
    expect(declaration(typedValue('é'.repeat(5000)).type)).toBe('nvarchar(MAX)');
    expect(shown(new Date('2026-11-01T00:00:00Z'))).toEqual(['datetime2(7)', '2026-11-01T00:00:00.000Z']);
    expect(shown(42)).toEqual(['int', 42]);
    expect(shown(2 ** 40)).toEqual(['bigint', 2 ** 40]);
    expect(shown(0.1)).toEqual(['float', 0.1]);
  });

  it('types a #temp column as the target column, or from its values when the target is unknown', () => {
    expect(columnSqlType(col('nvarchar', 80), []).declaration).toBe('nvarchar(80)');
    expect(columnSqlType(col('decimal', null, 19, 4), []).declaration).toBe('decimal(19, 4)');
    expect(columnSqlType(undefined, ['C1', 'C22', null]).declaration).toBe('varchar(8000)');
    expect(columnSqlType(undefined, [1, 2, null]).declaration).toBe('int');
    expect(columnSqlType(undefined, [1.5, 2]).declaration).toBe('float');
  });
});

describe('statement text', () => {
  it('merges a page by its key in one statement, keeping insert-only columns and the admin disable', () => {
    const text = mergeSql('Customer', valuesSource(2, ['CustomerCode', 'Name', 'IsDisabled', 'CreatedAt']), ['CustomerCode', 'Name', 'IsDisabled', 'CreatedAt'], ['CustomerCode'], {
      insertOnly: ['CreatedAt'],
      updateAs: ADMIN_DISABLE_KEPT,
    });
    expect(text).toBe(
      'MERGE INTO [Customer] WITH (HOLDLOCK) AS t USING (VALUES (@p0_0, @p0_1, @p0_2, @p0_3), (@p1_0, @p1_1, @p1_2, @p1_3)) AS s ([CustomerCode], [Name], [IsDisabled], [CreatedAt]) ' +
        'ON t.[CustomerCode] = s.[CustomerCode] WHEN MATCHED THEN UPDATE SET [Name] = s.[Name], [IsDisabled] = CASE WHEN t.[DisabledByAdmin] = 1 OR s.[IsDisabled] = 1 THEN 1 ELSE 0 END ' +
        'WHEN NOT MATCHED THEN INSERT ([CustomerCode], [Name], [IsDisabled], [CreatedAt]) VALUES (s.[CustomerCode], s.[Name], s.[IsDisabled], s.[CreatedAt]);',
    );
    expect(mergeSql('StatementLine', '#load_x AS s', ['CustomerCode', 'TransRef', 'Amount'], ['CustomerCode', 'TransRef'])).toBe(
      'MERGE INTO [StatementLine] WITH (HOLDLOCK) AS t USING #load_x AS s ON t.[CustomerCode] = s.[CustomerCode] AND t.[TransRef] = s.[TransRef] ' +
        'WHEN MATCHED THEN UPDATE SET [Amount] = s.[Amount] WHEN NOT MATCHED THEN INSERT ([CustomerCode], [TransRef], [Amount]) VALUES (s.[CustomerCode], s.[TransRef], s.[Amount]);',
    );
  });

  it('keeps every statement under 2,100 parameters and under the lock-escalation threshold', () => {
    for (let columns = 1; columns <= 60; columns++) {
      const rows = rowsPerValuesStatement(columns);
      expect(rows * columns, `${columns} columns`).toBeLessThanOrEqual(MAX_PARAMS);
      expect(rows).toBeGreaterThanOrEqual(1);
    }
    expect(MAX_PARAMS).toBeLessThan(2100);
    expect(MAX_ROWS_PER_STATEMENT).toBeLessThan(5000);
    // A page of customers (24 columns) is one VALUES statement up to 83 rows, beyond that one bulk load.
    expect(rowsPerValuesStatement(24)).toBe(83);
  });
});

describe('check-config on a SQL Server web database', () => {
  it('warns (without failing) when READ_COMMITTED_SNAPSHOT is off, and says what to run', () => {
    const off = { item: 'Web database concurrency', ...concurrencyItem('mssql', false, 'WebStore') };
    expect(off).toMatchObject({ ok: true, warning: true });
    expect(formatCheckItem(off)).toBe(
      "WARN  Web database concurrency: READ_COMMITTED_SNAPSHOT is off for WebStore: the store's pages wait while a Send All writes the rows they read; an administrator can run ALTER DATABASE [WebStore] SET READ_COMMITTED_SNAPSHOT ON (see the README, Connections)",
    );
    expect(concurrencyItem('mssql', true, 'WebStore')).toEqual({ ok: true, message: "READ_COMMITTED_SNAPSHOT is on for WebStore: the store's readers never wait for the integrator's writes" });
    expect(concurrencyItem('mssql', null, 'WebStore')).toMatchObject({ ok: true, warning: true });
    expect(formatCheckItem({ item: 'Web database concurrency', ...concurrencyItem('sqlite', null, '') })).toMatch(/^PASS  /);
  });
});

describe('customer conversions on SQL Server', () => {
  it('move a customer in statements of at most 4,000 rows, so no statement escalates to a table lock', async () => {
    const tables = codeTables();
    const statements = tables.find((t) => t.table === 'StatementLine')!;
    expect(renameStatements('mssql', statements).move).toBe(`UPDATE TOP (${RENAME_ROWS_PER_STATEMENT}) [StatementLine] SET [CustomerCode] = @newCode WHERE [CustomerCode] = @oldCode`);
    expect(renameStatements('sqlite', statements).move).toBe('UPDATE [StatementLine] SET [CustomerCode] = @newCode WHERE [CustomerCode] = @oldCode');
    expect(renameStatements('mssql', statements).drop).toMatch(/^DELETE TOP \(4000\) FROM \[StatementLine\] WHERE/);
    // A customer with 9,123 statement lines: three statements, each under the escalation threshold.
    const sent: string[] = [];
    const left = new Map([['StatementLine', 9123]]);
    const db = {
      kind: 'mssql',
      async get() {
        return {};
      },
      async all() {
        return [];
      },
      async run(sqlText: string) {
        sent.push(sqlText);
        const table = /^UPDATE (?:TOP \(\d+\) )?\[(\w+)\]/.exec(sqlText)?.[1] ?? '';
        const n = Math.min(left.get(table) ?? 0, RENAME_ROWS_PER_STATEMENT);
        left.set(table, (left.get(table) ?? 0) - n);
        return { changes: n };
      },
    } as unknown as Db;
    const r = await renameCustomerCode(db, tables, 'OLD', 'NEW', new Set());
    expect(r.moved.StatementLine).toBe(9123);
    expect(sent.filter((s) => s.includes('[StatementLine]'))).toHaveLength(3);
    expect(sent.every((s) => !s.startsWith('UPDATE ') || s.startsWith(`UPDATE TOP (${RENAME_ROWS_PER_STATEMENT})`))).toBe(true);
  });
});
