#!/usr/bin/env node
'use strict';
// Runs the CLI from source (through tsx) in a checkout, or from the built bundle in a package.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
process.env.PAYDESK_APP_ROOT = process.env.PAYDESK_APP_ROOT || root;
const source = join(root, 'src-main', 'cli', 'main.ts');
let cli;
if (existsSync(source)) {
  require('tsx/cjs/api').register();
  cli = require(source);
} else {
  cli = require(join(root, 'out', 'main', 'cli.js'));
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
