import type { AccountDetailDto, AccountSearchDto, PaymentHistoryDto } from '../../src-shared/dto/accounts';
import type { AllocationResultDto } from '../../src-shared/dto/allocation';
import type { BatchDto, BatchEntryDto } from '../../src-shared/dto/batches';
import type { ArImportSummaryDto, DemoSummaryDto, LedgerCheckDto } from '../../src-shared/dto/app';
import { formatMinor, KNOWN_EXPONENTS } from '../../src-shared/money';
import { PAY_TYPE_NAMES } from '../../src-shared/pay-types';
import { table } from './output';

const money = (minor: number, currency: string): string =>
  `${formatMinor(minor, KNOWN_EXPONENTS[currency] ?? 2)} ${currency}`;

/** Readable form of an account. */
export function humanAccount(a: AccountDetailDto): string {
  const head = table([
    ['Account', `${a.accountNo}  ${a.name}`],
    ['Status', a.status],
    ['Balance', money(a.balanceMinor, a.currency)],
    ['Open items', money(a.openItemsMinor, a.currency)],
    ['Unallocated credit', money(a.unallocatedMinor, a.currency)],
    ['Default pay type', PAY_TYPE_NAMES[a.defaultPayType] ?? String(a.defaultPayType)],
    ['Standing', a.paymentStatus.standing],
    ['Overdue', `${money(a.paymentStatus.overdueMinor, a.currency)} (${a.paymentStatus.overdueBills} bills)`],
    [
      'Next due',
      a.paymentStatus.nextDueDate
        ? `${a.paymentStatus.nextDueDate} ${money(a.paymentStatus.nextDueMinor, a.currency)}`
        : '-',
    ],
    ['Last bill', a.billingCycle.lastBillDate],
    ['Next bill', a.billingCycle.nextBillDate],
  ]);
  const units = a.billUnits
    .map(
      (u) =>
        `  ${u.billUnitNo}  ${u.accountingType}  ${PAY_TYPE_NAMES[u.payType] ?? u.payType}  ${u.paymentTerm}${u.paying ? '' : '  nonpaying'}${u.isDefault ? '  default' : ''}`,
    )
    .join('\n');
  const bills = a.openBills
    .map(
      (b) =>
        `  ${b.billNo}  billed ${b.billDate}  due ${b.dueDate}  total ${money(b.totalMinor, b.currency)}  due ${money(b.amountDueMinor, b.currency)}${b.overdue ? '  OVERDUE' : ''}`,
    )
    .join('\n');
  return `${head}\nBill units:\n${units || '  (none)'}\n\nOpen bills (${a.openBillCount}):\n${bills || '  (none)'}\n`;
}

/** Readable search result. */
export function humanSearch(r: AccountSearchDto): string {
  const lines = r.rows.map(
    (a) =>
      `${a.accountNo.padEnd(12)} ${a.name.padEnd(28)} ${a.status.padEnd(8)} ${money(a.balanceMinor, a.currency)}`,
  );
  return lines.join('\n') + (r.truncated ? '\n(more matches; narrow the search)\n' : '\n');
}

/** Readable payment history. */
export function humanHistory(h: PaymentHistoryDto): string {
  const lines = h.rows.map(
    (p) =>
      `${p.effectiveDate}  #${p.paymentId}  ${p.kind.padEnd(11)} ${money(p.amountMinor, p.currency)}  allocated ${money(p.allocatedMinor, p.currency)}${p.reversed ? '  REVERSED' : ''}`,
  );
  return `${lines.join('\n')}\n${h.rows.length} of ${h.total} payments\n`;
}

/** Readable demo summary. */
export function humanDemo(d: DemoSummaryDto): string {
  return table([
    ['Accounts', d.accounts],
    ['Bill units', d.billUnits],
    ['Bills', d.bills],
    ['Items', d.items],
    ['Seed', d.seed],
    ['Elapsed', `${d.elapsedMs} ms`],
  ]);
}

/** Readable AR import summary. */
export function humanArImport(s: ArImportSummaryDto): string {
  const files = [s.accounts, s.billUnits, s.bills, s.items].filter((f) => f !== undefined);
  return (
    files
      .map(
        (f) =>
          `${f.file}: ${f.rows} rows, ${f.inserted} inserted, ${f.updated} updated, ${f.unchanged} unchanged`,
      )
      .join('\n') + `\nElapsed ${s.elapsedMs} ms\n`
  );
}

