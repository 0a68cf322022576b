import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appMenuTemplate } from '../../src-main/electron/app-menu';
import { contentSecurityPolicy, hostedPageOrigins } from '../../src-main/electron/csp';
import { mainWindowWebPreferences } from '../../src-main/electron/web-preferences';

// Issue #12, Electron hardening: the pieces of window.ts and index.ts that decide security, tested without the
// Electron binary.

/** Every item of a menu template, submenus included. */
function items(template: readonly MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? items(i.submenu) : [])]);
}

describe('application menu', () => {
  const DEV_ROLES = ['toggleDevTools', 'reload', 'forceReload'];
  for (const platform of ['linux', 'win32', 'darwin'] as const) {
    it(`packaged on ${platform}: Edit, Window and Help, and no DevTools or reload`, () => {
      const menu = appMenuTemplate({ isPackaged: true, platform, appName: 'Paydesk', onAbout: () => {} });
      const roles = items(menu).map((i) => i.role);
      for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']) expect(roles).toContain(role);
      for (const role of DEV_ROLES) expect(roles).not.toContain(role);
      const labels = menu.map((m) => m.label ?? m.role);
      expect(labels).toEqual(expect.arrayContaining(['Edit', 'Window', 'Help']));
      expect(labels).not.toContain('View');
      // No accelerator anywhere opens the developer tools.
      expect(items(menu).some((i) => /I$/.test(String(i.accelerator ?? '')))).toBe(false);
    });
  }

  it('keeps reload and DevTools for developers (unpackaged)', () => {
    const roles = items(
      appMenuTemplate({ isPackaged: false, platform: 'linux', appName: 'Paydesk', onAbout: () => {} }),
    ).map((i) => i.role);
    expect(roles).toEqual(expect.arrayContaining(DEV_ROLES));
  });

  it('Help offers About, which calls back', () => {
    let asked = 0;
    const menu = appMenuTemplate({
      isPackaged: true,
      platform: 'linux',
      appName: 'Paydesk',
      onAbout: () => asked++,
    });
    const help = menu.find((m) => m.label === 'Help');
    const about = items([help!]).find((i) => i.label === 'About Paydesk');
    (about?.click as () => void)();
    expect(asked).toBe(1);
  });
});

describe('content security policy', () => {
  it('frames only the configured processors’ hosted-page origins', () => {
    expect(
      hostedPageOrigins([
        'https://pay.example.com/api/v1',
        'http://127.0.0.1:4010',
        'https://pay.example.com:443/other',
        'not a url',
        'ftp://files.example.com/',
        'javascript:alert(1)',
      ]),
    ).toEqual(['http://127.0.0.1:4010', 'https://pay.example.com']);
    const csp = contentSecurityPolicy({ frameOrigins: ['http://127.0.0.1:4010', 'https://pay.example.com'] });
    expect(csp).toContain('frame-src http://127.0.0.1:4010 https://pay.example.com;');
    expect(csp).not.toMatch(/frame-src[^;]*(https:(?!\/\/)|\*)/);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('frames nothing when no processor is configured', () => {
    expect(contentSecurityPolicy({ frameOrigins: [] })).toContain("frame-src 'none'");
  });

  it('the dev policy adds only what the dev server needs', () => {
    const csp = contentSecurityPolicy({ frameOrigins: ['http://127.0.0.1:4010'], dev: true });
    expect(csp).toContain('frame-src http://127.0.0.1:4010;');
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    expect(csp).toContain('connect-src');
  });

  it('never lets a configured value smuggle in another directive', () => {
    expect(hostedPageOrigins(["https://a.example.com; script-src 'unsafe-eval'"])).toEqual([]);
    expect(contentSecurityPolicy({ frameOrigins: ['https://a.example.com; script-src *'] })).toContain(
      "frame-src 'none'",
    );
  });
});

describe('main window web preferences', () => {
  it('isolates and sandboxes the renderer, with no Node and DevTools only unpackaged', () => {
    const prefs = mainWindowWebPreferences('/app/out/preload/index.js', { isPackaged: true });
    expect(prefs).toEqual({
      preload: '/app/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: false,
      disableBlinkFeatures: 'Auxclick',
    });
    expect(mainWindowWebPreferences('/p.js', { isPackaged: false }).devTools).toBe(true);
  });
});
