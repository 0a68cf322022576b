import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, type E2eSession } from './helpers';
import {
  editorInView,
  isNonDataKey,
  keyedEntries,
  keyRun,
  keysOf,
  newKeyingBatch,
  service,
  waitEditing,
} from './keying-driver';

/**
 * Heads-down keyed entry in the real renderer: 20 entries per run with the keyboard only, at 0 ms (a keyboard
 * wedge or a scanner), 30 ms and 120 ms between keys. Every character lands in its cell of its entry, the focus
 * never leaves the grid, and an entry of account and amount costs two keys that type nothing (Tab, Enter).
 */
describe('Keyed entry in the batch grid', () => {
  let s: E2eSession;

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 50, seed: 3 });
  });

  afterAll(async () => {
    await s?.close();
  });

  for (const [delayMs, count] of [
    [0, 20],
    [30, 20],
    [120, 12],
  ]) {
    it(`keys ${count} entries at ${delayMs} ms between keys without losing a character or the focus`, async () => {
      const batchId = await newKeyingBatch(s);
      const entries = keyedEntries(count!, 7 + delayMs!);
      const figures = await keyRun(s, batchId, entries, delayMs!);
      // The cursor waits in the next entry's first cell, in full view (not under the totals row).
      await waitEditing(s.page, 'accountNo');
      // The grid scrolls the new row into view as it settles; give it the moment a clerk's eye needs.
      await expect.poll(() => editorInView(s), { timeout: 5_000 }).toBe(true);
      await s.screenshot(`keying-grid-${delayMs}ms`);
      expect(figures.mismatches).toEqual([]);
      expect(figures.lostOrMisplaced).toBe(0);
      expect(figures.focusEscapes).toEqual([]);
      // The documented path: Tab between values, Enter (or Ctrl+Enter) after the last one, no key over an empty cell.
      for (const e of entries) {
        const nonData = keysOf(e).filter(isNonDataKey).length;
        expect(nonData).toBe(e.checkNo ? 3 : 2);
      }
      expect(s.consoleErrors).toEqual([]);
      console.log(
        `keying ${delayMs} ms: ${figures.entries} entries, ${figures.lostOrMisplaced} lost or misplaced, ` +
          `${figures.focusEscapes.length} focus escapes, ${figures.entriesPerMinute} entries/min`,
      );
    });
  }
});
