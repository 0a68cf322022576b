import type { AllocBillDto } from '../../../../src-shared/dto/allocation';
import { formatMinor, splitByWeights, type Minor } from '../../../../src-shared/money';
import { formatLocalAmount, parseLocalAmount } from '../../components/amount';

/**
 * Pure helpers of the Allocate payment dialog: policy fills that mirror the allocation engine
 * (src-main/domain/allocation.ts, which the renderer may not import), entry parsing and the request lines.
 * All money is integer minor units; fields are read and written in the user's locale (parseLocalAmount,
 * formatLocalAmount) and lines cross the contract as plain decimals (formatMinor).
 */

/** The policies the dialog can fill with; `standard` is left to the service (it depends on settings). */
export type FillPolicy = 'fifo' | 'proportional' | 'bill-number' | 'largest';

/** One open item the engine may pay, with its bill's ordering keys. */
type FillTarget = {
  itemId: number;
  itemNo: string;
  billNo: string;
  billDate: string;
  dueDate: string;
  openMinor: Minor;
};

/** Item number → amount a fill puts on it. */
export type ItemFill = ReadonlyMap<string, Minor>;

/** Same order as the engine's byOldestDue: due date, bill date, bill number, then item id. */
function byOldestDue(a: FillTarget, b: FillTarget): number {
  return (
    a.dueDate.localeCompare(b.dueDate) ||
    a.billDate.localeCompare(b.billDate) ||
    a.billNo.localeCompare(b.billNo) ||
    a.itemId - b.itemId
  );
}

/** Items the engine considers: open items of payable bills (never a nonpaying bill unit). */
function fillTargets(bills: readonly AllocBillDto[]): FillTarget[] {
  return bills.flatMap((b) =>
    b.payable
      ? b.items
          .filter((i) => i.openMinor > 0)
          .map((i) => ({
            itemId: i.itemId,
            itemNo: i.itemNo,
            billNo: b.billNo,
            billDate: b.billDate,
            dueDate: b.dueDate,
            openMinor: i.openMinor,
          }))
      : [],
  );
}

function fillInOrder(amountMinor: Minor, ordered: readonly FillTarget[]): Map<string, Minor> {
  const out = new Map<string, Minor>();
  let left = amountMinor;
  for (const t of ordered) {
    if (left <= 0) break;
    const take = Math.min(left, t.openMinor);
    if (take > 0) {
      out.set(t.itemNo, take);
      left -= take;
    }
  }
  return out;
}

/**
 * Fills the payment's unallocated amount over the open items like the engine does: FIFO (oldest due first),
 * proportional to open amounts (largest remainder, exact), largest open first, or one bill by its number.
 * Returns null for `bill-number` when the bill is not an open, payable bill of the account.
 */
export function planFill(
  amountMinor: Minor,
  bills: readonly AllocBillDto[],
  policy: FillPolicy,
  billNoHint?: string | null,
): ItemFill | null {
  const oldest = fillTargets(bills).sort(byOldestDue);
  if (amountMinor <= 0) return new Map();
  if (policy === 'bill-number') {
    const hint = billNoHint?.trim().toUpperCase() ?? '';
    const ofBill = oldest.filter((t) => t.billNo.toUpperCase() === hint);
    return hint && ofBill.length > 0 ? fillInOrder(amountMinor, ofBill) : null;
  }
  if (policy === 'proportional') {
    const total = oldest.reduce((s, t) => s + t.openMinor, 0);
    if (total <= 0) return new Map();
    const parts = splitByWeights(
      Math.min(amountMinor, total),
      oldest.map((t) => t.openMinor),
    );
    const out = new Map<string, Minor>();
    oldest.forEach((t, i) => {
      const part = parts[i] ?? 0;
      if (part > 0) out.set(t.itemNo, part);
    });
    return out;
  }
  if (policy === 'largest') {
    return fillInOrder(
      amountMinor,
      [...oldest].sort((a, b) => b.openMinor - a.openMinor || byOldestDue(a, b)),
    );
  }
  return fillInOrder(amountMinor, oldest);
}

/** What the user typed for one bill: a bill-level amount, or amounts on its items (then the bill is their sum). */
export type BillEntry = {
  mode: 'bill' | 'items';
  billText: string;
  itemTexts: Readonly<Record<string, string>>;
};

/** Bill number → entry; bills without an entry have nothing applied. */
export type Entries = Readonly<Record<string, BillEntry>>;

/**
 * How the service spreads a bill-level amount over the bill's open items (item order), so the dialog can tell
 * whether a fill of one bill is exactly what a bill-level line would do.
 */
export function spreadOverItems(bill: AllocBillDto, amountMinor: Minor): Map<string, Minor> {
  const out = new Map<string, Minor>();
  let left = amountMinor;
  for (const item of bill.items) {
    if (left <= 0) break;
    if (item.openMinor <= 0) continue;
    const take = Math.min(left, item.openMinor);
    out.set(item.itemNo, take);
    left -= take;
  }
  return out;
}

