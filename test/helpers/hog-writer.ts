/**
 * A worker thread that writes to a ledger in back-to-back transactions of `holdMs` each, as jobs queued one
 * behind another do on a team server, until told to stop. It lets interactive writers go first the way job
 * workers do (db/write-priority.ts), with the buffer it is given.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachLedger } from '../../db/client';
import { yieldToInteractiveWriters } from '../../db/write-priority';

const data = workerData as { file: string; holdMs: number; priority: SharedArrayBuffer };
const ledger = attachLedger(data.file);
ledger.sqlite.pragma('busy_timeout = 60000');
yieldToInteractiveWriters(ledger.sqlite, data.priority);
const pause = new Int32Array(new SharedArrayBuffer(4));
let stop = false;
parentPort?.on('message', () => {
  stop = true;
});
const write = ledger.sqlite.prepare(
  `INSERT INTO settings (key, value) VALUES ('hog', '0') ON CONFLICT (key) DO UPDATE SET value = value + 1`,
);
let n = 0;
const step = (): void => {
  if (stop) {
    ledger.close();
    parentPort?.postMessage({ done: n });
    return;
  }
  ledger.sqlite.transaction(() => {
    write.run();
    Atomics.wait(pause, 0, 0, data.holdMs);
  })();
  n++;
  if (n === 1) parentPort?.postMessage({ started: true });
  // Back to the event loop (to hear "stop"), then straight into the next transaction.
  setImmediate(step);
};
step();
