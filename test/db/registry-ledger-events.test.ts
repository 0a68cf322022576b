import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import type { Result } from '../../src-shared/api/result';
import { REGISTRY, type CommandName } from '../../src-shared/api/registry';
import type { BatchDto } from '../../src-shared/dto/batches';
import { APPS, type TestApp } from '../helpers/apps';
import { dispatchConfirmed } from '../helpers/confirm';
import { postPayment, suspend, usdAccountsVia, value } from '../helpers/suspense';

/** One dispatched call: did it post journals, and which ledger:changed events went out while it ran. */
type Call = { command: string; input: unknown; ok: boolean; posted: boolean; whats: string[] };

let app: TestApp;
let calls: Call[];
let tracked: App<LedgerPlace>;

const journals = async (): Promise<number> =>
  (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM journals`))!.n;

describe.each(APPS.filter((r) => r.available))(
  'ledger:changed comes from the registry ($dialect)',
  ({ open }) => {
    beforeEach(async () => {
      app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
      calls = [];
      let whats: string[] = [];
      app.subscribe((event, payload) => {
        if (event === 'ledger:changed') whats.push((payload as { what: string }).what);
      });
      // Every call of the scenario goes through here, so each one's journals and events are seen on their own.
      const dispatch = async (command: string, input: unknown): Promise<Result<unknown>> => {
        const before = await journals();
        whats = [];
        const r = await app.dispatch(command, input);
        calls.push({ command, input, ok: r.ok, posted: (await journals()) > before, whats });
        return r;
      };
      tracked = { ...app, dispatch };
    });
    afterEach(() => app.dispose());

    it('every call that posts declares what it changes, and dispatch tells exactly that', async () => {
      await value(tracked.dispatch('demo:load', { accounts: 30, seed: 4 }));
      const [account] = await usdAccountsVia(app, 1);
      const paymentId = await postPayment(tracked, account!.accountNo, '3.00');
      await value(tracked.dispatch('allocation:undo', { paymentId, reasonCode: 4001 }));
      const [suspended, other] = await suspend(tracked, [{ amount: '5.00' }, { amount: '6.00' }]);
      await value(tracked.dispatch('suspense:note', { paymentId: suspended!, text: 'called the payer' }));
      await value(tracked.dispatch('suspense:remove', { paymentId: other!, reasonCode: 4999 }));
      const batch = await value<BatchDto>(
        tracked.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
      );
      await value(
        tracked.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: account!.accountNo, amount: '2.50' }],
        }),
      );
      await value(tracked.dispatch('batches:validate', { batchId: batch.id }));
      await value(dispatchConfirmed(tracked, 'batches:submit', { batchId: batch.id }));
      await value(tracked.dispatch('batches:undo', { batchId: batch.id, reason: 'keyed twice' }));
      await value(tracked.dispatch('accounts:search', { query: account!.accountNo }));
      // A refused call changes nothing and says nothing.
      expect((await tracked.dispatch('suspense:remove', { paymentId: other!, reasonCode: 4999 })).ok).toBe(
        false,
      );

      // The scenario reaches the posting commands it means to (so the checks below are not vacuous).
      const posting = [...new Set(calls.filter((c) => c.posted).map((c) => c.command))].sort();
      expect(posting).toEqual(
        expect.arrayContaining([
          'batches:submit',
          'batches:undo',
          'demo:load',
          'payments:record',
          'suspense:remove',
        ]),
      );
      for (const c of calls) {
        const def = REGISTRY[c.command as CommandName];
        if (c.posted) expect(def.changes, `${c.command} posts`).toBeDefined();
        if (!c.ok || def.changes === undefined) {
          expect(c.whats, `${c.command} (${c.ok ? 'changes nothing' : 'refused'})`).toEqual([]);
          continue;
        }
        // A batch undo runs its reversal batch's submit inside it: that submit's own event comes first.
        const expected = c.command === 'batches:undo' ? ['allocation', def.changes] : [def.changes];
        expect(c.whats, c.command).toEqual(expected);
      }
    });
  },
);
