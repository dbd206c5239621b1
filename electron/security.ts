// The window's security in one place, so a test can hold it: the page is the admin UI served by the core on
// 127.0.0.1; it gets no Node, runs sandboxed and isolated, may ask for no permission, is kept on the admin
// origin, and never holds the admin token: the main process adds it to the window's admin requests.
import type { BrowserWindowConstructorOptions, Session } from 'electron';
import type { WindowBounds } from './shellStore.js';

/** Applied to every response the window loads (the core sends the same policy; this holds if it did not). */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export function windowOptions(o: { preload: string; icon?: string; bounds?: WindowBounds | null }): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 820,
    ...(o.bounds ?? {}),
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'Integrator',
    icon: o.icon,
    autoHideMenuBar: true,
    webPreferences: {
      preload: o.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/** Only the admin UI's own origin may be shown in the window. */
export function isAdminOrigin(url: string, adminUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(adminUrl).origin;
  } catch {
    return false;
  }
}

export interface AdminTarget {
  adminUrl: string;
  token: string;
}

/**
 * Hardens the window's session: the CSP on every response, no permissions, and the Authorization header on
 * every request to the admin origin (only there: the token never goes to another host).
 */
export function secureSession(session: Pick<Session, 'webRequest' | 'setPermissionRequestHandler'>, target: () => AdminTarget | null): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.webRequest.onBeforeSendHeaders((details, callback) => {
    const t = target();
    const headers = { ...details.requestHeaders };
    if (t && isAdminOrigin(details.url, t.adminUrl)) headers.Authorization = `Bearer ${t.token}`;
    else delete headers.Authorization;
    callback({ requestHeaders: headers });
  });
}
