import { accountsRepo, type AccountRow } from '../../db/repos/accounts';
import type { Storage, Tx } from '../../db/storage/port';
import type {
  AccountDetailDto,
  AccountSearchDto,
  AccountSummaryDto,
  BillDto,
  BillItemDto,
  BillUnitDto,
  PaymentHistoryDto,
  PaymentHistoryRowDto,
  PaymentStatusDto,
} from '../../src-shared/dto/accounts';
import { isoDate } from '../domain/dates';
import { sumMinor, toMinor } from '../ledger/ceiling';
import { invalidFields, notFound } from '../ledger/errors';

/**
 * Searches accounts by number or name. Prefix mode uses range scans on the upper/lower-cased key
 * columns; contains mode uses the trigram index (3+ characters) or a bounded scan for shorter text.
 */
export async function searchAccounts(
  storage: Storage,
  input: { query: string; mode: 'prefix' | 'contains'; limit: number },
): Promise<AccountSearchDto> {
  const q = input.query.trim();
  // FTS5 and SQLite's text functions stop at NUL (an "unterminated string") and PostgreSQL text cannot hold it;
  // the contract refuses it, and this keeps a direct caller from reaching SQL with it.
  if (q.includes('\u0000')) {
    throw invalidFields('the search text contains a NUL character', [
      { path: 'query', message: 'contains NUL' },
    ]);
  }
  const take = input.limit + 1;
  const rows: AccountSummaryDto[] = await storage.transaction(
    (tx) =>
      q === ''
        ? accountsRepo.first(tx, take)
        : input.mode === 'prefix'
          ? accountsRepo.byPrefix(tx, q, take)
          : [...q].length >= 3
            ? accountsRepo.containing(tx, q, take)
            : accountsRepo.containingShort(tx, q, take),
    { readOnly: true },
  );
  const truncated = rows.length > input.limit;
  return { rows: truncated ? rows.slice(0, input.limit) : rows, truncated };
}

async function loadAccount(tx: Tx, accountNo: string): Promise<AccountRow> {
  const row = await accountsRepo.byNumber(tx, accountNo);
  if (!row) throw notFound('account', accountNo);
  return row;
}

const OPEN_BILLS_SHOWN = 200;

/** Everything the Accounts screen shows for one account: balance, bill units, open bills, standing, cycle. */
export function showAccount(storage: Storage, accountNo: string, today: Date): Promise<AccountDetailDto> {
  return storage.transaction((tx) => readAccount(tx, accountNo, today), { readOnly: true });
}

async function readAccount(tx: Tx, accountNo: string, today: Date): Promise<AccountDetailDto> {
  const a = await loadAccount(tx, accountNo);
  const todayIso = isoDate(today);
  const billUnits: BillUnitDto[] = (await accountsRepo.billUnits(tx, a.id)).map((u) => ({
    ...u,
    paying: u.paying === 1,
    isDefault: u.isDefault === 1,
  }));
  const openBills: BillDto[] = (await accountsRepo.openBills(tx, a.id, OPEN_BILLS_SHOWN)).map((b) => ({
    ...b,
    overdue: b.dueDate < todayIso,
  }));
  const agg = await accountsRepo.openBillTotals(tx, a.id, todayIso);
  const nextDueMinor = agg.nextDueDate ? await accountsRepo.dueOn(tx, a.id, agg.nextDueDate) : 0;
  const openItemsMinor = await accountsRepo.openItemsMinor(tx, a.id);
  const unallocatedMinor = openItemsMinor - a.balanceMinor;
  const standing: PaymentStatusDto['standing'] =
    agg.overdueMinor > 0
      ? 'overdue'
      : a.balanceMinor < 0
        ? 'credit'
        : a.balanceMinor === 0
          ? 'settled'
          : 'good';

  const recentBillDates = await accountsRepo.recentBillDates(tx, a.id, 6);
  const nextBillDates = billUnits
    .map((u) => u.nextBillDate)
    .filter((d): d is string => d !== null)
    .sort();

  return {
    accountNo: a.accountNo,
    name: a.name,
    status: a.status,
    currency: a.currency,
    balanceMinor: a.balanceMinor,
    defaultPayType: a.defaultPayType,
    isSuspense: a.isSuspense === 1,
    openItemsMinor,
    unallocatedMinor,
    billUnits,
    openBills,
    openBillCount: agg.openBillCount,
    paymentStatus: {
      standing,
      overdueMinor: agg.overdueMinor,
      overdueBills: agg.overdueBills,
      nextDueDate: agg.nextDueDate,
      nextDueMinor,
    },
    billingCycle: {
      lastBillDate: recentBillDates[0] ?? null,
      nextBillDate: nextBillDates[0] ?? null,
      recentBillDates,
      billCycleDays: [...new Set(billUnits.map((u) => u.billCycleDay))],
    },
  };
}

/** The items of one bill. */
export function billItems(storage: Storage, billNo: string): Promise<BillItemDto[]> {
  return storage.transaction(
    async (tx) => {
      const billId = await accountsRepo.billId(tx, billNo.trim());
      if (billId === undefined) throw notFound('bill', billNo);
      return accountsRepo.billItems(tx, billId);
    },
    { readOnly: true },
  );
}

/** A page of an account's payments in a date range, newest first, with totals over the whole range. */
export function paymentHistory(
  storage: Storage,
  input: {
    accountNo: string;
    from?: string | undefined;
    to?: string | undefined;
    limit: number;
    offset: number;
  },
): Promise<PaymentHistoryDto> {
  return storage.transaction(
    async (tx) => {
      const a = await loadAccount(tx, input.accountNo);
      const from = input.from ?? '0000-01-01';
      const to = input.to ?? '9999-12-31';
      // Exact: summed in parts that fit (see paymentSlices) and across them in BigInt. The gross history of an
      // account is not bounded by the money ceiling, so a total past it is refused with advice.
      const slices = await accountsRepo.paymentSlices(tx, a.id, from, to);
      const total = Number(sumMinor(slices.map((r) => r.n)));
      const sum = slices.reduce((acc, r) => acc + BigInt(r.hi) * 4294967296n + BigInt(r.lo), 0n);
      const totalAmountMinor = toMinor(
        sum,
        `the payment history total of account ${a.accountNo} (narrow the dates)`,
      );
      const rows: PaymentHistoryRowDto[] = (
        await accountsRepo.paymentPage(tx, a.id, { from, to, limit: input.limit, offset: input.offset })
      ).map((r) => ({ ...r, reversed: r.reversed === 1 }));
      return { rows, total, totalAmountMinor, limit: input.limit, offset: input.offset };
    },
    { readOnly: true },
  );
}
