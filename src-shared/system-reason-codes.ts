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

/** The reason domain the validator's own codes live in. */
export const SYSTEM_CODE_DOMAIN = 14;

const SYSTEM_IDS: ReadonlySet<number> = new Set(Object.values(SUSPENSE_REASON));

/**
 * Whether a code is owned by the validator: it is written onto entries by the product itself, so retiring it
 * would leave the validator assigning a code the desk can no longer choose or read as active.
 */
export function isSystemReasonCode(domainId: number, id: number): boolean {
  return domainId === SYSTEM_CODE_DOMAIN && SYSTEM_IDS.has(id);
}
