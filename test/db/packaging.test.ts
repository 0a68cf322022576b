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

/** A folder that looks enough like an unpacked Electron release for electron-builder's dir target. */
function fakeElectronDist(dir: string): void {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'), { recursive: true });
  writeFileSync(
    join(dir, 'electron'),
    '#!/bin/sh\necho "stand-in Electron: the real binary is not available here" >&2\nexit 1\n',
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

  it('names the Linux executable paydesk', () => {
    expect(existsSync(join(output, 'linux-unpacked', 'paydesk'))).toBe(true);
  });
});
