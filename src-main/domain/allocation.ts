import { splitByWeights, type Minor } from '../../src-shared/money';

/**
 * The allocation engine: pure rules that decide how a payment (already in the account's currency) is
 * spread over open bills or items. No IO; the allocation service loads targets and posts the plan.
 */

/** Something a payment can pay: a bill (bill-level batches) or an item (item-level batches). */
export type AllocTarget = {
  id: number;
  billId: number;
  billNo: string;
  billDate: string;
  dueDate: string;
  /** What is still open on this target, in account minor units (positive for a debit). */
  openMinor: Minor;
  /** Amount due of the whole bill, used by SearchBillAmount matching. */
  billDueMinor: Minor;
  /** False for targets of a nonpaying (child) bill unit: never allocate to them (V7). */
  payable: boolean;
};

/** Automatic allocation policies. `standard` is bill number → bill amount (if enabled) → oldest first (V6). */
export type AutoPolicy = 'standard' | 'bill-number' | 'fifo' | 'proportional' | 'largest';

/** What happens to money beyond what is open. */
export type OverpaymentPolicy = 'credit' | 'suspend' | 'refuse';

/** What happens when the payment does not cover what it was matched to. */
export type UnderpaymentPolicy = 'partial' | 'manual';

/** Inputs of one automatic allocation. */
export type AllocationRequest = {
  amountMinor: Minor;
  targets: readonly AllocTarget[];
  policy: AutoPolicy;
  billNoHint?: string | null;
  searchBillAmount: boolean;
  overpayment: OverpaymentPolicy;
  underpayment: UnderpaymentPolicy;
};

/** One allocation line of a plan. */
export type PlanLine = { targetId: number; billId: number; amountMinor: Minor };

/** How the plan was found. */
export type MatchedBy = 'bill-number' | 'bill-amount' | 'fifo' | 'proportional' | 'largest' | 'none';

/**
 * The outcome: `allocated` (exactly covered), `partial` (underpaid, partially allocated), `credit`
 * (overpaid, remainder left as account credit), `suspend` (overpaid, remainder to suspense),
 * `required` (needs manual allocation; lines are a suggestion), `refused` (overpayment refused).
 */
export type PlanOutcome = 'allocated' | 'partial' | 'credit' | 'suspend' | 'required' | 'refused';

/** A complete allocation plan: lines never exceed the payment or any target's open amount. */
export type AllocationPlan = {
  lines: PlanLine[];
  allocatedMinor: Minor;
  remainderMinor: Minor;
  matchedBy: MatchedBy;
  outcome: PlanOutcome;
  reason: string;
};

/** Oldest due first; ties by bill date, bill number, then target id (stable and deterministic). */
export function byOldestDue(a: AllocTarget, b: AllocTarget): number {
  return (
    a.dueDate.localeCompare(b.dueDate) ||
    a.billDate.localeCompare(b.billDate) ||
    a.billNo.localeCompare(b.billNo) ||
    a.id - b.id
  );
}

/** Fills targets in the given order until the amount runs out. */
export function fillInOrder(amountMinor: Minor, ordered: readonly AllocTarget[]): PlanLine[] {
  const lines: PlanLine[] = [];
  let left = amountMinor;
  for (const t of ordered) {
    if (left <= 0) break;
    const take = Math.min(left, t.openMinor);
    if (take > 0) {
      lines.push({ targetId: t.id, billId: t.billId, amountMinor: take });
      left -= take;
    }
  }
  return lines;
}

/** Splits the amount over targets in proportion to their open amounts (largest remainder, exact). */
export function fillProportionally(amountMinor: Minor, targets: readonly AllocTarget[]): PlanLine[] {
  const total = targets.reduce((s, t) => s + t.openMinor, 0);
  if (total <= 0 || amountMinor <= 0) return [];
  const amount = Math.min(amountMinor, total);
  const parts = splitByWeights(
    amount,
    targets.map((t) => t.openMinor),
  );
  return targets
    .map((t, i) => ({ targetId: t.id, billId: t.billId, amountMinor: parts[i] ?? 0 }))
    .filter((l) => l.amountMinor > 0);
}

function sum(lines: readonly PlanLine[]): Minor {
  return lines.reduce((s, l) => s + l.amountMinor, 0);
}

