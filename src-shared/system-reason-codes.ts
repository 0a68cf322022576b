/** The suspense reason codes the validator assigns itself (DOMAIN.md §3.9, domain 14). */
export const SUSPENSE_REASON = {
  accountNotFound: 2001,
  billNotFound: 2002,
  accountBillMismatch: 2003,
  accountClosed: 2004,
  currencyMismatch: 2005,
  amountMismatch: 2006,
  manual: 2007,
} as const;

/** The suspense reason codes the Payment Center's moves assign themselves (domain 14). */
export const MOVE_SUSPENSE_REASON = {
  recycled: 2008,
  remainder: 2009,
} as const;

/** The reason domain the product's own codes live in. */
export const SYSTEM_CODE_DOMAIN = 14;

const SYSTEM_IDS: ReadonlySet<number> = new Set([
  ...Object.values(SUSPENSE_REASON),
  ...Object.values(MOVE_SUSPENSE_REASON),
]);

/**
 * Whether a code is owned by the product (the validator, or a suspense move): it is written onto payments by
 * Paydesk itself, so retiring it would leave Paydesk assigning a code the desk can no longer choose.
 */
export function isSystemReasonCode(domainId: number, id: number): boolean {
  return domainId === SYSTEM_CODE_DOMAIN && SYSTEM_IDS.has(id);
}
