import { extractFile, listPackage } from '@electron/asar';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/ledger';

// electron-builder with a stand-in Electron: checks the package layout without the (undownloadable) binary
// and without the native rebuild, which here would silently compile better-sqlite3 against Node's headers.
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const requireHere = createRequire(import.meta.url);
const helpers = requireHere('../helpers/fake-electron.cjs') as { ensureBuilt: (root: string) => boolean };
const ELECTRON_VERSION = (requireHere('electron/package.json') as { version: string }).version;
const NATIVE = join(ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
const run = promisify(execFile);
/** @electron/fuses' marker before the fuse wire in the Electron binary. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/**
 * Electron 45's defaults, in FuseV1Options order: RunAsNode, EnableCookieEncryption,
 * EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments, EnableEmbeddedAsarIntegrityValidation,
 * OnlyLoadAppFromAsar, LoadBrowserProcessSpecificV8Snapshot, GrantFileProtocolExtraPrivileges.
 */
const ELECTRON_DEFAULT_FUSES = '10110001';

/** A folder that looks enough like an unpacked Electron release for electron-builder's dir target. */
function fakeElectronDist(dir: string): void {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'), { recursive: true });
  // After the script's exit, the fuse wire as Electron lays it out (sentinel, version 1, length, one byte per
  // fuse: '1' on, '0' off), holding Electron's defaults, so electron-builder's fuse flipping has something to flip.
  writeFileSync(
    join(dir, 'electron'),
    Buffer.concat([
      Buffer.from('#!/bin/sh\necho "stand-in Electron: the real binary is not available here" >&2\nexit 1\n'),
      Buffer.from(FUSE_SENTINEL),
      Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]),
      Buffer.from(ELECTRON_DEFAULT_FUSES),
      Buffer.from('\n'),
    ]),
  );
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'version'), ELECTRON_VERSION);
  writeFileSync(join(dir, 'LICENSE'), 'stand-in\n');
  writeFileSync(join(dir, 'LICENSES.chromium.html'), '<p>stand-in</p>\n');
}

describe('electron-builder package layout (linux dir, stand-in electronDist, no native rebuild)', () => {
  const tmp = tempDir('paydesk-pack-');
  const dist = join(tmp.dir, 'electron-dist');
  const output = join(tmp.dir, 'dist');
  const resources = join(output, 'linux-unpacked', 'resources');
  const asarFile = join(resources, 'app.asar');
  let nativeBefore: { mtimeMs: number; size: number };
  let builderLog = '';

  beforeAll(async () => {
    helpers.ensureBuilt(ROOT);
    fakeElectronDist(dist);
    const st = statSync(NATIVE);
    nativeBefore = { mtimeMs: st.mtimeMs, size: st.size };
    const cli = join(dirname(requireHere.resolve('electron-builder/package.json')), 'cli.js');
    const started = performance.now();
    const { stdout, stderr } = await run(
      process.execPath,
      [
        cli,
        '--linux',
        'dir',
        `-c.electronDist=${dist}`,
        '-c.npmRebuild=false',
        `-c.directories.output=${output}`,
      ],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, CI: '1' } },
    );
    builderLog = stdout + stderr;
    console.info(`electron-builder --linux dir: ${Math.round(performance.now() - started)} ms`);
  }, 150_000);

  afterAll(() => tmp.cleanup());

  it('never rebuilt better-sqlite3', () => {
    const st = statSync(NATIVE);
    expect({ mtimeMs: st.mtimeMs, size: st.size }).toEqual(nativeBefore);
    expect(builderLog).not.toMatch(/rebuilding native dependencies|installing native dependencies/i);
  });

  it('packs the built main, worker, CLI, preload and renderer into app.asar, and no sources', () => {
    expect(existsSync(asarFile)).toBe(true);
    const entries = new Set(listPackage(asarFile, { isPack: false }).map((e) => e.replace(/\\/g, '/')));
    for (const f of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/worker.js',
      '/out/main/cli.js',
      '/out/preload/index.js',
      '/out/renderer/index.html',
      '/node_modules/better-sqlite3/package.json',
      '/node_modules/drizzle-orm/package.json',
      '/node_modules/zod/package.json',
    ]) {
      expect(entries, f).toContain(f);
    }
    const list = [...entries];
    expect(list.filter((e) => /^\/(src-main|src-renderer|src-preload|src-shared|test|db)\//.test(e))).toEqual(
      [],
    );
    // devDependencies stay out, and so do the renderer libraries Vite already bundled into out/renderer.
    for (const name of [
      'electron',
      'vitest',
      'electron-builder',
      'typescript',
      'playwright-core',
      '@mui',
      'react',
      'ag-grid-community',
    ]) {
      expect(entries, name).not.toContain(`/node_modules/${name}`);
    }
    expect(entries.size).toBeLessThan(10_000);
    const pkg = JSON.parse(extractFile(asarFile, 'package.json').toString('utf8')) as { main: string };
    expect(pkg.main).toBe('./out/main/index.js');
  });

  it('unpacks the native module next to the archive', () => {
    const unpacked = join(
      resources,
      'app.asar.unpacked',
      'node_modules',
      'better-sqlite3',
      'build',
      'Release',
    );
    expect(existsSync(join(unpacked, 'better_sqlite3.node'))).toBe(true);
  });

  it('ships the migrations as resources/migrations (journal and every SQL file it names)', () => {
    const journalFile = join(resources, 'migrations', 'meta', '_journal.json');
    expect(existsSync(journalFile)).toBe(true);
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
    expect(journal.entries.length).toBeGreaterThan(0);
    for (const e of journal.entries)
      expect(existsSync(join(resources, 'migrations', `${e.tag}.sql`)), e.tag).toBe(true);
  });

  it('unpacks @node-rs/argon2 (napi) next to the archive', () => {
    const unpacked = join(resources, 'app.asar.unpacked', 'node_modules', '@node-rs');
    expect(existsSync(join(unpacked, 'argon2-linux-x64-gnu', 'argon2.linux-x64-gnu.node'))).toBe(true);
    expect(existsSync(join(unpacked, 'argon2-linux-x64-gnu', 'package.json'))).toBe(true);
  });

  it('sets the Electron fuses in the config and flips them in the packaged binary', () => {
    const config = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
    for (const line of [
      'runAsNode: false',
      'enableNodeOptionsEnvironmentVariable: false',
      'enableNodeCliInspectArguments: false',
      'enableEmbeddedAsarIntegrityValidation: true',
      'onlyLoadAppFromAsar: true',
    ])
      expect(config, line).toMatch(new RegExp(`^electronFuses:\\n(?:  .*\\n|\\s*#.*\\n)*?  ${line}$`, 'm'));
    const binary = readFileSync(join(output, 'linux-unpacked', 'paydesk'));
    const at = binary.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
    expect(binary[at]).toBe(1);
    const wire = binary.subarray(at + 2, at + 2 + ELECTRON_DEFAULT_FUSES.length).toString('latin1');
    // RunAsNode off, cookies as shipped, NODE_OPTIONS off, --inspect off, asar integrity on, asar only on.
    expect(wire.slice(0, 6)).toBe('000011');
    expect(wire[7]).toBe('1');
  });

  it('names the Linux executable paydesk', () => {
    expect(existsSync(join(output, 'linux-unpacked', 'paydesk'))).toBe(true);
  });
});
