import type Database from 'better-sqlite3';
import { formatMinor } from '../../../src-shared/money';
import { GL_ID_SQL, GL_JOINS_SQL, nextDay } from '../reports/gl';

/**
 * What one export covers: journal and allocation ids (watermark mode, `(from, to]`), or posting dates (range mode,
 * inclusive).
 */
export type ExportScope =
  | { mode: 'watermark'; journals: { from: number; to: number }; allocations: { from: number; to: number } }
  | { mode: 'range'; from: string; to: string };

/** One record of the `posted` export (billing system). Keys in file order. */
export type PostedRecord = {
  seq: number;
  recordType: string;
  journalId: number | null;
  journalKind: string | null;
  allocationId: number | null;
  postedAt: string;
  effectiveDate: string;
  paymentId: number | null;
  accountNo: string | null;
  billNo: string | null;
  itemNo: string | null;
  amountMinor: number;
  amount: string;
  currency: string;
  glId: number | null;
  reasonCode: number | null;
  batchNo: string | null;
  externalRef: string | null;
  operator: string | null;
};

/** One record of the `gl` export (general ledger): a journal line under its G/L ID. Keys in file order. */
export type GlRecord = {
  seq: number;
  journalId: number;
  lineId: number;
  journalKind: string;
  postedAt: string;
  effectiveDate: string;
  glId: number;
  glAccount: string;
  side: 'debit' | 'credit';
  debitMinor: number;
  creditMinor: number;
  debit: string;
  credit: string;
  currency: string;
  accountNo: string | null;
  reasonCode: number | null;
};

/** The columns of each export, in order (CSV header and JSON key order). */
export const POSTED_FIELDS: readonly (keyof PostedRecord)[] = [
  'seq',
  'recordType',
  'journalId',
  'journalKind',
  'allocationId',
  'postedAt',
  'effectiveDate',
  'paymentId',
  'accountNo',
  'billNo',
  'itemNo',
  'amountMinor',
  'amount',
  'currency',
  'glId',
  'reasonCode',
  'batchNo',
  'externalRef',
  'operator',
];

/** The columns of the G/L export, in order. */
export const GL_FIELDS: readonly (keyof GlRecord)[] = [
  'seq',
  'journalId',
  'lineId',
  'journalKind',
  'postedAt',
  'effectiveDate',
  'glId',
  'glAccount',
  'side',
  'debitMinor',
  'creditMinor',
  'debit',
  'credit',
  'currency',
  'accountNo',
  'reasonCode',
];

/** The SQL condition and arguments of a scope on journals `j`. */
function journalScope(scope: ExportScope): { sql: string; args: (string | number)[] } {
  return scope.mode === 'watermark'
    ? { sql: 'j.id > ? AND j.id <= ?', args: [scope.journals.from, scope.journals.to] }
    : { sql: 'j.at >= ? AND j.at < ?', args: [scope.from, nextDay(scope.to)] };
}

/** The SQL condition and arguments of a scope on allocations `al` (range mode: by the day they were made). */
function allocationScope(scope: ExportScope): { sql: string; args: (string | number)[] } {
  return scope.mode === 'watermark'
    ? { sql: 'al.id > ? AND al.id <= ?', args: [scope.allocations.from, scope.allocations.to] }
    : { sql: 'al.created_at >= ? AND al.created_at < ?', args: [scope.from, nextDay(scope.to)] };
}

/** Minor-unit exponents of the ledger's currencies, for the decimal text columns. */
function exponents(db: Database.Database): (currency: string) => number {
  const rows = db.prepare('SELECT code, exponent FROM currencies').all() as {
    code: string;
    exponent: number;
  }[];
  const map = new Map(rows.map((r) => [r.code, r.exponent]));
  return (c) => {
    const e = map.get(c);
    if (e === undefined) throw new Error(`currency ${c} is not set up in this ledger`);
    return e;
  };
}

/**
 * The record type of a row that points at a journal: what the billing system needs to know happened. Payments by
 * their kind (a suspended payment posted into suspense, a distributed one out of it to an account, a recycled one
 * back into it), reversals by the journal that wrote them (a suspense move out, an unallocatable removal, a
 * return or bounce, or a plain reversal).
 */
export function recordTypeOf(
  subject: 'payment' | 'reversal' | 'refund' | 'journal',
  journalKind: string,
  paymentKind: string | null,
): string {
  if (subject === 'refund') return 'refund';
  if (subject === 'payment') {
    if (paymentKind === 'suspended') return 'suspense_in';
    if (paymentKind === 'distributed')
      return journalKind === 'suspense_edit' ? 'suspense_apply' : 'suspense_distribute';
    if (paymentKind === 'recycled') return 'suspense_recycle';
    if (paymentKind === 'failed') return 'failed_payment';
    return 'payment';
  }
  if (subject === 'reversal') {
    if (journalKind === 'suspense_remove') return 'suspense_unallocatable';
    if (journalKind === 'suspense_distribute' || journalKind === 'suspense_edit') return 'suspense_out';
    if (journalKind === 'suspense_recycle') return 'recycle_out';
    if (journalKind === 'bounced' || journalKind.startsWith('return')) return 'return';
    return 'reversal';
  }
  if (journalKind.includes('fee')) return 'fee';
  return journalKind;
}

