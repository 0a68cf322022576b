import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openApp, type App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import { giveTestPassword } from './passwords';
import { postPayment, suspend, usdAccountsVia, value } from './suspense';
import { tempDir } from './temp';

/** A test app whose clock the test moves (postings on chosen days). */
export type ClockedApp = App & {
  dir: string;
  file: string;
  setNow: (iso: string) => void;
  dispose: () => void;
};

/** Opens the services on a fresh ledger file with a clock the test sets. */
export function clockedApp(start: string, login = 'tester'): ClockedApp {
  const { dir, cleanup } = tempDir('paydesk-gl-');
  const file = join(dir, 'ledger.sqlite');
  let now = new Date(start);
  const app = openApp({ file, login, clock: () => now, migrationsFolder: 'db/migrations' });
  giveTestPassword(app.ctx.ledger.sqlite, login);
  return {
    ...app,
    dir,
    file,
    setNow: (iso) => {
      now = new Date(iso);
    },
    dispose: () => {
      app.close();
      cleanup();
    },
  };
}

/** What the suspense scenario did, for the figures a test expects. */
export type SuspenseScenario = {
  suspended: number[];
  distributedTo: string[];
  recycledPaymentId: number;
  removedPaymentId: number;
  eurAccountNo: string;
};

/**
 * The G/L scenario on a demo ledger (opened in November): on 2026-12-05 three USD payments go to suspense
 * (500.00, 80.00, 33.33), the 500.00 is distributed over two accounts (200.00 + 300.00, G/L 113), a 40.00 payment
 * posted to a wrong account is recycled into suspense (G/L 113), the 80.00 is removed as unallocatable (G/L 112),
 * and a EUR payment of 12.34 is posted.
 */
export async function suspenseScenario(
  app: App<LedgerPlace> & Pick<ClockedApp, 'setNow'>,
): Promise<SuspenseScenario> {
  await value(app.dispatch('demo:load', { accounts: 60, seed: 5 }));
  app.setNow('2026-12-05T10:00:00Z');
  const [a1, a2, wrong] = await usdAccountsVia(app, 3);
  const suspended = await suspend(app, [
    { amount: '500.00', payerName: 'Distributed Payer' },
    { amount: '80.00', payerName: 'Nobody Knows' },
    { amount: '33.33', payerName: 'Still Waiting' },
  ]);
  await value(
    app.dispatch('suspense:distribute', {
      paymentId: suspended[0],
      targets: [
        { accountNo: a1!.accountNo, amount: '200.00' },
        { accountNo: a2!.accountNo, amount: '300.00' },
      ],
    }),
  );
  const recycledPaymentId = await postPayment(app, wrong!.accountNo, '40.00', { allocate: 'none' });
  await value(app.dispatch('suspense:recycle', { paymentIds: [recycledPaymentId], reasonCode: 4002 }));
  await value(app.dispatch('suspense:remove', { paymentId: suspended[1], reasonCode: 4999 }));
  // Through the port, so the scenario runs on a PostgreSQL app of the matrix too.
  const eur = (await app.ctx.storage.transaction(
    (tx) =>
      tx.get<{ accountNo: string }>(
        sql`SELECT account_no AS "accountNo" FROM accounts WHERE currency = 'EUR' AND is_suspense = 0 ORDER BY id LIMIT 1`,
      ),
    { readOnly: true },
  ))!;
  await postPayment(app, eur.accountNo, '12.34', { allocate: 'none' });
  return {
    suspended,
    distributedTo: [a1!.accountNo, a2!.accountNo],
    recycledPaymentId,
    removedPaymentId: suspended[1]!,
    eurAccountNo: eur.accountNo,
  };
}