/**
 * Turns a fill into entries: a bill whose share the service would spread exactly the same way is entered at
 * bill level (simple to read and edit); otherwise each item gets its own amount.
 */
export function entriesFromFill(bills: readonly AllocBillDto[], fill: ItemFill, exponent: number): Entries {
  const out: Record<string, BillEntry> = {};
  for (const bill of bills) {
    const amounts = bill.items.map((i) => fill.get(i.itemNo) ?? 0);
    const sum = amounts.reduce((s, a) => s + a, 0);
    if (sum <= 0) continue;
    const spread = spreadOverItems(bill, sum);
    const sameAsBillLevel = bill.items.every(
      (i) => (spread.get(i.itemNo) ?? 0) === (fill.get(i.itemNo) ?? 0),
    );
    if (sameAsBillLevel) {
      out[bill.billNo] = { mode: 'bill', billText: formatLocalAmount(sum, exponent), itemTexts: {} };
    } else {
      const itemTexts: Record<string, string> = {};
      bill.items.forEach((i, idx) => {
        const a = amounts[idx] ?? 0;
        if (a > 0) itemTexts[i.itemNo] = formatLocalAmount(a, exponent);
      });
      out[bill.billNo] = { mode: 'items', billText: '', itemTexts };
    }
  }
  return out;
}

/** Why one Apply field cannot be used. */
export type FieldProblem =
  { kind: 'invalid'; reason: string } | { kind: 'negative' } | { kind: 'over-open'; openMinor: Minor };

/** One checked Apply field. */
export type FieldCheck = { amountMinor: Minor; problem: FieldProblem | null };

/** Reads one Apply field: empty is nothing; otherwise a non-negative decimal within the open amount. */
export function checkField(text: string, exponent: number, openMinor: Minor): FieldCheck {
  const t = text.trim();
  if (t === '') return { amountMinor: 0, problem: null };
  const parsed = parseLocalAmount(t, exponent);
  if (!parsed.ok) return { amountMinor: 0, problem: { kind: 'invalid', reason: parsed.error.reason } };
  if (parsed.value < 0) return { amountMinor: 0, problem: { kind: 'negative' } };
  if (parsed.value > openMinor)
    return { amountMinor: parsed.value, problem: { kind: 'over-open', openMinor } };
  return { amountMinor: parsed.value, problem: null };
}

/** The request lines of `allocation:apply`, amounts as exact decimal strings. */
export type ApplyLines = {
  bills: { billNo: string; amount: string }[];
  items: { itemNo: string; amount: string }[];
};

/** The whole dialog checked: per-field results, totals, remainder and the lines to send. */
export type AllocationCheck = {
  bills: ReadonlyMap<string, FieldCheck>;
  items: ReadonlyMap<string, FieldCheck>;
  totalMinor: Minor;
  remainderMinor: Minor;
  hasProblem: boolean;
  overAllocated: boolean;
  lines: ApplyLines;
};

/** Checks every entry against the open amounts and the payment's unallocated amount. */
export function checkEntries(
  bills: readonly AllocBillDto[],
  entries: Entries,
  unallocatedMinor: Minor,
  exponent: number,
): AllocationCheck {
  const billChecks = new Map<string, FieldCheck>();
  const itemChecks = new Map<string, FieldCheck>();
  const lines: ApplyLines = { bills: [], items: [] };
  let total = 0;
  let hasProblem = false;
  for (const bill of bills) {
    const entry = entries[bill.billNo];
    if (!entry || !bill.payable) continue;
    if (entry.mode === 'bill') {
      const c = checkField(entry.billText, exponent, bill.amountDueMinor);
      billChecks.set(bill.billNo, c);
      hasProblem ||= c.problem !== null;
      total += c.amountMinor;
      if (c.amountMinor > 0 && c.problem === null)
        lines.bills.push({ billNo: bill.billNo, amount: formatMinor(c.amountMinor, exponent) });
    } else {
      let sum = 0;
      let itemProblem = false;
      for (const item of bill.items) {
        const c = checkField(entry.itemTexts[item.itemNo] ?? '', exponent, item.openMinor);
        itemChecks.set(item.itemNo, c);
        itemProblem ||= c.problem !== null;
        sum += c.amountMinor;
        if (c.amountMinor > 0 && c.problem === null)
          lines.items.push({ itemNo: item.itemNo, amount: formatMinor(c.amountMinor, exponent) });
      }
      hasProblem ||= itemProblem;
      billChecks.set(bill.billNo, { amountMinor: sum, problem: null });
      total += sum;
    }
  }
  const remainderMinor = unallocatedMinor - total;
  return {
    bills: billChecks,
    items: itemChecks,
    totalMinor: total,
    remainderMinor,
    hasProblem,
    overAllocated: remainderMinor < 0,
    lines,
  };
}

/** The text a bill's Apply field shows: what was typed, or the sum of its items as a decimal. */
export function billFieldText(entry: BillEntry | undefined, sumMinor: Minor, exponent: number): string {
  if (!entry) return '';
  if (entry.mode === 'bill') return entry.billText;
  return sumMinor > 0 ? formatLocalAmount(sumMinor, exponent) : '';
}
