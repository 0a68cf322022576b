/** Payment method element IDs (BRM pin_pymt.h values, DOMAIN.md §3.6). */
export const PAY_TYPE = {
  undefined: 0,
  prepaid: 10000,
  invoice: 10001,
  debit: 10002,
  creditCard: 10003,
  directDebit: 10005,
  smartCard: 10006,
  subord: 10007,
  cash: 10011,
  check: 10012,
  wireTransfer: 10013,
  paymentOrder: 10014,
  postalOrder: 10015,
  voucher: 10016,
  failed: 10017,
  sepa: 10018,
} as const;

/** Display names of pay types. */
export const PAY_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'Undefined',
  10000: 'Prepaid',
  10001: 'Invoice',
  10002: 'Debit',
  10003: 'Credit card',
  10005: 'Direct debit',
  10006: 'Smart card',
  10007: 'Nonpaying (subordinate)',
  10011: 'Cash',
  10012: 'Check',
  10013: 'Wire transfer',
  10014: 'Inter-bank payment order',
  10015: 'Postal order',
  10016: 'Voucher',
  10017: 'Failed',
  10018: 'SEPA',
};
