// The window on the admin UI: one at a time, hidden (not closed) by its close button, kept on the admin
// origin, links out of it opened in the system browser, its size and place remembered in the shell's store.
import { BrowserWindow, shell as desktop } from 'electron';
import { isAdminOrigin, windowOptions } from './security.js';
import type { ShellStore } from './shellStore.js';

export interface AdminWindow {
  /** Shows the window on adminUrl (creating it, or loading adminUrl when the core moved). */
  show(adminUrl: string): void;
  current(): BrowserWindow | null;
  /** Lets the window close for real (quitting). */
  allowClose(): void;
}

export function createAdminWindow(o: { preload: string; icon: string; store: ShellStore }): AdminWindow {
  let win: BrowserWindow | null = null;
  let loaded: string | null = null;
  let closing = false;

  const saveBounds = () => {
    if (win && !win.isDestroyed() && !win.isMinimized()) o.store.set('windowBounds', win.getBounds());
  };

  return {
    current: () => win,
    allowClose: () => void (closing = true),
    show(adminUrl) {
      if (!win || win.isDestroyed()) {
        const w = new BrowserWindow(windowOptions({ preload: o.preload, icon: o.icon, bounds: o.store.get('windowBounds') }));
        win = w;
        loaded = null;
        w.webContents.setWindowOpenHandler(({ url }) => {
          // Links out of the admin UI open in the system browser, never in this privileged window.
          if (/^https?:/.test(url) && !isAdminOrigin(url, loaded ?? adminUrl)) void desktop.openExternal(url);
          return { action: 'deny' };
        });
        w.webContents.on('will-navigate', (event, url) => {
          if (!isAdminOrigin(url, loaded ?? adminUrl)) event.preventDefault();
        });
        w.on('resize', saveBounds);
        w.on('move', saveBounds);
        w.on('close', (event) => {
          saveBounds();
          if (!closing) {
            event.preventDefault();
            w.hide();
          }
        });
        w.once('ready-to-show', () => w.show());
      } else {
        if (win.isMinimized()) win.restore();
        win.show();
        win.focus();
      }
      if (loaded !== adminUrl) {
        loaded = adminUrl;
        void win.loadURL(`${adminUrl}/`);
      }
    },
  };
}
