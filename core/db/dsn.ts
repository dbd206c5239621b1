import path from 'node:path';

/** A SQL Server connection as a DSN gives it. */
export interface MssqlDsn {
  kind: 'mssql';
  user: string;
  password: string;
  /** A Windows (NTLM) login: the DOMAIN of DOMAIN\user, or domain=. */
  domain?: string;
  host: string;
  /** The TCP port; absent with a named instance (the SQL Server Browser answers with its port). */
  port?: number;
  /** A named instance: host\NAME, or instanceName=NAME. */
  instanceName?: string;
  database: string;
  /** TLS (default on). */
  encrypt: boolean;
  /** Accept a certificate the machine does not trust (a self-signed one). Default off. */
  trustServerCertificate: boolean;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export type Dsn = { kind: 'sqlite'; path: string } | MssqlDsn;

export class DsnError extends Error {
  override name = 'DsnError';
}

/** The options an mssql DSN takes, by their name in lower case (any case is accepted). */
const OPTIONS: Record<string, string> = {
  encrypt: 'encrypt',
  trustservercertificate: 'trustServerCertificate',
  instancename: 'instanceName',
  instance: 'instanceName',
  domain: 'domain',
  user: 'user',
  uid: 'user',
  username: 'user',
  password: 'password',
  pwd: 'password',
  port: 'port',
  connectiontimeout: 'connectionTimeout',
  connecttimeout: 'connectionTimeout',
  requesttimeout: 'requestTimeout',
};

/** Percent-decodes what is a valid escape and keeps the rest as written (a raw % in a password stays a %). */
export function decodeLenient(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m);
    } catch {
      return m;
    }
  });
}

function bool(name: string, value: string): boolean {
  if (/^(true|yes|1|on)$/i.test(value)) return true;
  if (/^(false|no|0|off)$/i.test(value)) return false;
  throw new DsnError(`mssql DSN option ${name} must be true or false (yes/no, 1/0), not "${value}"`);
}

function positive(name: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new DsnError(`mssql DSN ${name} must be a whole number from 1 to ${max}, not "${value}"`);
  return n;
}

