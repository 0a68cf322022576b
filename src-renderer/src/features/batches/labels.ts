import {
  ENTRY_STATUSES,
  type BatchDto,
  type BatchEntryDto,
  type BatchTypeDto,
  type EntryStatusDto,
} from '../../../../src-shared/dto/batches';
import { PAY_TYPE, PAY_TYPE_NAMES } from '../../../../src-shared/pay-types';

/** Pay types each batch type takes (V9, V10); the service checks the same lists. */
export const BATCH_PAY_TYPES: Readonly<Record<BatchTypeDto, readonly number[]>> = {
  payment: [
    PAY_TYPE.cash,
    PAY_TYPE.check,
    PAY_TYPE.wireTransfer,
    PAY_TYPE.paymentOrder,
    PAY_TYPE.postalOrder,
  ],
  refund: [PAY_TYPE.cash, PAY_TYPE.check, PAY_TYPE.wireTransfer, PAY_TYPE.paymentOrder, PAY_TYPE.postalOrder],
  reversal: [
    PAY_TYPE.check,
    PAY_TYPE.creditCard,
    PAY_TYPE.directDebit,
    PAY_TYPE.paymentOrder,
    PAY_TYPE.postalOrder,
    PAY_TYPE.wireTransfer,
  ],
};

/** Display name of a pay type element ID. */
export function payTypeLabel(payType: number): string {
  return PAY_TYPE_NAMES[payType] ?? `Pay type ${payType}`;
}

/** Display name of a batch type. */
export function batchTypeLabel(t: BatchTypeDto): string {
  return { payment: 'Payment', refund: 'Refund', reversal: 'Reversal' }[t];
}

export { ENTRY_STATUSES };

/** Display name of an entry status. */
export function entryStatusLabel(s: EntryStatusDto): string {
  return {
    new: 'New',
    valid: 'Valid',
    allocation_required: 'Allocation required',
    allocation_suggested: 'Allocation suggested',
    to_be_suspended: 'To be suspended',
    invalid: 'Invalid',
    duplicate_suspected: 'Suspected duplicate',
    posted: 'Posted',
    posted_suspense: 'Posted to suspense',
  }[s];
}

/** Palette colour of an entry status (chips and the status cell). */
export type StatusTone = 'default' | 'info' | 'success' | 'warning' | 'error' | 'secondary';

/** The tone of an entry status. */
export function entryStatusTone(s: EntryStatusDto): StatusTone {
  return (
    {
      new: 'default',
      valid: 'success',
      allocation_required: 'warning',
      allocation_suggested: 'info',
      to_be_suspended: 'secondary',
      duplicate_suspected: 'warning',
      invalid: 'error',
      posted: 'success',
      posted_suspense: 'secondary',
    } as const
  )[s];
}

/** Display name of a batch status. */
export function batchStatusLabel(s: BatchDto['status']): string {
  return { open: 'Open', validated: 'Validated', submitted: 'Submitted', discarded: 'Discarded' }[s];
}

/** The tone of a batch status. */
export function batchStatusTone(s: BatchDto['status']): StatusTone {
  return ({ open: 'info', validated: 'success', submitted: 'default', discarded: 'default' } as const)[s];
}

/** Display name of an entry's allocation state. */
export function allocationStateLabel(s: BatchEntryDto['allocationState']): string {
  return { none: '', planned: 'Planned', manual: 'By hand', posted: 'Posted' }[s];
}

/** Default suspense reason codes (domain 14, 2001-3000) and what they mean. */
export const SUSPENSE_REASONS: readonly { code: number; text: string }[] = [
  { code: 2001, text: 'Account No not found' },
  { code: 2002, text: 'Bill No not found' },
  { code: 2003, text: 'Account and bill belong to different accounts' },
  { code: 2004, text: 'Account is closed' },
  { code: 2005, text: 'Currency cannot be converted' },
  { code: 2006, text: 'Amount does not match what is open' },
  { code: 2007, text: 'Suspended by hand' },
];

/** The reason code a clerk gets by default when suspending by hand. */
export const MANUAL_SUSPEND_REASON = 2007;

/** Text of a reason code, when it is one of the defaults. */
export function reasonText(code: number | null): string | null {
  if (code === null) return null;
  return SUSPENSE_REASONS.find((r) => r.code === code)?.text ?? null;
}

/** True while entries, notes and actions may still change the batch. */
export function isEditable(batch: Pick<BatchDto, 'status' | 'pushedTo'>): boolean {
  return isDiscardable(batch) && batch.pushedTo === null;
}

/** True while the batch may still be discarded here (a pushed one too: it posts on the server, not here). */
export function isDiscardable(batch: Pick<BatchDto, 'status'>): boolean {
  return batch.status === 'open' || batch.status === 'validated';
}
