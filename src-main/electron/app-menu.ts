import type { MenuItemConstructorOptions } from 'electron';

/** What the application menu depends on. */
export type AppMenuOptions = {
  isPackaged: boolean;
  platform: NodeJS.Platform;
  appName: string;
  /** Shows the About panel. */
  onAbout: () => void;
};

/**
 * The application menu, replacing Electron's default (whose View menu reloads the page and toggles DevTools):
 * Edit (undo, clipboard), Window and Help; the View menu with reload and DevTools exists only unpackaged.
 */
export function appMenuTemplate(opts: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin';
  const menu: MenuItemConstructorOptions[] = [];
  if (mac)
    menu.push({
      label: opts.appName,
      submenu: [
        { label: `About ${opts.appName}`, click: () => opts.onAbout() },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  else menu.push({ label: 'File', submenu: [{ role: 'quit' }] });
  menu.push({
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  });
  if (!opts.isPackaged)
    menu.push({
      label: 'View',
      submenu: [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }],
    });
  menu.push({
    label: 'Window',
    submenu: mac
      ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }]
      : [{ role: 'minimize' }, { role: 'close' }],
  });
  menu.push({
    label: 'Help',
    submenu: [{ label: `About ${opts.appName}`, click: () => opts.onAbout() }],
  });
  return menu;
}
