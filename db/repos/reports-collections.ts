import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { binary, flag, inList } from './dialect';
import { andAll } from './reports';

/** The filters of the collections report (null: not given), with the period as days. */
export type CollectionsScope = {
  from: string;
  to: string;
  currency: string | null;
  channelId: number | null;
  payType: number | null;
  batchId: number | null;
  operatorId: number | null;
  accountId: number | null;
};

export type ResultRow = {
  result: number;
  currency: string;
  count: number;
  amountMinor: number;
  accounts: number;
};
export type RetryRow = {
  currency: string;
  declined: number;
  scheduled: number;
  exhausted: number;
  done: number;
  recovered: number;
  recoveredMinor: number;
};
export type RecoveredRow = {
  runId: number;
  recoveredAt: string;
  billNo: string;
  accountNo: string;
  currency: string;
  amountMinor: number;
  declinedResult: number;
  declinedAt: string;
};
export type CardRunRow = {
  id: number;
  startedAt: string;
  status: string;
  processor: string;
  selected: number;
};
export type RunResultRow = {
  runId: number;
  result: number;
  currency: string;
  count: number;
  amountMinor: number;
};
export type DebitItemsRow = {
  id: number;
  createdAt: string;
  fileStatus: string;
  format: string;
  fileCount: number;
  status: string;
  returnCode: string | null;
  currency: string;
  count: number;
  amountMinor: number;
};
export type ReturnRow = {
  bankCode: string;
  bankText: string | null;
  rejectionCode: string | null;
  kind: string;
  retCurrency: string | null;
  count: number;
  amountMinor: number;
};

/** Conditions for the given filters only (a null value: that filter was not given). */
function given(...conds: [SQL, string | number | null][]): SQL {
  return andAll(conds.filter(([, v]) => v !== null).map(([c, v]) => sql`${c} = ${v}`));
}

/** A period of days on an ISO instant column. */
function days(column: SQL, f: CollectionsScope): SQL {
  return sql` AND substr(${column}, 1, 10) >= ${f.from} AND substr(${column}, 1, 10) <= ${f.to}`;
}

/** Conditions on card collection attempts: their run (period, operator, channel) and the attempt itself. */
function cardWhere(f: CollectionsScope): SQL {
  return sql`${days(sql`cr.started_at`, f)}${given(
    [sql`cr.operator_id`, f.operatorId],
    [sql`pr.channel_id`, f.channelId],
    [sql`t.currency`, f.currency],
    [sql`t.pay_type`, f.payType],
    [sql`t.account_id`, f.accountId],
  )}`;
}

/** Card attempts in scope: collection runs' authorizations (`auth`/`condition`), with their run and processor. */
const CARD_FROM = sql`FROM processor_txns t JOIN collect_runs cr ON cr.id = t.run_id AND cr.kind = 'collect'
  JOIN processors pr ON pr.id = cr.processor_id WHERE t.command IN ('auth', 'condition')`;

/** An earlier collection attempt `e` on the same bill as attempt `x` that was declined (one of `declined`). */
const earlierDecline = (tx: Tx, x: 't' | 'x', declined: readonly number[]): SQL =>
  sql`e.bill_id = ${sql.raw(x)}.bill_id AND e.id < ${sql.raw(x)}.id AND e.command IN ('auth', 'condition')
      AND ${inList(tx, sql`e.result`, declined)}`;

