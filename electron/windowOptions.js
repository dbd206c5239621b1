// The window's security settings in one place, so a test can hold them: the page is the admin UI served by
// the core on 127.0.0.1; it gets no Node, runs sandboxed and isolated, and sees only what the preload exposes.

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

/**
 * @param {{ preload: string, icon?: string, token: string, adminUrl: string }} o
 * @returns {import('electron').BrowserWindowConstructorOptions}
 */
export function windowOptions(o) {
  return {
    width: 1200,
    height: 820,
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
      // The sandboxed preload cannot read files or the environment: it takes these from its argv.
      additionalArguments: [`--integrator-token=${o.token}`, `--integrator-admin-url=${o.adminUrl}`],
    },
  };
}

/**
 * Only the admin UI's own origin may be shown in the window.
 * @param {string} url
 * @param {string} adminUrl
 */
export function isAdminOrigin(url, adminUrl) {
  try {
    return new URL(url).origin === new URL(adminUrl).origin;
  } catch {
    return false;
  }
}
