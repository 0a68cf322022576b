import type { AppError } from '../../../../src-shared/api/result';
import type { AllocBillDto, AllocPaymentDto, AllocationViewDto } from '../../../../src-shared/dto/allocation';
import type { EntryAllocationViewDto, EntryStatusDto } from '../../../../src-shared/dto/batches';
import { formatMinor, type Minor } from '../../../../src-shared/money';
import { formatLocalAmount } from '../../components/amount';
import {
  spreadOverItems,
  type AllocationCheck,
  type BillEntry,
  type Entries,
  type FieldCheck,
  type FillPolicy,
  type ItemFill,
} from './allocation-fill';
import { FILL_POLICY_LABELS } from './labels';

/**
 * Pure pieces of the Allocate payment dialog that are not the policy fill itself (allocation-fill.ts): an entry's
 * stored lines as fields, the lines an entry saves, the field order for the keyboard, and the texts the dialog
 * shows for its state, remainder and problems.
 */

/** A batch entry to allocate before submit (the dialog then reads and saves through the batch commands). */
export type EntryAllocationSource = {
  batchId: number;
  entryId: number;
  seq: number;
  status: EntryStatusDto;
  billNo: string | null;
  paymentDate: string | null;
  batchDate: string;
};

/** Formats an amount for display: the app's money formatter. */
type Money = (amountMinor: Minor, currency: string, withCode?: boolean) => string;

/** Alt+letter accelerators of the fill buttons (by physical key, so they work on every layout and OS). */
export const FILL_KEYS: readonly { policy: FillPolicy; code: string; letter: string }[] = [
  { policy: 'fifo', code: 'KeyF', letter: 'F' },
  { policy: 'proportional', code: 'KeyP', letter: 'P' },
  { policy: 'bill-number', code: 'KeyB', letter: 'B' },
  { policy: 'largest', code: 'KeyL', letter: 'L' },
];

export const billKey = (billNo: string) => `bill:${billNo}`;
export const itemKey = (itemNo: string) => `item:${itemNo}`;

/** The Apply fields in screen order: each payable bill, then its items when it is expanded. */
export function fieldOrder(bills: readonly AllocBillDto[], expanded: ReadonlySet<string>): string[] {
  return bills
    .filter((b) => b.payable)
    .flatMap((b) => [
      billKey(b.billNo),
      ...(expanded.has(b.billNo) ? b.items.map((i) => itemKey(i.itemNo)) : []),
    ]);
}

/** The Apply fields of an entry's stored manual lines (bill amounts, or item amounts grouped by their bill). */
export function entriesFromManual(ev: EntryAllocationViewDto): Entries {
  const exponent = ev.view.exponent;
  const out: Record<string, BillEntry> = {};
  for (const line of ev.manual) {
    if (line.billNo)
      out[line.billNo] = {
        mode: 'bill',
        billText: formatLocalAmount(line.amountMinor, exponent),
        itemTexts: {},
      };
    else if (line.itemNo) {
      const bill = ev.view.bills.find((b) => b.items.some((i) => i.itemNo === line.itemNo));
      if (!bill) continue;
      const cur = out[bill.billNo];
      out[bill.billNo] = {
        mode: 'items',
        billText: '',
        itemTexts: {
          ...(cur?.itemTexts ?? {}),
          [line.itemNo]: formatLocalAmount(line.amountMinor, exponent),
        },
      };
    }
  }
  return out;
}

/** The bills whose entry is per item: they open to show their items. */
export function itemModeBills(entries: Entries): string[] {
  return Object.entries(entries)
    .filter(([, e]) => e.mode === 'items')
    .map(([b]) => b);
}

/** An entry is not posted yet: the whole of its amount (in the account currency) is there to allocate. */
export function entryPayment(
  entry: EntryAllocationSource,
  ev: EntryAllocationViewDto,
  view: AllocationViewDto,
): AllocPaymentDto {
  return {
    paymentId: 0,
    effectiveDate: entry.paymentDate ?? entry.batchDate,
    amountMinor: ev.amountMinor,
    currency: view.currency,
    accountAmountMinor: ev.amountMinor,
    allocatedMinor: 0,
    unallocatedMinor: ev.amountMinor,
    externalRef: entry.billNo,
    reversed: false,
  };
}

/** A bill-level batch takes bill lines only (V2): a fill that picks single items becomes their sum per bill. */
export function billLevelEntries(
  entries: Entries,
  bills: readonly AllocBillDto[],
  plan: ItemFill,
  exponent: number,
): Entries {
  return Object.fromEntries(
    Object.entries(entries).map(([billNo, e]) => {
      const sum =
        e.mode === 'bill'
          ? e.billText
          : formatLocalAmount(
              (bills.find((b) => b.billNo === billNo)?.items ?? []).reduce(
                (t, i) => t + (plan.get(i.itemNo) ?? 0),
                0,
              ),
              exponent,
            );
      return [billNo, { mode: 'bill', billText: sum, itemTexts: {} } satisfies BillEntry];
    }),
  );
}

