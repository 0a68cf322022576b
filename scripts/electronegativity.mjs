// Runs @doyensec/electronegativity (pinned devDependency) offline. It requires `commander` without declaring
// it, relying on an old commander being hoisted to the top of node_modules; ours is commander 14 (the CLI), so
// its `require('commander')` is sent to the commander 5 that @electron/asar carries. Usage: the tool's own
// arguments, e.g. `node scripts/electronegativity.mjs -i src-main -r -e 45.4.1 -o report.csv`.
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, resolve as resolvePath, sep } from 'node:path';

const require = createRequire(import.meta.url);
const toolDir = dirname(require.resolve('@doyensec/electronegativity/package.json'));
const asarDir = dirname(require.resolve('@electron/asar/package.json', { paths: [toolDir] }));
const oldCommander = require.resolve('commander', { paths: [asarDir] });
if (!require(join(dirname(oldCommander), 'package.json')).version.startsWith('5.'))
  throw new Error(`expected commander 5 under @electron/asar, found ${oldCommander}`);

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveFilename(request, parent, ...rest) {
  if (request === 'commander' && parent?.filename?.startsWith(toolDir + sep)) return oldCommander;
  return resolve.call(this, request, parent, ...rest);
};

// The tool writes a CSV report as two unordered async writes: the header with flag 'w' and the rows appended
// with flag 'a'. When the append lands first, the header overwrites the start of the first row and the report
// is unreadable (seen in CI, about one run in four here). Writes to the report are made in call order.
const outAt = process.argv.indexOf('-o');
const report = outAt > 0 ? resolvePath(process.argv[outAt + 1]) : undefined;
const writeFile = fs.writeFile;
fs.writeFile = function writeFileInOrder(file, data, options, callback) {
  if (report === undefined || typeof file !== 'string' || resolvePath(file) !== report)
    return writeFile.call(this, file, data, options, callback);
  const done = typeof options === 'function' ? options : callback;
  let error = null;
  try {
    fs.writeFileSync(file, data, typeof options === 'function' ? undefined : options);
  } catch (e) {
    error = e;
  }
  if (done) process.nextTick(done, error);
};

const entry = join(toolDir, 'dist', 'index.js');
process.argv = [process.argv[0], entry, ...process.argv.slice(2)];
require(entry);
