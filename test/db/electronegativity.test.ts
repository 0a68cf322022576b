import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp';

// Issue #12: @doyensec/electronegativity over the main-process sources and the built app; CI fails on any HIGH
// finding. The tool tries the network on every run (Electron releases, translations) and carries on without
// it, so a scan takes ~10-15 s here; the three scans run side by side.
//
// Triage of what it reports today (LOW only):
// - CSP_GLOBAL_CHECK "Failed to parse CSP" on window.ts / out/main/index.js: the policy is built at run time
//   (electron/csp.ts, tested in test/unit/electron-hardening.test.ts), which a static scan cannot read.
// - CSP_GLOBAL_CHECK on out/renderer/index.html: the meta policy is the broad outer bound (frame-src
//   `http://127.0.0.1:* https:` so the browser mode over the bridge can frame the simulator's card page); in the
//   desktop app the response header narrows frame-src to the configured processors, and a page obeys both.

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const requireHere = createRequire(import.meta.url);
const helpers = requireHere('../helpers/fake-electron.cjs') as { ensureBuilt: (root: string) => boolean };
const ELECTRON_VERSION = (requireHere('electron/package.json') as { version: string }).version;
const run = promisify(execFile);

type Finding = { issue: string; severity: string; confidence: string; filename: string; location: string };

/** Scans a folder and returns the findings of the CSV report. */
async function scan(input: string, report: string): Promise<Finding[]> {
  await run(
    process.execPath,
    [
      join(ROOT, 'scripts', 'electronegativity.mjs'),
      '-i',
      input,
      '-r',
      '-e',
      ELECTRON_VERSION,
      // Compares the Electron version with the releases list online; not available offline.
      '-x',
      'AvailableSecurityFixesGlobalCheck',
      '-o',
      report,
    ],
    { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const parsed = Papa.parse<Record<string, string>>(readFileSync(report, 'utf8'), {
    header: true,
    skipEmptyLines: true,
    transformHeader: (h) => h.trim(),
  });
  // A report the tool wrote out of order (scripts/electronegativity.mjs) reads as rows of nonsense; say so.
  const broken = parsed.data.filter(
    (r) => !/^[A-Z][A-Z0-9_]+$/.test(r.issue ?? '') || parsed.errors.length > 0,
  );
  if (broken.length > 0) throw new Error(`unreadable report ${report}: ${JSON.stringify(broken[0])}`);
  return parsed.data.map((r) => ({
    issue: r.issue ?? '',
    severity: r.severity ?? '',
    confidence: r.confidence ?? '',
    filename: r.filename ?? '',
    location: r.location ?? '',
  }));
}

describe('electronegativity', () => {
  const tmp = tempDir('paydesk-electroneg-');
  let sources: Finding[] = [];
  let built: Finding[] = [];
  let bad: Finding[] = [];

  beforeAll(async () => {
    helpers.ensureBuilt(ROOT);
    // A window configured the way the checklist forbids: proves the scan finds HIGH issues at all.
    const badDir = join(tmp.dir, 'bad');
    mkdirSync(badDir);
    writeFileSync(
      join(badDir, 'main.js'),
      "const { BrowserWindow } = require('electron');\n" +
        'new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, webSecurity: false } });\n',
    );
    [sources, built, bad] = await Promise.all([
      scan(join(ROOT, 'src-main'), join(tmp.dir, 'src.csv')),
      scan(join(ROOT, 'out'), join(tmp.dir, 'out.csv')),
      scan(badDir, join(tmp.dir, 'bad.csv')),
    ]);
  }, 180_000);

  afterAll(() => tmp.cleanup());

  it('finds the HIGH issues of a badly configured window (the gate works)', () => {
    expect(bad.filter((f) => f.severity === 'HIGH').map((f) => f.issue)).toEqual(
      expect.arrayContaining(['CONTEXT_ISOLATION_JS_CHECK', 'LIMIT_NAVIGATION_GLOBAL_CHECK']),
    );
  });

  it('reports no HIGH finding in src-main', () => {
    expect(sources.filter((f) => f.severity === 'HIGH')).toEqual([]);
  });

  it('reports no HIGH finding in the built app (out/)', () => {
    expect(built.filter((f) => f.severity === 'HIGH')).toEqual([]);
  });

  it('reports nothing above LOW that has not been triaged', () => {
    const triaged = new Set(['CSP_GLOBAL_CHECK']);
    expect([...sources, ...built].filter((f) => f.severity !== 'LOW' || !triaged.has(f.issue))).toEqual([]);
  });
});