/** The collections report's reads. */
export const collectionsRepo = {
  /** Every processor result the ledger has seen. */
  async results(tx: Tx): Promise<number[]> {
    const rows = await tx.all<{ result: number }>(
      sql`SELECT DISTINCT result FROM processor_txns ORDER BY result`,
    );
    return rows.map((r) => r.result);
  },

  /** Card attempts by result code and currency. */
  byResult(tx: Tx, f: CollectionsScope): Promise<ResultRow[]> {
    return tx.all(
      sql`SELECT t.result, t.currency, count(*) AS count, sum(t.amount_minor) AS "amountMinor",
                 count(DISTINCT t.account_id) AS accounts
          ${CARD_FROM}${cardWhere(f)} GROUP BY t.result, t.currency ORDER BY ${binary(tx, sql`t.currency`)}, t.result`,
    );
  },

  /**
   * Per currency: declined attempts, retries scheduled and exhausted (workflow items), and retries (attempts on a
   * bill an earlier attempt declined), those approved and their amount.
   */
  retries(tx: Tx, f: CollectionsScope, declined: readonly number[]): Promise<RetryRow[]> {
    const workflow = (kind: string): SQL =>
      flag(sql`EXISTS (SELECT 1 FROM workflow_items w WHERE w.txn_id = x.id AND w.kind = ${kind})`);
    return tx.all(
      sql`SELECT x.currency, sum(x.declined) AS declined,
                 sum(${workflow('soft-decline')}) AS scheduled, sum(${workflow('retries-exhausted')}) AS exhausted,
                 sum(x.retry) AS done, sum(${flag(sql`x.retry = 1 AND x.result = 0`)}) AS recovered,
                 coalesce(sum(CASE WHEN x.retry = 1 AND x.result = 0 THEN x.amount_minor END), 0) AS "recoveredMinor"
          FROM (SELECT t.id, t.currency, t.result, t.amount_minor,
                       ${flag(inList(tx, sql`t.result`, declined))} AS declined,
                       ${flag(sql`EXISTS (SELECT 1 FROM processor_txns e WHERE ${earlierDecline(tx, 't', declined)})`)} AS retry
                ${CARD_FROM}${cardWhere(f)}) x
          GROUP BY x.currency ORDER BY ${binary(tx, sql`x.currency`)}`,
    );
  },

  /** Each bill recovered by a retry: the approved attempt and the first decline before it. */
  recovered(tx: Tx, f: CollectionsScope, declined: readonly number[]): Promise<RecoveredRow[]> {
    return tx.all(
      sql`SELECT x.run_id AS "runId", x.at AS "recoveredAt", b.bill_no AS "billNo", a.account_no AS "accountNo",
                 x.currency, x.amount_minor AS "amountMinor", d.result AS "declinedResult", d.created_at AS "declinedAt"
          FROM (SELECT t.id, t.run_id, t.created_at AS at, t.bill_id, t.account_id, t.currency, t.amount_minor
                ${CARD_FROM}${cardWhere(f)} AND t.result = 0) x
          JOIN processor_txns d ON d.id = (SELECT min(e.id) FROM processor_txns e WHERE ${earlierDecline(tx, 'x', declined)})
          JOIN bills b ON b.id = x.bill_id JOIN accounts a ON a.id = x.account_id
          ORDER BY ${binary(tx, sql`x.currency`)}, ${binary(tx, sql`x.at`)}, x.id`,
    );
  },

  /** The card collection runs of the period (whatever they sent). */
  cardRuns(tx: Tx, f: CollectionsScope): Promise<CardRunRow[]> {
    return tx.all(
      sql`SELECT cr.id, cr.started_at AS "startedAt", cr.status, pr.name AS processor, cr.selected
          FROM collect_runs cr JOIN processors pr ON pr.id = cr.processor_id
          WHERE cr.kind = 'collect'${days(sql`cr.started_at`, f)}${given(
            [sql`cr.operator_id`, f.operatorId],
            [sql`pr.channel_id`, f.channelId],
          )}
          ORDER BY ${binary(tx, sql`cr.started_at`)}, cr.id`,
    );
  },

  /** Card attempts per run, result and currency. */
  perRun(tx: Tx, f: CollectionsScope): Promise<RunResultRow[]> {
    return tx.all(
      sql`SELECT t.run_id AS "runId", t.result, t.currency, count(*) AS count, sum(t.amount_minor) AS "amountMinor"
          ${CARD_FROM}${cardWhere(f)} GROUP BY t.run_id, t.result, t.currency`,
    );
  },

  /** Direct-debit files of the period: their items by status, bank return code and currency. */
  debitItems(tx: Tx, f: CollectionsScope): Promise<DebitItemsRow[]> {
    return tx.all(
      sql`SELECT f.id, f.created_at AS "createdAt", f.status AS "fileStatus", f.format, f.count AS "fileCount",
                 i.status, i.return_code AS "returnCode", i.currency, count(*) AS count, sum(i.amount_minor) AS "amountMinor"
          FROM bank_files_out f JOIN bank_file_items i ON i.file_id = f.id LEFT JOIN payments p ON p.id = i.payment_id
          WHERE f.kind = 'debit'${days(sql`f.created_at`, f)}${given(
            [sql`f.created_by`, f.operatorId],
            [sql`f.currency`, f.currency],
            [sql`p.channel_id`, f.channelId],
            [sql`p.pay_type`, f.payType],
            [sql`i.account_id`, f.accountId],
          )}
          GROUP BY f.id, f.created_at, f.status, f.format, f.count, i.status, i.return_code, i.currency
          ORDER BY ${binary(tx, sql`f.created_at`)}, f.id`,
    );
  },

  /** Bank returns (rejects, returns, bounced checks) by bank code, rejection code, kind and currency. */
  returns(tx: Tx, f: CollectionsScope): Promise<ReturnRow[]> {
    const currency = sql`coalesce(p.currency, i.currency)`;
    return tx.all(
      sql`SELECT br.bank_code AS "bankCode", max(${binary(tx, sql`br.bank_text`)}) AS "bankText",
                 br.rejection_code AS "rejectionCode", br.kind, ${currency} AS "retCurrency", count(*) AS count,
                 coalesce(sum(coalesce(p.amount_minor, i.amount_minor)), 0) AS "amountMinor"
          FROM bank_returns br JOIN batches b ON b.id = br.batch_id
          LEFT JOIN payments p ON p.id = br.payment_id LEFT JOIN bank_file_items i ON i.id = br.file_item_id
          WHERE br.status <> 'discarded'${days(sql`br.created_at`, f)}${given(
            [sql`br.batch_id`, f.batchId],
            [sql`b.created_by`, f.operatorId],
            [currency, f.currency],
            [sql`p.channel_id`, f.channelId],
            [sql`p.pay_type`, f.payType],
            [sql`coalesce(p.account_id, i.account_id)`, f.accountId],
          )}
          GROUP BY br.bank_code, br.rejection_code, br.kind, ${currency}
          ORDER BY ${binary(tx, currency)} NULLS FIRST, ${binary(tx, sql`br.bank_code`)}, ${binary(tx, sql`br.kind`)},
                   ${binary(tx, sql`br.rejection_code`)} NULLS FIRST`,
    );
  },
};
