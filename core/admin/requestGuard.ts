// What the admin API checks about a request before it looks at the token: that its target is a plain path (what
// the router matches is then what was authorised), and that it does not come from a page of another origin.

/** Characters that are never percent-encoded in a canonical path (RFC 3986 "unreserved"). */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Why a request target is not a plain origin-form path, or null. Refused: absolute-form and asterisk-form targets,
 * raw characters a client must encode (controls, spaces, non-ASCII, backslash, `;`, `#`), empty segments (`//`),
 * dot segments (`/./`, `/../`), needless or broken percent-encoding (`%61pi`, `%2e`, `%zz`) and encoded controls or
 * backslashes. Encoded reserved characters a path segment may need (`%2F`, `%20`, `%25`...) stay allowed.
 */
export function targetProblem(target: string): string | null {
  if (!target.startsWith('/')) return 'it must be a path starting with /';
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  const query = q >= 0 ? target.slice(q + 1) : '';
  if (/[^\x21-\x7e]/.test(path) || /[\\;#]/.test(path)) return 'its path holds a character that must be percent-encoded';
  if (/[^\x21-\x7e]/.test(query) || query.includes('#')) return 'its query holds a character that must be percent-encoded';
  if (path.includes('//')) return 'its path has an empty segment (//)';
  for (const segment of path.split('/')) if (segment === '.' || segment === '..') return 'its path has a dot segment';
  for (let i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 1)) {
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return 'its path has a broken percent-encoding';
    const code = parseInt(hex, 16);
    const c = String.fromCharCode(code);
    if (UNRESERVED.test(c)) return `its path percent-encodes "${c}", which is never encoded`;
    if (code < 0x20 || code === 0x7f || c === '\\') return 'its path encodes a control character or a backslash';
  }
  return null;
}

/** The decoded path of a target ("/api%2Fstatus" -> "/api/status"); the raw path when it cannot be decoded. */
export function decodedPath(target: string): string {
  const path = target.split('?')[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Does the path (any case, decoded) name the API? */
export function isApiPath(target: string): boolean {
  return /^\/api(\/|$)/i.test(decodedPath(target));
}

export interface OriginHeaders {
  origin?: string | string[];
  'sec-fetch-site'?: string | string[];
  'sec-fetch-mode'?: string | string[];
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v);

/**
 * Why a request looks sent by a page of another origin, or null. `host` is the request's (already checked) Host
 * header: the admin UI's own origin is http://<host>. An Origin header must be exactly that; a browser's
 * Sec-Fetch-Site must be same-origin or none (typed by the admin). A navigation to a public page (a link to the UI
 * from elsewhere) is let through: the page then needs the token for every call it makes.
 */
export function foreignProblem(headers: OriginHeaders, host: string, publicNavigation: boolean): string | null {
  const origin = one(headers.origin);
  if (origin !== undefined) {
    let own: URL;
    let given: URL | null = null;
    try {
      own = new URL(`http://${host}`);
    } catch {
      return 'the Host header is not valid';
    }
    try {
      given = new URL(origin);
    } catch {
      given = null;
    }
    const exact = given !== null && given.origin === origin.toLowerCase().replace(/\/$/, '') && given.pathname === '/';
    if (!given || !exact || given.protocol !== 'http:' || given.host !== own.host) return `requests from origin ${origin.slice(0, 100)} are not accepted: only the admin UI's own origin (${own.origin})`;
  }
  const site = one(headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    const navigation = one(headers['sec-fetch-mode']) === 'navigate';
    if (!(navigation && publicNavigation)) return `a ${site} request is not accepted: only the admin UI's own origin may call the API`;
  }
  return null;
}
