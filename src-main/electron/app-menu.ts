import type { MenuItemConstructorOptions } from 'electron';

/** What the application menu depends on. */
export type AppMenuOptions = {
  isPackaged: boolean;
  platform: NodeJS.Platform;
  appName: string;
  /** Shows the About panel. */
  onAbout: () => void;
  /** The team server the window shows (issue #17), and how to go back to the ledger on this computer. */
  teamServer?: string;
  onWorkLocally?: () => void;
};

/**
 * The application menu, replacing Electron's default (whose View menu reloads the page and toggles DevTools):
 * Edit (undo, clipboard), Window and Help; the View menu with reload and DevTools exists only unpackaged.
 */
export function appMenuTemplate(opts: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin';
  const menu: MenuItemConstructorOptions[] = [];
  // Connected to a team server, the window shows the server's pages: leaving it is a menu item of the app.
  const team: MenuItemConstructorOptions[] =
    opts.teamServer !== undefined && opts.onWorkLocally
      ? [
          { label: `Team server: ${opts.teamServer}`, enabled: false },
          { label: 'Work on this computer', click: () => opts.onWorkLocally?.() },
          { type: 'separator' },
        ]
      : [];
  if (mac)
    menu.push({
      label: opts.appName,
      submenu: [
        { label: `About ${opts.appName}`, click: () => opts.onAbout() },
        { type: 'separator' },
        ...team,
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  else menu.push({ label: 'File', submenu: [...team, { role: 'quit' }] });
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
