// Where the admin token comes from: the Electron preload bridge, or the `#token=` fragment of the URL that
// `integrator run` prints. The fragment is stripped at once (it never reaches history, referrers or
// screenshots) and kept in sessionStorage so a reload of the same tab still works.

export interface IntegratorBridge {
  token?: string;
  adminUrl?: string;
}

const STORAGE_KEY = 'integrator.token';

export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const t = params.get('token');
  return t && t.trim() ? t.trim() : null;
}

export interface TokenSources {
  bridge?: IntegratorBridge | undefined;
  hash: string;
  storage?: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null;
  /** Called with the URL without its fragment when the token was taken from it. */
  stripHash?: () => void;
}

export function takeToken(src: TokenSources): string | null {
  if (src.bridge?.token) return src.bridge.token;
  const fromHash = tokenFromHash(src.hash);
  if (fromHash) {
    try {
      src.storage?.setItem(STORAGE_KEY, fromHash);
    } catch {
      // Storage may be disabled; the token still works for this page.
    }
    src.stripHash?.();
    return fromHash;
  }
  try {
    return src.storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}
