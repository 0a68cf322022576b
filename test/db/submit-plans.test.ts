import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto } from '../../src-shared/dto/batches';
import { POSTED_SINCE_MATCHES_SQL } from '../../src-main/services/batches/planned';
import { freshApp } from '../helpers/ledger';
import { perRowLoops } from '../helpers/query-plan';
import { value } from '../helpers/suspense';

let app: ReturnType<typeof freshApp>;
beforeAll(async () => {
  app = freshApp();
  await value(app.dispatch('demo:load', { accounts: 60, seed: 4 }));
});
afterAll(() => app.dispose());

const PARAMS = { payments: 0, reversals: 0, batchId: 1 };

/** How the check finds, for one posted payment, an entry of the batch with its fingerprint. */
function matchLookup(): string[] {
  return perRowLoops(app.ctx.ledger.sqlite, POSTED_SINCE_MATCHES_SQL, PARAMS).filter((l) => /\bm\b/.test(l));
}

describe("submit's check for payments posted since validation", () => {
  // Found with the team soak: with 8 clerks, each submit after the first walked its whole batch (12,500 entries)
  // once per payment the others had posted (by batch_entries_batch_status_idx), 77-92 s of CPU inside the write
  // lock, while every other writer waited.
  it('finds the matching entry by fingerprint within the batch, with no statistics on the entries', () => {
    expect(matchLookup()).toEqual([expect.stringMatching(/\(fingerprint=\? AND batch_id=\?\)/)]);
  });

  it('and with statistics taken while batches hold entries', async () => {
    const accounts = app.ctx.ledger.sqlite
      .prepare(`SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND is_suspense = 0 LIMIT 40`)
      .all() as { no: string }[];
    for (let b = 0; b < 2; b++) {
      const batch = await value<BatchDto>(
        app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
      );
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: accounts.map((a, i) => ({
            accountNo: a.no,
            amount: `${b + 1}${i}.00`,
            checkNo: `${b}${i}`,
          })),
        }),
      );
    }
    app.ctx.ledger.sqlite.exec('ANALYZE');
    expect(matchLookup()).toEqual([expect.stringMatching(/\(fingerprint=\? AND batch_id=\?\)/)]);
  });
});
