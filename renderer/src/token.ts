// Where the admin token comes from: the `#token=` fragment of the URL that `integrator run` prints. The
// fragment is stripped at once (it never reaches history, referrers or screenshots) and kept in sessionStorage
// so a reload of the same tab still works. In the tray app's window the page holds no token at all: the shell
// adds it to the page's requests, and its preload only says `shell: true`.

export interface IntegratorBridge {
  /** The page runs in the tray app's window, whose requests the shell authorises. */
  shell?: boolean;
  /** Older shells passed the token itself. */
  token?: string;
}

/** Whether the page runs in the tray app's window (its requests carry the token without the page holding it). */
export function inShell(bridge: IntegratorBridge | undefined): boolean {
  return bridge?.shell === true;
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
