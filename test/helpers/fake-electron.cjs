'use strict';
// A stand-in for the `electron` module so the built main bundle can be loaded in plain Node (the Electron
// binary cannot run on these machines). It records what main does: IPC handlers, windows, dialogs, paths.
const Module = require('node:module');
const { EventEmitter } = require('node:events');
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, rmdirSync, statSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { tmpdir } = require('node:os');

/** Builds a fresh fake electron module and the state it records. */
function createFakeElectron(options = {}) {
  const state = {
    handlers: new Map(),
    windows: [],
    errorBoxes: [],
    quitCalls: 0,
    relaunches: [],
    exits: [],
    paths: {},
    name: undefined,
    headersListener: undefined,
    permissionRequestHandler: undefined,
    permissionCheckHandler: undefined,
    exposed: {},
    invoked: [],
    applicationMenu: undefined,
    protocolHandlers: new Map(),
  };

  class FakeWebContents extends EventEmitter {
    constructor() {
      super();
      this.sent = [];
      this.windowOpenHandler = undefined;
    }
    send(channel, payload) {
      this.sent.push({ channel, payload });
    }
    setWindowOpenHandler(handler) {
      this.windowOpenHandler = handler;
    }
    /** Emits a navigation event the way Electron does and says whether main prevented it. */
    tryNavigate(eventName, url) {
      let prevented = false;
      this.emit(eventName, { preventDefault: () => (prevented = true) }, url);
      return prevented;
    }
  }

  class BrowserWindow extends EventEmitter {
    static getAllWindows() {
      return state.windows.filter((w) => !w.destroyed);
    }
    constructor(opts) {
      super();
      this.options = opts;
      this.webContents = new FakeWebContents();
      this.destroyed = false;
      this.loaded = undefined;
      this.shown = false;
      state.windows.push(this);
    }
    loadFile(file) {
      this.loaded = { file };
      return Promise.resolve();
    }
    loadURL(url) {
      this.loaded = { url };
      return Promise.resolve();
    }
    isDestroyed() {
      return this.destroyed;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
    show() {
      this.shown = true;
    }
    close() {
      this.destroyed = true;
      this.emit('closed');
    }
  }

  const app = new EventEmitter();
  Object.assign(app, {
    isPackaged: false,
    whenReady: () => Promise.resolve(),
    getPath: (name) => state.paths[name] ?? join(tmpdir(), 'fake-electron', name),
    setPath: (name, value) => {
      state.paths[name] = value;
    },
    setName: (name) => {
      state.name = name;
    },
    getName: () => state.name ?? 'paydesk',
    getVersion: () => '0.0.0-fake',
    showAboutPanel: () => {},
    requestSingleInstanceLock: () => options.singleInstanceLock ?? true,
    quit: () => {
      state.quitCalls += 1;
    },
    relaunch: (opts) => {
      state.relaunches.push(opts ?? {});
    },
    exit: (code) => {
      state.exits.push(code ?? 0);
    },
  });

  const ipcMain = {
    handle(channel, handler) {
      // Same rule as Electron: a second handler for one channel throws.
      if (state.handlers.has(channel))
        throw new Error(`Attempted to register a second handler for '${channel}'`);
      state.handlers.set(channel, handler);
    },
    removeHandler(channel) {
      state.handlers.delete(channel);
    },
  };

  const dialog = {
    showErrorBox(title, content) {
      state.errorBoxes.push({ title, content });
    },
  };

  const session = {
    defaultSession: {
      webRequest: {
        onHeadersReceived(listener) {
          state.headersListener = listener;
        },
      },
      setPermissionRequestHandler(handler) {
        state.permissionRequestHandler = handler;
      },
      setPermissionCheckHandler(handler) {
        state.permissionCheckHandler = handler;
      },
      protocol: {
        handle(scheme, handler) {
          state.protocolHandlers.set(scheme, handler);
        },
      },
    },
  };

  // The application menu: the template is kept so tests can look for DevTools items.
  const Menu = {
    buildFromTemplate(template) {
      return { template };
    },
    setApplicationMenu(menu) {
      state.applicationMenu = menu;
    },
  };
  // net.fetch for the file protocol handler: answers with an empty page and the headers it was given.
  const net = {
    fetch(request) {
      return Promise.resolve(
        new Response('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      ).then((r) => Object.assign(r, { fetchedUrl: typeof request === 'string' ? request : request.url }));
    },
  };

  // Preload side: what the page would get from contextBridge, and an ipcRenderer that records invokes.
  const contextBridge = {
    exposeInMainWorld(key, value) {
      state.exposed[key] = value;
    },
  };
  const ipcRenderer = new EventEmitter();
  ipcRenderer.invoke = (channel, input) => {
    state.invoked.push({ channel, input });
    return Promise.resolve({ ok: true, value: { channel } });
  };

  // The OS lock-screen signal main listens to (tests emit 'lock-screen').
  const powerMonitor = new EventEmitter();

  return {
    electron: {
      app,
      BrowserWindow,
      contextBridge,
      dialog,
      ipcMain,
      ipcRenderer,
      Menu,
      net,
      powerMonitor,
      session,
    },
    state,
  };
}

/** Makes require('electron') return a fresh fake until uninstall() is called. */
function installFakeElectron(options = {}) {
  const fake = createFakeElectron(options);
  const originalLoad = Module._load;
  Module._load = function load(request, parent, isMain) {
    if (request === 'electron') return fake.electron;
    return originalLoad.call(this, request, parent, isMain);
  };
  return {
    ...fake,
    uninstall() {
      Module._load = originalLoad;
    },
  };
}

/** Forgets every module loaded from a folder (the built bundle), so the next require starts main afresh. */
function forgetModulesUnder(dir) {
  for (const key of Object.keys(require.cache)) if (key.startsWith(dir)) delete require.cache[key];
}

/**
 * Runs `electron-vite build` in root unless out/main/index.js already exists (npm test builds first). A lock
 * directory keeps two test files that start together from building over each other.
 */
function ensureBuilt(root, timeoutMs = 120000) {
  const marker = join(root, 'out', 'main', 'index.js');
  // Inside out/ (git-ignored); electron-vite empties only out/main, out/preload and out/renderer.
  const lock = join(root, 'out', '.build-lock');
  if (existsSync(marker) && !existsSync(lock)) return false;
  mkdirSync(join(root, 'out'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        // A lock older than the timeout is left over from a killed run.
        if (Date.now() - statSync(lock).mtimeMs > timeoutMs) rmdirSync(lock);
      } catch {
        // The lock vanished between the checks: loop and take it.
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for another electron-vite build');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (existsSync(marker)) return false;
    // electron-vite's package exports hide bin/, so go through its package.json.
    const pkg = require.resolve('electron-vite/package.json', { paths: [root] });
    const cli = join(dirname(pkg), 'bin', 'electron-vite.js');
    execFileSync(process.execPath, [cli, 'build'], { cwd: root, stdio: 'pipe', timeout: timeoutMs });
    return true;
  } finally {
    rmdirSync(lock);
  }
}

module.exports = { createFakeElectron, installFakeElectron, forgetModulesUnder, ensureBuilt };