// host (a name, an IPv4 or a [bracketed IPv6]), then \instance, then :port, then /database, then ?options.
const SERVER = /^(\[[^\]]*\]|[^/?#@\\:[\]]*)(?:\\([^/?#@:\\]*))?(?::([^/?#@]*))?(\/[^?]*)?(\?.*)?$/s;

interface Split {
  /** Offset in the DSN where the user info starts and ends (end exclusive); absent without one. */
  userinfo?: { start: number; end: number };
  server: RegExpExecArray;
}

/**
 * Where the user info ends: the last @ after which a server part follows (host, then /database). A password
 * may hold any character, @ / ? # and % included, so the URL parser's split (which stops the authority at the
 * first / ? #) would cut it and then print it; this one takes the password whole.
 */
function splitAuthority(dsn: string, from: number): Split | null {
  const rest = dsn.slice(from);
  const ats: number[] = [];
  for (let i = rest.indexOf('@'); i >= 0; i = rest.indexOf('@', i + 1)) ats.push(i);
  for (const needPath of [true, false]) {
    for (const at of [...ats].reverse()) {
      const m = SERVER.exec(rest.slice(at + 1));
      if (m && (!needPath || m[4] !== undefined)) return { userinfo: { start: from, end: from + at }, server: m };
    }
    const whole = SERVER.exec(rest);
    if (whole && (!needPath || whole[4] !== undefined)) return { server: whole };
  }
  return null;
}

/**
 * Parses `sqlite:<path>` or `mssql://[DOMAIN\]user:password@host[\instance][:port]/database?option=value&...`.
 * A relative sqlite path is resolved against `baseDir` (the settings file's folder). Options are case-
 * insensitive: encrypt, trustServerCertificate (true/false, yes/no, 1/0), instanceName, domain, user,
 * password, port, connectionTimeout and requestTimeout (ms). Error text never includes the password.
 */
export function parseDsn(dsn: string, baseDir: string = process.cwd()): Dsn {
  const text = dsn.trim();
  if (text.startsWith('sqlite:')) {
    const p = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!p) throw new DsnError('sqlite DSN has no file path (expected sqlite:<path>)');
    if (p === ':memory:') return { kind: 'sqlite', path: p };
    return { kind: 'sqlite', path: path.resolve(baseDir, p) };
  }
  if (/^mssql:\/\//i.test(text)) return parseMssql(text);
  throw new DsnError(`unsupported DSN "${redactDsn(text)}" (expected sqlite:<path> or mssql://user:password@host:port/database)`);
}

function parseMssql(text: string): MssqlDsn {
  const shown = () => redactDsn(text);
  const split = splitAuthority(text, 'mssql://'.length);
  if (!split) throw new DsnError(`mssql DSN is not mssql://user:password@host[\\instance][:port]/database: ${shown()}`);
  const [, rawHost, rawInstance, rawPort, rawPath, rawQuery] = split.server;
  let user = '';
  let password = '';
  if (split.userinfo) {
    const info = text.slice(split.userinfo.start, split.userinfo.end);
    const colon = info.indexOf(':');
    user = decodeLenient(colon < 0 ? info : info.slice(0, colon));
    password = colon < 0 ? '' : decodeLenient(info.slice(colon + 1));
  }
  const options: Record<string, string> = {};
  for (const part of (rawQuery ?? '').slice(1).split(/[&;]/)) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeLenient(eq < 0 ? part : part.slice(0, eq)).trim();
    const name = OPTIONS[key.toLowerCase()];
    if (!name) throw new DsnError(`mssql DSN has an unknown option "${key}" (known: encrypt, trustServerCertificate, instanceName, domain, user, password, port, connectionTimeout, requestTimeout): ${shown()}`);
    options[name] = decodeLenient(eq < 0 ? '' : part.slice(eq + 1));
  }
  if (options.user !== undefined) user = options.user;
  if (options.password !== undefined) password = options.password;
  let domain = options.domain || undefined;
  const slash = user.indexOf('\\');
  if (slash >= 0) {
    if (domain !== undefined && domain.toLowerCase() !== user.slice(0, slash).toLowerCase()) throw new DsnError(`mssql DSN names two domains (${user.slice(0, slash)} and ${domain}): ${shown()}`);
    domain = user.slice(0, slash);
    user = user.slice(slash + 1);
  }
  let host = decodeLenient(rawHost ?? '').replace(/^\[(.*)\]$/, '$1');
  // SQL Server tools write the local machine as . or (local).
  if (host === '.' || host.toLowerCase() === '(local)') host = 'localhost';
  if (!host) throw new DsnError(`mssql DSN has no host: ${shown()}`);
  const database = decodeLenient((rawPath ?? '').replace(/^\//, ''));
  if (!database) throw new DsnError(`mssql DSN has no database name (…@host/database): ${shown()}`);
  if (database.includes('/')) throw new DsnError(`mssql DSN database name may not contain /: ${shown()}`);
  const instance = rawInstance !== undefined ? decodeLenient(rawInstance) : undefined;
  if (instance !== undefined && options.instanceName !== undefined && instance.toLowerCase() !== options.instanceName.toLowerCase()) {
    throw new DsnError(`mssql DSN names two instances (${instance} and ${options.instanceName}): ${shown()}`);
  }
  const instanceName = (instance ?? options.instanceName) || undefined;
  const portText = rawPort ?? options.port;
  if (portText !== undefined && instanceName) throw new DsnError(`mssql DSN gives both a port and an instance name (${instanceName}); give one: ${shown()}`);
  const port = portText !== undefined ? positive('port', portText, 65535) : instanceName ? undefined : 1433;
  const out: MssqlDsn = {
    kind: 'mssql',
    user,
    password,
    host,
    database,
    encrypt: options.encrypt === undefined ? true : bool('encrypt', options.encrypt),
    trustServerCertificate: options.trustServerCertificate === undefined ? false : bool('trustServerCertificate', options.trustServerCertificate),
  };
  if (domain) out.domain = domain;
  if (port !== undefined) out.port = port;
  if (instanceName) out.instanceName = instanceName;
  if (options.connectionTimeout !== undefined) out.connectionTimeoutMs = positive('connectionTimeout', options.connectionTimeout);
  if (options.requestTimeout !== undefined) out.requestTimeoutMs = positive('requestTimeout', options.requestTimeout);
  return out;
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
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(dsn);
  let queryFrom = 0;
  if (scheme) {
    const from = scheme[0].length;
    const split = splitAuthority(dsn, from);
    if (!split) {
      // Not a DSN this parser can read: any of it may be a password, so all of it after scheme:// is masked.
      slots.push({ name: 'userinfo', start: from, end: dsn.length });
      return slots;
    }
    if (split.userinfo) {
      const info = split.userinfo;
      const colon = dsn.slice(info.start, info.end).indexOf(':');
      if (colon >= 0) slots.push({ name: 'userinfo', start: info.start + colon + 1, end: info.end });
      queryFrom = info.end;
    } else if (split.server[3] !== undefined && !/^\d*$/.test(split.server[3])) {
      // user:password with the @host forgotten reads as host:port; a "port" that is not a number may be a password.
      const start = from + split.server[1].length + (split.server[2] !== undefined ? split.server[2].length + 1 : 0) + 1;
      slots.push({ name: 'userinfo', start, end: start + split.server[3].length });
    }
  }
  const re = /(?<=^|[?&;])(password|pwd)=([^;&]*)/gi;
  re.lastIndex = queryFrom;
  for (let m = re.exec(dsn); m; m = re.exec(dsn)) {
    const start = m.index + m[1].length + 1;
    slots.push({ name: m[1].toLowerCase(), start, end: start + m[2].length });
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

/** Where an mssql DSN points, without secrets: host:port or host\instance, then the database. */
export function mssqlWhere(d: MssqlDsn): string {
  return `${d.host}${d.instanceName ? `\\${d.instanceName}` : `:${d.port ?? 1433}`}/${d.database}`;
}

/** Human description of a DSN without secrets: "sqlite /x/web.sqlite" or "mssql host:1433/db". */
export function describeDsn(dsn: Dsn): string {
  return dsn.kind === 'sqlite' ? `sqlite ${dsn.path}` : `mssql ${mssqlWhere(dsn)}`;
}
