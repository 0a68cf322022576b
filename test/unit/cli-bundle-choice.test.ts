import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp';

// bin/paydesk.cjs picks the built bundle or the TypeScript source. A stand-in checkout with a bundle and a source
// that each say who they are shows which one ran.
const repo = resolve(__dirname, '..', '..');
const RUN_CLI = (who: string): string =>
  `exports.runCli = async () => { process.stdout.write(${JSON.stringify(who)}); return 0; };\n`;

let dir: string;
let cleanup: () => void;

function stamp(files: string[]): void {
  const list = files.map((f) => {
    const st = statSync(join(dir, f));
    return [f, st.mtimeMs, st.size];
  });
  writeFileSync(join(dir, 'out', 'main', 'cli-sources.json'), JSON.stringify({ files: list }));
}

function run(env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'paydesk.cjs'), '--json', 'api'], {
    encoding: 'utf8',
    env: { ...process.env, PAYDESK_CLI_SOURCE: '', ...env },
  });
  expect(r.stderr).toBe('');
  return r.stdout;
}

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'out', 'main'), { recursive: true });
  mkdirSync(join(dir, 'src-main', 'cli'), { recursive: true });
  copyFileSync(join(repo, 'bin', 'paydesk.cjs'), join(dir, 'bin', 'paydesk.cjs'));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'out', 'main', 'cli.js'), RUN_CLI('bundle'));
  writeFileSync(join(dir, 'src-main', 'cli', 'main.ts'), RUN_CLI('source'));
  writeFileSync(join(dir, 'src-main', 'cli', 'other.ts'), 'export const x = 1;\n');
});
afterEach(() => cleanup());

describe('bin/paydesk.cjs: built bundle or source', () => {
  it('runs the bundle while every file it was built from is unchanged', () => {
    stamp(['src-main/cli/main.ts', 'src-main/cli/other.ts']);
    expect(run()).toBe('bundle');
    expect(run({ PAYDESK_CLI_SOURCE: '1' })).toBe('source');
  });

  it('runs the source when a file changed after the build (mtime or size), vanished, or there is no stamp', () => {
    stamp(['src-main/cli/main.ts', 'src-main/cli/other.ts']);
    const later = new Date(Date.now() + 5000);
    utimesSync(join(dir, 'src-main', 'cli', 'other.ts'), later, later);
    expect(run()).toBe('source');

    stamp(['src-main/cli/main.ts', 'src-main/cli/other.ts']);
    const st = statSync(join(dir, 'src-main', 'cli', 'other.ts'));
    writeFileSync(join(dir, 'src-main', 'cli', 'other.ts'), 'export const x = 12;\n');
    utimesSync(join(dir, 'src-main', 'cli', 'other.ts'), st.atime, st.mtime);
    expect(run()).toBe('source');

    stamp(['src-main/cli/main.ts', 'src-main/cli/other.ts']);
    expect(run()).toBe('bundle');
    rmSync(join(dir, 'src-main', 'cli', 'other.ts'));
    expect(run()).toBe('source');

    rmSync(join(dir, 'out', 'main', 'cli-sources.json'));
    expect(run()).toBe('source');
  });

  it('runs the bundle where there is no source (a packaged app)', () => {
    rmSync(join(dir, 'src-main'), { recursive: true });
    expect(run()).toBe('bundle');
  });
});
