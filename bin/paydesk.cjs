#!/usr/bin/env node
'use strict';
// Runs the CLI from the built bundle (out/main/cli.js) whenever it is there and current, else from source through tsx.
// In a checkout the bundle is current only while every file it was built from still has the mtime and size the
// build recorded (out/main/cli-sources.json): one stat per file, a few milliseconds. A packaged app has no sources
// and always runs the bundle. PAYDESK_CLI_SOURCE=1 forces the source.
const { existsSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
process.env.PAYDESK_APP_ROOT = process.env.PAYDESK_APP_ROOT || root;
const source = join(root, 'src-main', 'cli', 'main.ts');
const bundle = join(root, 'out', 'main', 'cli.js');

/** True when the bundle was built from the files as they are now (same mtime and size for every one). */
function bundleIsCurrent() {
  if (!existsSync(bundle)) return false;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'out', 'main', 'cli-sources.json'), 'utf8'));
  } catch {
    return false;
  }
  if (!stamp || !Array.isArray(stamp.files) || stamp.files.length === 0) return false;
  for (const [file, mtimeMs, size] of stamp.files) {
    const st = statSync(join(root, file), { throwIfNoEntry: false });
    if (!st || st.mtimeMs !== mtimeMs || st.size !== size) return false;
  }
  return true;
}

let cli;
if (existsSync(source) && (process.env.PAYDESK_CLI_SOURCE === '1' || !bundleIsCurrent())) {
  require('tsx/cjs/api').register();
  cli = require(source);
} else {
  cli = require(bundle);
}
cli.runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`paydesk: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