/** Readable ledger check. */
export function humanCheck(c: LedgerCheckDto): string {
  const head = c.ok ? 'Ledger OK: no violations.' : `Ledger check found ${c.violations.length} violation(s):`;
  const lines = c.violations.map((v) => `  [${v.rule}] ${v.message}`);
  return (
    [
      head,
      ...lines,
      `(${c.counts.accounts} accounts, ${c.counts.items} items, ${c.counts.payments} payments, ${c.counts.journals} journals; ${c.elapsedMs} ms)`,
    ].join('\n') + '\n'
  );
}

/** The closing line of a check whose violations were already printed as they were found. */
export function humanCheckSummary(c: LedgerCheckDto): string {
  const head = c.ok ? 'Ledger OK: no violations.' : `Ledger check found ${c.violations.length} violation(s).`;
  return `${head}\n(${c.counts.accounts} accounts, ${c.counts.items} items, ${c.counts.payments} payments, ${c.counts.journals} journals; ${c.elapsedMs} ms)\n`;
}

/** Readable allocation result. */
export function humanAllocation(r: AllocationResultDto): string {
  const lines = r.lines.map((l) => `  bill ${l.billNo}  item ${l.itemNo}  ${l.amountMinor}`);
  return `Payment ${r.paymentId}: ${r.outcome} (${r.matchedBy}); allocated ${r.allocatedMinor}, unallocated ${r.unallocatedMinor}; closed ${r.closedItems} items, ${r.closedBills} bills\n${lines.join('\n')}\n`;
}

/** Readable batch header with its zero-proof bar. */
export function humanBatch(b: BatchDto): string {
  const m = (v: number | null): string => (v === null ? '-' : formatMinor(v, b.exponent));
  const z = b.zeroProof;
  const counts = Object.entries(b.countsByStatus)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return (
    table([
      [
        'Batch',
        `#${b.id} ${b.batchNo} (${b.batchType}, ${PAY_TYPE_NAMES[b.payType] ?? b.payType}, ${b.currency}, ${b.allocationLevel}-level)`,
      ],
      ['Status', b.status],
      ['Lockbox / date', `${b.lockboxNo ?? '-'} / ${b.batchDate}`],
      [
        'Zero proof',
        `${z.enteredCount}${z.movedCount ? ` + ${z.movedCount} moved` : ''} of ${z.expectedCount ?? '-'} entries, ${m(z.enteredTotalMinor)}${z.movedCount ? ` + ${m(z.movedTotalMinor)} moved` : ''} of ${m(z.expectedTotalMinor)} ${z.balanced ? '(balanced)' : '(DIFFERS)'}`,
      ],
      ...z.exceptionBatches.map((x): [string, string] => [
        'Exception batch',
        `#${x.id} ${x.batchNo} (${x.status}): ${x.count} entries, ${m(x.totalMinor)}${x.status === 'discarded' ? ' (not counted)' : ''}`,
      ]),
      ...(z.parent
        ? [
            [
              'Split off',
              `#${z.parent.id} ${z.parent.batchNo}: slip ${z.parent.expectedCount ?? '-'} / ${m(z.parent.expectedTotalMinor)}, accounted ${z.parent.accountedCount} / ${m(z.parent.accountedTotalMinor)} ${z.parent.balanced ? '(balanced)' : '(DIFFERS)'}`,
            ] as [string, string],
          ]
        : []),
      ['Entries', counts || 'none'],
    ]) + '\n'
  );
}

/** Readable entries. */
export function humanEntries(rows: BatchEntryDto[]): string {
  return (
    rows
      .map(
        (e) =>
          `  #${e.id} [${e.status}${e.reasonCode ? ` ${e.reasonCode}` : ''}] acct ${e.accountNo ?? '-'} bill ${e.billNo ?? '-'} amount ${e.amountText ?? '-'}${e.checkNo ? ` check ${e.checkNo}` : ''}${Object.entries(
            e.custom,
          )
            .map(([k, v]) => ` ${k}=${v}`)
            .join('')}${e.problem ? `  — ${e.problem}` : ''}`,
      )
      .join('\n') + '\n'
  );
}