/** Entry mode: the lines as the batch's level takes them (an item-level batch gets bill amounts spread over items). */
export function entrySaveLines(
  level: 'bill' | 'item',
  check: AllocationCheck,
  bills: readonly AllocBillDto[],
  exponent: number,
): { bills: { billNo: string; amount: string }[] } | { items: { itemNo: string; amount: string }[] } {
  if (level === 'bill') return { bills: check.lines.bills };
  const items = [...check.lines.items];
  for (const l of check.lines.bills) {
    const bill = bills.find((b) => b.billNo === l.billNo);
    const c = check.bills.get(l.billNo);
    if (!bill || !c) continue;
    for (const [itemNo, a] of spreadOverItems(bill, c.amountMinor))
      items.push({ itemNo, amount: formatMinor(a, exponent) });
  }
  return { items };
}

export type StateChip = {
  label: string;
  color: 'success' | 'error' | 'info' | 'default' | 'warning';
};

/**
 * The chip in the title: where the payment stands, or for a batch entry Payment Tool's status bar ("required" must
 * be allocated before submit, "suggested" is a recommendation).
 */
export function stateChip(
  payment: AllocPaymentDto,
  entryStatus: EntryStatusDto | null,
  check: AllocationCheck,
  filledBy: FillPolicy | null,
  money: Money,
  currency: string,
): StateChip {
  if (entryStatus !== null) {
    if (check.totalMinor > 0 && check.remainderMinor === 0 && !check.hasProblem)
      return { label: 'Fully allocated by hand', color: 'success' };
    if (entryStatus === 'allocation_required')
      return { label: 'Payment allocation required', color: 'error' };
    if (entryStatus === 'allocation_suggested' && !filledBy)
      return { label: 'Allocation suggested', color: 'info' };
    if (!filledBy) return { label: 'Allocated by policy on submit', color: 'default' };
  }
  if (filledBy && check.totalMinor > 0)
    return { label: `Allocation suggested · ${FILL_POLICY_LABELS[filledBy]}`, color: 'info' };
  if (payment.reversed) return { label: 'Reversed', color: 'default' };
  if (payment.unallocatedMinor === 0) return { label: 'Fully allocated', color: 'success' };
  return {
    label: `Unallocated credit ${money(payment.unallocatedMinor, currency, true)}`,
    color: 'warning',
  };
}

/** The line under the table: what happens to the remainder, or what to do next. */
export function remainderHint(remainder: Minor, lineCount: number, money: Money, currency: string): string {
  if (remainder < 0)
    return `Over-allocated by ${money(-remainder, currency, true)}: lower the Apply amounts.`;
  if (remainder === 0) return lineCount > 0 ? 'The payment will be fully allocated.' : '';
  return lineCount > 0
    ? `${money(remainder, currency, true)} stays on the account as unallocated credit.`
    : 'Type amounts in the Apply column, or fill them by a policy.';
}

/** The helper text of a field with a problem. */
export function problemText(check: FieldCheck | undefined, money: Money, currency: string): string | null {
  const p = check?.problem;
  if (!p) return null;
  if (p.kind === 'invalid') return p.reason;
  if (p.kind === 'negative') return 'must not be negative';
  return `more than the ${money(p.openMinor, currency)} open`;
}

/** A stale token is the one refusal a clerk can fix by reloading. */
export function isStale(error: AppError | null): boolean {
  return error?.code === 'conflict' && error.rule === 'stale';
}

/** The user-facing text of a failed save; a stale token gets its own explanation. */
export function saveErrorText(error: AppError): string {
  if (isStale(error)) {
    return 'Someone else allocated on this account since you opened this dialog, so the open amounts shown here may be out of date. Reload to see the current figures, then allocate again.';
  }
  return error.message;
}

/**
 * The bill "By bill number" fills, and why: the view does not carry the payment's own bill number, but its
 * reference (an entry's bill number) often names it; otherwise the bill whose field has the cursor.
 */
export function billNumberHint(
  payment: AllocPaymentDto,
  bills: readonly AllocBillDto[],
  focusedBill: string | null,
  isEntry: boolean,
): { hint: string | null; why: string } {
  const ref = payment.externalRef?.trim().toUpperCase() ?? '';
  const byRef = bills.find((b) => b.payable && ref !== '' && b.billNo.toUpperCase() === ref);
  if (byRef)
    return {
      hint: byRef.billNo,
      why: isEntry ? 'the bill number of the entry' : 'named in the payment reference',
    };
  return { hint: focusedBill, why: 'the bill in focus' };
}
