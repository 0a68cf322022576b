import { exportsRepo, type ExportWhere, type GlExportRow, type SubjectRow } from '../../../db/repos/exports';
import type { Tx } from '../../../db/storage/port';
import { formatMinor } from '../../../src-shared/money';
import { nextDay } from '../reports/gl';

/**
 * What one export covers: journal and allocation ids (watermark mode, `(from, to]`), or posting dates (range mode,
 * inclusive).
 */
export type ExportScope =
  | { mode: 'watermark'; journals: { from: number; to: number }; allocations: { from: number; to: number } }
  | { mode: 'range'; from: string; to: string };

/** One record of the `posted` export (billing system). Keys in file order. */
export type PostedRecord = Pick<
  SubjectRow,
  | 'postedAt'
  | 'effectiveDate'
  | 'paymentId'
  | 'accountNo'
  | 'billNo'
  | 'amountMinor'
  | 'currency'
  | 'glId'
  | 'reasonCode'
  | 'batchNo'
  | 'externalRef'
  | 'operator'
> & {
  seq: number;
  recordType: string;
  journalId: number | null;
  journalKind: string | null;
  allocationId: number | null;
  itemNo: string | null;
  amount: string;
};

/** One record of the `gl` export (general ledger): a journal line under its G/L ID. Keys in file order. */
export type GlRecord = Omit<GlExportRow, 'amountMinor'> & {
  seq: number;
  side: 'debit' | 'credit';
  debitMinor: number;
  creditMinor: number;
  debit: string;
  credit: string;
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

/** A scope as the repository reads it: ids, or posting instants from the first day's start to the next day's. */
export function exportWhere(scope: ExportScope): ExportWhere {
  return scope.mode === 'watermark'
    ? { journals: scope.journals, allocations: scope.allocations }
    : { start: scope.from, end: nextDay(scope.to) };
}

/** Minor-unit exponents of the ledger's currencies, for the decimal text columns. */
async function exponents(tx: Tx): Promise<(currency: string) => number> {
  const map = await exportsRepo.exponents(tx);
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

/**
 * The `posted` records of a scope: per journal one record per row that points at it (each payment it posted,
 * each reversal it wrote, each refund it paid), or, when none does (fees, snapshots), one record per currency of
 * the journal with its debit total; and one record per allocation row (an undo is a negative row). Amounts are
 * signed as the customer's money: a payment or an allocation is positive, a reversal, a refund, a move out of
 * suspense or an allocation undo negative. Ordered by posting time, then journal before allocation, then id.
 */
export async function postedRecordsIn(tx: Tx, scope: ExportScope): Promise<PostedRecord[]> {
  const where = exportWhere(scope);
  const subjects = await exportsRepo.subjects(tx, where);
  const allocations = await exportsRepo.allocations(tx, where);
  const exp = await exponents(tx);
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
export async function glRecordsIn(tx: Tx, scope: ExportScope): Promise<GlRecord[]> {
  const rows = await exportsRepo.glLines(tx, exportWhere(scope));
  const exp = await exponents(tx);
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