/** Picks the targets and fill order for a policy; returns null when the policy finds no match. */
function choose(
  req: AllocationRequest,
  open: AllocTarget[],
): { matchedBy: MatchedBy; lines: PlanLine[]; scopeOpenMinor: Minor } | null {
  const oldest = [...open].sort(byOldestDue);
  const hint = req.billNoHint?.trim().toUpperCase();
  if ((req.policy === 'standard' || req.policy === 'bill-number') && hint) {
    const ofBill = oldest.filter((t) => t.billNo.toUpperCase() === hint);
    if (ofBill.length > 0) {
      return {
        matchedBy: 'bill-number',
        lines: fillInOrder(req.amountMinor, ofBill),
        scopeOpenMinor: ofBill.reduce((s, t) => s + t.openMinor, 0),
      };
    }
  }
  if (req.policy === 'bill-number') return null;
  if (req.policy === 'standard' && req.searchBillAmount) {
    const match = oldest.find((t) => t.billDueMinor === req.amountMinor);
    if (match) {
      const ofBill = oldest.filter((t) => t.billId === match.billId);
      return {
        matchedBy: 'bill-amount',
        lines: fillInOrder(req.amountMinor, ofBill),
        scopeOpenMinor: req.amountMinor,
      };
    }
  }
  const totalOpen = open.reduce((s, t) => s + t.openMinor, 0);
  if (req.policy === 'proportional') {
    return {
      matchedBy: 'proportional',
      lines: fillProportionally(req.amountMinor, oldest),
      scopeOpenMinor: totalOpen,
    };
  }
  if (req.policy === 'largest') {
    const largest = [...open].sort((a, b) => b.openMinor - a.openMinor || byOldestDue(a, b));
    return { matchedBy: 'largest', lines: fillInOrder(req.amountMinor, largest), scopeOpenMinor: totalOpen };
  }
  return { matchedBy: 'fifo', lines: fillInOrder(req.amountMinor, oldest), scopeOpenMinor: totalOpen };
}

/**
 * Plans an automatic allocation. Nonpaying and closed targets are ignored; the plan never allocates more
 * than the payment or any target's open amount; under- and overpayment follow the given policies.
 */
export function planAllocation(req: AllocationRequest): AllocationPlan {
  if (!Number.isSafeInteger(req.amountMinor) || req.amountMinor <= 0) {
    throw new RangeError(`payment amount must be a positive integer of minor units, got ${req.amountMinor}`);
  }
  const open = req.targets.filter((t) => t.payable && t.openMinor > 0);
  const chosen = choose(req, open);
  if (!chosen) {
    return {
      lines: [],
      allocatedMinor: 0,
      remainderMinor: req.amountMinor,
      matchedBy: 'none',
      outcome: 'required',
      reason: `bill ${req.billNoHint ?? ''} is not an open bill of this account`,
    };
  }
  const allocated = sum(chosen.lines);
  const remainder = req.amountMinor - allocated;
  if (remainder > 0) {
    const why =
      open.length === 0 ? 'nothing is open' : `${remainder} more than the ${chosen.matchedBy} match covers`;
    if (req.overpayment === 'refuse') {
      return {
        lines: [],
        allocatedMinor: 0,
        remainderMinor: req.amountMinor,
        matchedBy: chosen.matchedBy,
        outcome: 'refused',
        reason: `overpayment refused: ${why}`,
      };
    }
    return {
      lines: chosen.lines,
      allocatedMinor: allocated,
      remainderMinor: remainder,
      matchedBy: chosen.matchedBy,
      outcome: req.overpayment === 'suspend' ? 'suspend' : 'credit',
      reason: `overpayment: ${why}`,
    };
  }
  if (req.amountMinor < chosen.scopeOpenMinor) {
    return {
      lines: chosen.lines,
      allocatedMinor: allocated,
      remainderMinor: 0,
      matchedBy: chosen.matchedBy,
      outcome: req.underpayment === 'manual' ? 'required' : 'partial',
      reason: `underpayment: ${chosen.scopeOpenMinor - req.amountMinor} left open`,
    };
  }
  return {
    lines: chosen.lines,
    allocatedMinor: allocated,
    remainderMinor: 0,
    matchedBy: chosen.matchedBy,
    outcome: 'allocated',
    reason: 'exact',
  };
}

/** A dated exchange rate: account-currency minor units per payment-currency minor unit, as an exact ratio. */
export type Rate = { ratePpm: number; fromExponent: number; toExponent: number };

/**
 * Converts minor units between currencies with an integer rate in parts per million (major-unit rate),
 * rounding half to even so repeated conversions do not drift in one direction.
 */
export function convertMinor(amountMinor: Minor, rate: Rate): Minor {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError('amount must be an integer of minor units');
  if (!Number.isSafeInteger(rate.ratePpm) || rate.ratePpm <= 0)
    throw new RangeError('rate must be a positive integer (ppm)');
  const shift = rate.toExponent - rate.fromExponent;
  let num = BigInt(amountMinor) * BigInt(rate.ratePpm);
  let den = 1_000_000n;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const negative = num < 0n;
  if (negative) num = -num;
  let q = num / den;
  const r = num % den;
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  return Number(negative ? -q : q);
}
