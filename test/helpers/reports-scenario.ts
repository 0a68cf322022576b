import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { openApp, type App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import type { BatchDto } from '../../src-shared/dto/batches';
import type { TestApp } from './apps';
import { dispatchConfirmed } from './confirm';
import { giveTestPassword } from './passwords';
import { setSettingVia, usdAccountsVia, value } from './suspense';
import { tempDir } from './temp';

/** The ledger the report tests read, and the known inputs behind their expected figures. */
export type ReportScenario = {
  dir: string;
  file: string;
  open: (at: string, login?: string) => App;
  usd: { accountNo: string; billNo: string; dueMinor: number; dueDate: string }[];
  eur: { accountNo: string; billNo: string; dueDate: string }[];
  b1: number;
  b1Exception: number;
  b3: number;
  b2: number;
  reversedPaymentId: number;
  suspendedUsdId: number;
  lateId: number;
  onTimeId: number;
  cleanup: () => void;
};

const NOW_1 = '2026-11-20T10:00:00Z';
const NOW_2 = '2026-11-21T15:00:00Z';

/**
 * Two days of work on one ledger (demo accounts):
 * 2026-11-20 (tester): deposit B1 (lockbox LB1, check, USD, control 5 / 87.00): A1 30.00, A2 20.00, unknown
 *   account 15.00 (to suspense), A3 a bad date 12.00 (split off to an exception batch, left open), A3 10.00;
 *   then A2's payment is reversed. B3 (lockbox LB1, USD, control 3 / 50.00) keyed 20.00 + 5.00 and left open.
 * 2026-11-21 (clerk2): deposit B2 (lockbox LB2, cash, EUR, channel 2, no control): E1 40.00, unknown 7.00 (to
 *   suspense); (tester) A1 records 5.00 wire on its first bill's due date (on time) and 6.00 on the day after
 *   (late) on channel 3, the USD suspended payment is removed as unallocatable (4999), a policy change waits for
 *   approval, and processor records: a collect run (pass 12.34, soft decline 5.00), an open auth checkpoint of
 *   8.00 and a deposit charged but not posted of 3.00.
 */
export async function buildReportScenario(): Promise<ReportScenario> {
  const { dir, cleanup } = tempDir('paydesk-reports-');
  const file = join(dir, 'ledger.sqlite');
  const open = (at: string, login = 'tester'): App =>
    openApp({ file, login, clock: () => new Date(at), migrationsFolder: 'db/migrations' });
  const first = open(NOW_1);
  giveTestPassword(first.ctx.ledger.sqlite, 'tester');
  const facts = await workReportScenario(
    first,
    (at, login) => Promise.resolve(open(at, login)),
    (app) => app.close(),
  );
  return { ...facts, dir, file, open, cleanup };
}

/** What the report scenario made, on whichever database it ran. */
export type ReportFacts = Omit<ReportScenario, 'dir' | 'file' | 'open' | 'cleanup'>;

/**
 * buildReportScenario on an app of the matrix (both databases): the same two days on its ledger, worked by
 * other apps on it (`again`) at the scenario's times. `app` is opened with no login or as tester, so tester is
 * the first operator (every role), as in buildReportScenario; the CLI can sign in as tester.
 */
export async function buildReportScenarioOn(app: TestApp): Promise<ReportFacts> {
  const first = await app.again({ login: 'tester', clock: () => new Date(NOW_1) });
  await app.giveTestPassword('tester');
  return workReportScenario(
    first,
    (at, login = 'tester') => app.again({ login, clock: () => new Date(at) }),
    // The matrix app closes the apps it opened.
    () => undefined,
  );
}

const scenarioSql = {
  dueDate: (billNo: string): SQL => sql`SELECT due_date AS d FROM bills WHERE bill_no = ${billNo}`,
  eurAccounts: (): SQL =>
    sql`SELECT a.account_no AS "accountNo", min(b.bill_no) AS "billNo" FROM accounts a JOIN bills b ON b.account_id = a.id
         WHERE a.currency = 'EUR' AND a.status = 'active' AND b.status = 'open' GROUP BY a.id, a.account_no ORDER BY a.id LIMIT 1`,
  postedPayment: (batchId: number, seq: number): SQL =>
    sql`SELECT posted_payment_id AS p FROM batch_entries WHERE batch_id = ${batchId} AND seq = ${seq}`,
  processor: (): SQL =>
    sql`INSERT INTO processors (name, kind, url, merchants_json, created_at, updated_at)
         VALUES ('sim', 'simulator', 'http://127.0.0.1:1', '{}', ${NOW_2}, ${NOW_2}) RETURNING id`,
  collectRun: (processorId: number): SQL =>
    sql`INSERT INTO collect_runs (kind, processor_id, options_json, status, selected, started_at, finished_at)
         VALUES ('collect', ${processorId}, '{}', 'done', 2, '2026-11-21T02:00:00.000Z', '2026-11-21T02:05:00.000Z')
         RETURNING id`,
  accountId: (accountNo: string): SQL => sql`SELECT id FROM accounts WHERE account_no = ${accountNo}`,
  processorTxn: (
    key: string,
    processorId: number,
    command: string,
    runId: number | null,
    accountId: number,
    amountMinor: number,
    result: number,
    at: string,
  ): SQL =>
    sql`INSERT INTO processor_txns (idem_key, processor_id, command, run_id, account_id, merchant, amount_minor, currency,
          pay_type, result, created_at)
        VALUES (${key}, ${processorId}, ${command}, ${runId}, ${accountId}, 'm', ${amountMinor}, 'USD', 10003, ${result}, ${at})`,
};

/** The two days (see buildReportScenario), from `first` (tester at NOW_1); reads and fixture rows via the port. */
async function workReportScenario(
  first: App<LedgerPlace>,
  open: (at: string, login?: string) => Promise<App<LedgerPlace>>,
  close: (app: App<LedgerPlace>) => void,
): Promise<ReportFacts> {
  let app = first;
  const read = <T>(query: SQL): Promise<T | undefined> =>
    app.ctx.storage.transaction((tx) => tx.get<T>(query), { readOnly: true });
  await value(app.dispatch('demo:load', { accounts: 60, seed: 5 }));
  await setSettingVia(app, 'PaymentSuspense', true);
  const pick = await usdAccountsVia(app, 3);
  const dueOf = async (billNo: string): Promise<string> =>
    (await read<{ d: string }>(scenarioSql.dueDate(billNo)))!.d;
  const usd: ReportFacts['usd'] = [];
  for (const a of pick)
    usd.push({
      accountNo: a.accountNo,
      billNo: a.billNo,
      dueMinor: a.dueMinor,
      dueDate: await dueOf(a.billNo),
    });
  const eur: ReportFacts['eur'] = [];
  for (const a of await app.ctx.storage.transaction(
    (tx) => tx.all<{ accountNo: string; billNo: string }>(scenarioSql.eurAccounts()),
    { readOnly: true },
  ))
    eur.push({ ...a, dueDate: await dueOf(a.billNo) });

  const batch = async (
    input: Record<string, unknown>,
    entries: Record<string, unknown>[],
  ): Promise<number> => {
    const b = await value<BatchDto>(app.dispatch('batches:create', input));
    await value(app.dispatch('batches:save-entries', { batchId: b.id, entries }));
    return b.id;
  };
  const submit = async (batchId: number): Promise<void> => {
    await value(app.dispatch('batches:validate', { batchId }));
    await value(dispatchConfirmed(app, 'batches:submit', { batchId }));
  };
  const [a1, a2, a3] = usd;
  const b1 = await batch(
    {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      lockboxNo: 'LB1',
      controlCount: 5,
      controlTotal: '87.00',
    },
    [
      { accountNo: a1!.accountNo, amount: '30.00' },
      { accountNo: a2!.accountNo, amount: '20.00' },
      { accountNo: 'NOBODY-1', amount: '15.00' },
      { accountNo: a3!.accountNo, amount: '12.00', paymentDate: '2026-13-45' },
      { accountNo: a3!.accountNo, amount: '10.00' },
    ],
  );
  await value(app.dispatch('batches:validate', { batchId: b1 }));
  const ex = await value<{ exception: BatchDto }>(app.dispatch('batches:exception', { batchId: b1 }));
  await submit(b1);
  const paymentOf = async (batchId: number, seq: number): Promise<number> =>
    (await read<{ p: number }>(scenarioSql.postedPayment(batchId, seq)))!.p;
  const reversedPaymentId = await paymentOf(b1, 2);
  const suspendedUsdId = await paymentOf(b1, 3);
  const rev = await batch({ batchType: 'reversal', payType: 10012, currency: 'USD' }, [
    { paymentRef: reversedPaymentId },
  ]);
  await submit(rev);
  const b3 = await batch(
    {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      lockboxNo: 'LB1',
      controlCount: 3,
      controlTotal: '50.00',
    },
    [
      { accountNo: a1!.accountNo, amount: '20.00' },
      { accountNo: a2!.accountNo, amount: '5.00' },
    ],
  );
  close(app);

  app = await open(NOW_2, 'clerk2');
  const b2 = await batch(
    { batchType: 'payment', payType: 10011, currency: 'EUR', channelId: 2, lockboxNo: 'LB2' },
    [
      { accountNo: eur[0]!.accountNo, amount: '40.00' },
      { accountNo: 'NOBODY-2', amount: '7.00' },
    ],
  );
  await submit(b2);
  close(app);

  app = await open(NOW_2);
  const record = async (amount: string, effectiveDate: string): Promise<number> =>
    (
      await value<{ paymentId: number }>(
        app.dispatch('payments:record', {
          accountNo: a1!.accountNo,
          amount,
          effectiveDate,
          payType: 10013,
          channelId: 3,
          allocate: 'auto',
        }),
      )
    ).paymentId;
  const onTimeId = await record('5.00', a1!.dueDate);
  const dayAfter = new Date(`${a1!.dueDate}T00:00:00Z`);
  dayAfter.setUTCDate(dayAfter.getUTCDate() + 1);
  const lateId = await record('6.00', dayAfter.toISOString().slice(0, 10));
  await value(app.dispatch('suspense:remove', { paymentId: suspendedUsdId, reasonCode: 4999 }));
  // A four-eyes rule on the policy table, then a policy change it stops: one approval pending.
  await value(
    app.dispatch('policies:save', { operation: 'policies:save', requirement: 'four_eyes', role: 'admin' }),
  );
  const stopped = await app.dispatch('policies:save', {
    operation: 'suspense:remove',
    requirement: 'second_factor',
  });
  if (stopped.ok || stopped.error.code !== 'approval_required') throw new Error('expected an approval');
  // Processor records as an interrupted night leaves them (fixture rows, no processor call): a collect run of
  // 11-21 with one pass of 12.34 and one soft decline of 5.00; an auth checkpoint (999) of 8.00 and a deposit
  // charged but not posted (1000) of 3.00.
  await app.ctx.storage.transaction(async (tx) => {
    const proc = (await tx.get<{ id: number }>(scenarioSql.processor()))!.id;
    const runId = (await tx.get<{ id: number }>(scenarioSql.collectRun(proc)))!.id;
    const accountId = (await tx.get<{ id: number }>(scenarioSql.accountId(a1!.accountNo)))!.id;
    const txn = scenarioSql.processorTxn;
    await tx.run(txn('k1', proc, 'auth', runId, accountId, 1234, 0, '2026-11-21T02:01:00.000Z'));
    await tx.run(txn('k2', proc, 'auth', runId, accountId, 500, 7, '2026-11-21T02:02:00.000Z'));
    await tx.run(txn('k3', proc, 'auth', null, accountId, 800, 999, '2026-11-21T03:00:00.000Z'));
    await tx.run(txn('k4', proc, 'deposit', null, accountId, 300, 1000, '2026-11-21T04:00:00.000Z'));
  });
  close(app);
  return {
    usd,
    eur,
    b1,
    b1Exception: ex.exception.id,
    b3,
    b2,
    reversedPaymentId,
    suspendedUsdId,
    lateId,
    onTimeId,
  };
}
