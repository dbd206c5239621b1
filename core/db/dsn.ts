import path from 'node:path';

export type Dsn =
  | { kind: 'sqlite'; path: string }
  | {
      kind: 'mssql';
      user: string;
      password: string;
      host: string;
      port: number;
      database: string;
      options: Record<string, string>;
    };

export class DsnError extends Error {
  override name = 'DsnError';
}

/**
 * Parses `sqlite:<path>` or `mssql://user:password@host:port/database?encrypt=true`.
 * A relative sqlite path is resolved against `baseDir` (the settings file's folder).
 * Error text never includes the password.
 */
export function parseDsn(dsn: string, baseDir: string = process.cwd()): Dsn {
  const text = dsn.trim();
  if (text.startsWith('sqlite:')) {
    const p = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!p) throw new DsnError('sqlite DSN has no file path (expected sqlite:<path>)');
    if (p === ':memory:') return { kind: 'sqlite', path: p };
    return { kind: 'sqlite', path: path.resolve(baseDir, p) };
  }
  if (text.startsWith('mssql://')) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new DsnError(`mssql DSN is not a valid URL: ${redactDsn(text)}`);
    }
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!url.hostname) throw new DsnError(`mssql DSN has no host: ${redactDsn(text)}`);
    if (!database) throw new DsnError(`mssql DSN has no database name: ${redactDsn(text)}`);
    const options: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (options[k] = v));
    return {
      kind: 'mssql',
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      host: url.hostname,
      port: url.port ? Number(url.port) : 1433,
      database,
      options,
    };
  }
  throw new DsnError(`unsupported DSN "${redactDsn(text)}" (expected sqlite:<path> or mssql://user:password@host:port/database)`);
}

/** The DSN with any password replaced by ***. Safe for logs, exports and error text. */
export function redactDsn(dsn: string): string {
  return dsn.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@').replace(/(password|pwd)=([^;&]*)/gi, '$1=***');
}

/** Human description of a DSN without secrets: "sqlite /x/web.sqlite" or "mssql host:1433/db". */
export function describeDsn(dsn: Dsn): string {
  return dsn.kind === 'sqlite' ? `sqlite ${dsn.path}` : `mssql ${dsn.host}:${dsn.port}/${dsn.database}`;
}