type SubjectRow = {
  subject: 'payment' | 'reversal' | 'refund' | 'journal';
  subjectRank: number;
  subjectId: number;
  journalId: number;
  journalKind: string;
  postedAt: string;
  effectiveDate: string;
  paymentId: number | null;
  paymentKind: string | null;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: number;
  currency: string;
  glId: number | null;
  reasonCode: number | null;
  batchNo: string | null;
  externalRef: string | null;
  operator: string | null;
};

type AllocationRow = {
  allocationId: number;
  postedAt: string;
  paymentId: number;
  accountNo: string;
  billNo: string | null;
  itemNo: string | null;
  amountMinor: number;
  currency: string;
  batchNo: string | null;
  externalRef: string | null;
  operator: string | null;
  undo: number;
};

/**
 * The `posted` records of a scope: per journal one record per row that points at it (each payment it posted,
 * each reversal it wrote, each refund it paid), or, when none does (fees, snapshots), one record per currency of
 * the journal with its debit total; and one record per allocation row (an undo is a negative row). Amounts are
 * signed as the customer's money: a payment or an allocation is positive, a reversal, a refund, a move out of
 * suspense or an allocation undo negative. Ordered by posting time, then journal before allocation, then id.
 */
export function postedRecords(db: Database.Database, scope: ExportScope): PostedRecord[] {
  const js = journalScope(scope);
  const operatorOf = `(SELECT o.login FROM audit_log au JOIN operators o ON o.id = au.operator_id WHERE au.id = j.audit_id)`;
  const subjects = db
    .prepare(
      `WITH js AS (SELECT j.* FROM journals j WHERE ${js.sql})
       SELECT 'payment' AS subject, 0 AS subjectRank, p.id AS subjectId, j.id AS journalId, j.kind AS journalKind,
              j.at AS postedAt, j.effective_date AS effectiveDate, p.id AS paymentId, p.kind AS paymentKind,
              a.account_no AS accountNo, p.bill_no AS billNo, p.amount_minor AS amountMinor, p.currency,
              j.gl_id AS glId, COALESCE(j.reason_code, NULLIF(p.reason_code, 0)) AS reasonCode, b.batch_no AS batchNo,
              p.external_ref AS externalRef, COALESCE(op.login, ${operatorOf}) AS operator
       FROM js j JOIN payments p ON p.journal_id = j.id JOIN accounts a ON a.id = p.account_id
       LEFT JOIN batches b ON b.id = p.batch_id LEFT JOIN operators op ON op.id = p.operator_id
       UNION ALL
       SELECT 'reversal', 1, r.id, j.id, j.kind, j.at, j.effective_date, p.id, p.kind, a.account_no, p.bill_no,
              -p.amount_minor, p.currency, j.gl_id, r.reason_code, b.batch_no, p.external_ref,
              COALESCE(op.login, ${operatorOf})
       FROM js j JOIN reversals r ON r.journal_id = j.id JOIN payments p ON p.id = r.payment_id
       JOIN accounts a ON a.id = p.account_id LEFT JOIN batches b ON b.id = p.batch_id
       LEFT JOIN operators op ON op.id = r.operator_id
       UNION ALL
       SELECT 'refund', 2, f.id, j.id, j.kind, j.at, j.effective_date, NULL, NULL, a.account_no, NULL,
              -f.amount_minor, f.currency, j.gl_id, f.reason_code, b.batch_no, f.external_ref,
              COALESCE(op.login, ${operatorOf})
       FROM js j JOIN refunds f ON f.journal_id = j.id JOIN accounts a ON a.id = f.account_id
       LEFT JOIN batches b ON b.id = f.batch_id LEFT JOIN operators op ON op.id = f.operator_id
       UNION ALL
       SELECT 'journal', 3, 0, j.id, j.kind, j.at, j.effective_date, NULL, NULL,
              (SELECT CASE WHEN count(DISTINCT x.account_id) = 1 THEN min(xa.account_no) END
                 FROM journal_lines x JOIN accounts xa ON xa.id = x.account_id
                 WHERE x.journal_id = j.id AND x.gl_account = 'AR'),
              NULL, sum(CASE WHEN l.amount_minor > 0 THEN l.amount_minor ELSE 0 END), l.currency, j.gl_id, j.reason_code,
              NULL, NULL, ${operatorOf}
       FROM js j JOIN journal_lines l ON l.journal_id = j.id
       -- Not correlated: the journals rows point at are listed once (payments.journal_id has no index).
       WHERE j.id NOT IN (SELECT journal_id FROM payments UNION ALL SELECT journal_id FROM reversals
                          UNION ALL SELECT journal_id FROM refunds)
       GROUP BY j.id, l.currency`,
    )
    .all(...js.args) as SubjectRow[];
  const as = allocationScope(scope);
  const allocations = db
    .prepare(
      `SELECT al.id AS allocationId, al.created_at AS postedAt, al.payment_id AS paymentId, a.account_no AS accountNo,
              bl.bill_no AS billNo, it.item_no AS itemNo, al.amount_minor AS amountMinor, a.currency,
              b.batch_no AS batchNo, p.external_ref AS externalRef, op.login AS operator,
              (al.amount_minor < 0 OR al.reverses_allocation_id IS NOT NULL) AS undo
       FROM allocations al JOIN accounts a ON a.id = al.account_id JOIN payments p ON p.id = al.payment_id
       LEFT JOIN bills bl ON bl.id = al.bill_id LEFT JOIN bill_items it ON it.id = al.item_id
       LEFT JOIN batches b ON b.id = p.batch_id LEFT JOIN operators op ON op.id = al.operator_id
       WHERE ${as.sql}`,
    )
    .all(...as.args) as AllocationRow[];
  const exp = exponents(db);
  type Keyed = { key: [string, number, number, number, number, string]; record: Omit<PostedRecord, 'seq'> };
  const keyed: Keyed[] = [
    ...subjects.map((s): Keyed => ({
      key: [s.postedAt, 0, s.journalId, s.subjectRank, s.subjectId, s.currency],
      record: {
        recordType: recordTypeOf(s.subject, s.journalKind, s.paymentKind),
        journalId: s.journalId,
        journalKind: s.journalKind,
        allocationId: null,
        postedAt: s.postedAt,
        effectiveDate: s.effectiveDate,
        paymentId: s.paymentId,
        accountNo: s.accountNo,
        billNo: s.billNo,
        itemNo: null,
        amountMinor: s.amountMinor,
        amount: formatMinor(s.amountMinor, exp(s.currency)),
        currency: s.currency,
        glId: s.glId,
        reasonCode: s.reasonCode,
        batchNo: s.batchNo,
        externalRef: s.externalRef,
        operator: s.operator,
      },
    })),
    ...allocations.map((a): Keyed => ({
      key: [a.postedAt, 1, a.allocationId, 0, 0, a.currency],
      record: {
        recordType: a.undo ? 'allocation_undo' : 'allocation',
        journalId: null,
        journalKind: null,
        allocationId: a.allocationId,
        postedAt: a.postedAt,
        effectiveDate: a.postedAt.slice(0, 10),
        paymentId: a.paymentId,
        accountNo: a.accountNo,
        billNo: a.billNo,
        itemNo: a.itemNo,
        amountMinor: a.amountMinor,
        amount: formatMinor(a.amountMinor, exp(a.currency)),
        currency: a.currency,
        glId: null,
        reasonCode: null,
        batchNo: a.batchNo,
        externalRef: a.externalRef,
        operator: a.operator,
      },
    })),
  ];
  keyed.sort((x, y) => compareKeys(x.key, y.key));
  return keyed.map((k, i) => ({ seq: i + 1, ...k.record }));
}

