import type { Minor } from '../money';

/** An open item as the allocation dialog shows it. */
export type AllocItemDto = {
  itemId: number;
  itemNo: string;
  type: string;
  amountMinor: Minor;
  openMinor: Minor;
};

/** An open bill with its open items. */
export type AllocBillDto = {
  billId: number;
  billNo: string;
  billUnitNo: string;
  billDate: string;
  dueDate: string;
  totalMinor: Minor;
  amountDueMinor: Minor;
  payable: boolean;
  items: AllocItemDto[];
};

/** A payment as the allocation dialog shows it. */
export type AllocPaymentDto = {
  paymentId: number;
  effectiveDate: string;
  amountMinor: Minor;
  currency: string;
  accountAmountMinor: Minor;
  allocatedMinor: Minor;
  unallocatedMinor: Minor;
  externalRef: string | null;
  reversed: boolean;
};

/** What the allocation dialogs need: the account, its open bills and items, the payment(s) with credit. */
export type AllocationViewDto = {
  accountNo: string;
  accountName: string;
  currency: string;
  exponent: number;
  bills: AllocBillDto[];
  openMinor: Minor;
  payments: AllocPaymentDto[];
  unallocatedMinor: Minor;
  /** Changes whenever anyone allocates on this account; pass it back to detect stale dialogs. */
  token: string;
};

/** One allocation row as shown in history ("where it went" / "what paid it"). */
export type AllocationRowDto = {
  allocationId: number;
  paymentId: number;
  billNo: string | null;
  itemNo: string | null;
  amountMinor: Minor;
  ratePpm: number;
  createdAt: string;
  reversal: boolean;
};

/** The result of an allocation or undo. */
export type AllocationResultDto = {
  paymentId: number;
  allocatedMinor: Minor;
  unallocatedMinor: Minor;
  lines: { billNo: string; itemNo: string; amountMinor: Minor }[];
  outcome: string;
  matchedBy: string;
  closedItems: number;
  closedBills: number;
};

/** Result of allocating an account's unallocated credit. */
export type AccountCreditResultDto = {
  accountNo: string;
  payments: AllocationResultDto[];
  allocatedMinor: Minor;
  unallocatedMinor: Minor;
};

/** A recorded payment. */
export type RecordedPaymentDto = {
  paymentId: number;
  duplicate: boolean;
  allocation: AllocationResultDto | null;
};
