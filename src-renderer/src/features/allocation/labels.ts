import { PAY_TYPE } from '../../../../src-shared/pay-types';
import type { FillPolicy } from './allocation-fill';

/** The automatic policies the service knows, as `allocation:apply` and `allocation:account-credit` take them. */
export type AutoPolicy = 'standard' | FillPolicy;

/** Display names of the policies. */
export const POLICY_NAMES: Readonly<Record<AutoPolicy, string>> = {
  standard: 'Standard rules',
  fifo: 'FIFO (oldest due first)',
  proportional: 'Proportional',
  'bill-number': 'By bill number',
  largest: 'Largest first',
};

/** Short names of the fill policies for buttons and the state label. */
export const FILL_POLICY_LABELS: Readonly<Record<FillPolicy, string>> = {
  fifo: 'FIFO',
  proportional: 'Proportional',
  'bill-number': 'By bill number',
  largest: 'Largest first',
};

/** Pay types a clerk records by hand (external payments), in the order the form offers them. */
export const RECORDABLE_PAY_TYPES: readonly { payType: number; label: string }[] = [
  { payType: PAY_TYPE.check, label: 'Check' },
  { payType: PAY_TYPE.cash, label: 'Cash' },
  { payType: PAY_TYPE.wireTransfer, label: 'Wire transfer' },
  { payType: PAY_TYPE.paymentOrder, label: 'Inter-bank payment order' },
  { payType: PAY_TYPE.postalOrder, label: 'Postal order' },
];

/** Reason code offered by default when undoing an allocation. */
export const DEFAULT_UNDO_REASON = 4001;
