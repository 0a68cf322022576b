/**
 * Keyed-entry benchmark in the real renderer (Chromium over the loopback bridge): keys entries with the keyboard
 * only at each delay between keys (0 ms is a keyboard wedge or a barcode scanner), on the documented path
 * (account Tab amount [Tab check] Enter or Ctrl+Enter), then reads the saved entries through the services and
 * prints: entries, lost or misplaced characters, focus escapes, non-data keys per entry, entries per minute.
 * Run: npx tsx bench/keying.ts [--entries 1000] [--delays 0,30,120]   (exit code 1 when anything was lost)
 */
import { startSession } from '../test/e2e/helpers';
import { keyedEntries, keyRun, newKeyingBatch, service } from '../test/e2e/keying-driver';

const argOf = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ENTRIES = Number(argOf('--entries') ?? 1000);
const DELAYS = (argOf('--delays') ?? '0,30,120').split(',').map(Number);

async function main(): Promise<void> {
  const s = await startSession({ login: 'bench.clerk' });
  let failed = false;
  try {
    await service(s, 'demo:load', { accounts: 50, seed: 3 });
    for (const delayMs of DELAYS) {
      const batchId = await newKeyingBatch(s);
      const entries = keyedEntries(ENTRIES, 101 + delayMs);
      const f = await keyRun(s, batchId, entries, delayMs);
      const twoField = entries.filter((e) => !e.checkNo).length;
      console.log(
        [
          `delay ${delayMs} ms between keys`,
          `entries ${f.entries}`,
          `lost or misplaced characters ${f.lostOrMisplaced}`,
          `focus escapes ${f.focusEscapes.length}`,
          `non-data keys per entry ${f.nonDataKeysMean.toFixed(2)} mean, ${f.nonDataKeysMax} max ` +
            `(2 for the ${twoField} entries of account and amount, 3 with a check number)`,
          `entries per minute ${f.entriesPerMinute} (keys typed in ${f.typedSeconds} s, all saved after ${f.savedSeconds} s)`,
        ].join(' | '),
      );
      for (const m of [...f.mismatches, ...f.focusEscapes.slice(0, 5)]) console.log(`  ${m}`);
      if (f.lostOrMisplaced > 0 || f.focusEscapes.length > 0) failed = true;
    }
  } finally {
    await s.close();
  }
  process.exitCode = failed ? 1 : 0;
}

void main();
