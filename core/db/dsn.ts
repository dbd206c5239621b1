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

/** Where a password sits in a DSN text: the URL's user info, or a password= / pwd= option. */
export interface DsnSecretSlot {
  /** 'userinfo' or the option name in lower case, so the same slot can be found in another version of the DSN. */
  name: string;
  start: number;
  end: number;
}

export function dsnSecretSlots(dsn: string): DsnSecretSlot[] {
  const slots: DsnSecretSlot[] = [];
  // As the URL parser reads it: the authority ends at the first / ? #, the user info at its last @
  // (so a password with an unencoded @ is found whole, not cut at its first @).
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(dsn);
  if (scheme) {
    const from = scheme[0].length;
    const rest = dsn.slice(from);
    const authEnd = rest.search(/[/?#]/);
    const authority = authEnd < 0 ? rest : rest.slice(0, authEnd);
    const at = authority.lastIndexOf('@');
    const colon = at < 0 ? -1 : authority.slice(0, at).indexOf(':');
    if (colon >= 0) slots.push({ name: 'userinfo', start: from + colon + 1, end: from + at });
  }
  for (const m of dsn.matchAll(/(password|pwd)=([^;&]*)/gi)) {
    const start = m.index + m[1].length + 1;
    if (!slots.some((s) => start >= s.start && start < s.end)) slots.push({ name: m[1].toLowerCase(), start, end: start + m[2].length });
  }
  return slots.sort((a, b) => a.start - b.start);
}

/** The password texts of a DSN, as written (maybe percent-encoded). */
export function dsnSecrets(dsn: string): string[] {
  return dsnSecretSlots(dsn)
    .map((s) => dsn.slice(s.start, s.end))
    .filter((v) => v.length > 0);
}

/** The DSN with every password replaced by `mask`. */
export function maskDsn(dsn: string, mask: string): string {
  let out = '';
  let pos = 0;
  for (const s of dsnSecretSlots(dsn)) {
    out += dsn.slice(pos, s.start) + mask;
    pos = s.end;
  }
  return out + dsn.slice(pos);
}

/** The DSN with any password replaced by ***. Safe for logs, exports and error text. */
export function redactDsn(dsn: string): string {
  return maskDsn(dsn, '***');
}

/** Human description of a DSN without secrets: "sqlite /x/web.sqlite" or "mssql host:1433/db". */
export function describeDsn(dsn: Dsn): string {
  return dsn.kind === 'sqlite' ? `sqlite ${dsn.path}` : `mssql ${dsn.host}:${dsn.port}/${dsn.database}`;
}
