// The tray icon: its image and tooltip from the state, its menu from trayMenu.ts.
import { Menu, nativeImage, Tray } from 'electron';
import { trayIconPath, trayMenuTemplate, type TrayActions, type TrayMenuState } from './trayMenu.js';
import { truncate, type TrayState } from './trayState.js';

export interface TrayView {
  render(state: TrayMenuState & { state: TrayState }, lastMessage: string | null): void;
  balloon(title: string, text: string): void;
  destroy(): void;
}

export function createTray(o: { root: string; actions: TrayActions; onClick(): void }): TrayView {
  const tray = new Tray(nativeImage.createFromPath(trayIconPath('running', o.root)));
  tray.on('click', () => o.onClick());
  let destroyed = false;
  return {
    render(state, lastMessage) {
      if (destroyed) return;
      tray.setImage(nativeImage.createFromPath(trayIconPath(state.state, o.root)));
      tray.setToolTip(truncate(lastMessage ? `${state.tooltip}\n${lastMessage}` : state.tooltip));
      tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(o.actions, state, lastMessage)));
    },
    balloon(title, text) {
      // Windows shows it as a notification; elsewhere the tooltip and menu carry the message.
      if (!destroyed && process.platform === 'win32') tray.displayBalloon({ title, content: text });
    },
    destroy() {
      destroyed = true;
      tray.destroy();
    },
  };
}