/** Compares two sort keys field by field (strings by code unit, so the order never depends on a locale). */
function compareKeys(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/**
 * The `gl` records of a scope: one per journal line, under its G/L ID (the same mapping as the G/L summary), in
 * journal and line order.
 */
export function glRecords(db: Database.Database, scope: ExportScope): GlRecord[] {
  const js = journalScope(scope);
  const rows = db
    .prepare(
      `SELECT j.id AS journalId, l.id AS lineId, j.kind AS journalKind, j.at AS postedAt, j.effective_date AS effectiveDate,
              ${GL_ID_SQL} AS glId, l.gl_account AS glAccount, l.amount_minor AS amountMinor, l.currency,
              a.account_no AS accountNo, j.reason_code AS reasonCode
       FROM journal_lines l ${GL_JOINS_SQL} LEFT JOIN accounts a ON a.id = l.account_id
       WHERE ${js.sql}
       ORDER BY j.id, l.id`,
    )
    .all(...js.args) as (Omit<
    GlRecord,
    'seq' | 'side' | 'debitMinor' | 'creditMinor' | 'debit' | 'credit'
  > & {
    amountMinor: number;
  })[];
  const exp = exponents(db);
  return rows.map(({ amountMinor, ...r }, i) => {
    const debitMinor = amountMinor > 0 ? amountMinor : 0;
    const creditMinor = amountMinor < 0 ? -amountMinor : 0;
    const e = exp(r.currency);
    return {
      seq: i + 1,
      journalId: r.journalId,
      lineId: r.lineId,
      journalKind: r.journalKind,
      postedAt: r.postedAt,
      effectiveDate: r.effectiveDate,
      glId: r.glId,
      glAccount: r.glAccount,
      side: amountMinor < 0 ? 'credit' : 'debit',
      debitMinor,
      creditMinor,
      debit: formatMinor(debitMinor, e),
      credit: formatMinor(creditMinor, e),
      currency: r.currency,
      accountNo: r.accountNo,
      reasonCode: r.reasonCode,
    };
  });
}
