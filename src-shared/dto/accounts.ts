import type { Minor } from '../money';

/** One row of the Accounts search result. */
export type AccountSummaryDto = {
  accountNo: string;
  name: string;
  status: 'active' | 'inactive' | 'closed';
  currency: string;
  balanceMinor: Minor;
};

/** The Accounts search result; truncated is true when more rows matched than the limit. */
export type AccountSearchDto = { rows: AccountSummaryDto[]; truncated: boolean };

/** A bill unit of an account. */
export type BillUnitDto = {
  billUnitNo: string;
  name: string;
  accountingType: 'open_item' | 'balance_forward';
  payType: number;
  paymentTerm: string;
  paying: boolean;
  isDefault: boolean;
  billCycleDay: number;
  nextBillDate: string | null;
};

/** A bill (open or closed). */
export type BillDto = {
  billNo: string;
  billUnitNo: string;
  billDate: string;
  dueDate: string;
  currency: string;
  totalMinor: Minor;
  amountDueMinor: Minor;
  status: 'open' | 'closed';
  overdue: boolean;
};

/** A bill item. */
export type BillItemDto = {
  itemNo: string;
  billNo: string;
  type: string;
  amountMinor: Minor;
  openMinor: Minor;
  glId: number;
  status: 'open' | 'closed';
};

/** Payment standing of an account (telecom "payment status"). */
export type PaymentStatusDto = {
  standing: 'good' | 'overdue' | 'credit' | 'settled';
  overdueMinor: Minor;
  overdueBills: number;
  nextDueDate: string | null;
  nextDueMinor: Minor;
};

/** Billing cycle facts derived from the bill units and recent bills. */
export type BillingCycleDto = {
  lastBillDate: string | null;
  nextBillDate: string | null;
  recentBillDates: string[];
  billCycleDays: number[];
};

/** Everything the Accounts screen shows for one account. */
export type AccountDetailDto = AccountSummaryDto & {
  defaultPayType: number;
  isSuspense: boolean;
  openItemsMinor: Minor;
  unallocatedMinor: Minor;
  billUnits: BillUnitDto[];
  openBills: BillDto[];
  openBillCount: number;
  paymentStatus: PaymentStatusDto;
  billingCycle: BillingCycleDto;
};

/** One payment in an account's history. */
export type PaymentHistoryRowDto = {
  paymentId: number;
  kind: 'original' | 'suspended' | 'distributed' | 'recycled' | 'failed';
  effectiveDate: string;
  amountMinor: Minor;
  currency: string;
  payType: number;
  channelId: number;
  status: number;
  reasonCode: number;
  externalRef: string | null;
  allocatedMinor: Minor;
  reversed: boolean;
};

/** A page of payment history with summary figures for the whole date range. */
export type PaymentHistoryDto = {
  rows: PaymentHistoryRowDto[];
  total: number;
  totalAmountMinor: Minor;
  limit: number;
  offset: number;
};
