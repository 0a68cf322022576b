import type { BillUnitDto, PaymentHistoryRowDto } from '../../../src-shared/dto/accounts';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';

/** Display name of a pay type element ID. */
export function payTypeName(payType: number): string {
  return PAY_TYPE_NAMES[payType] ?? `Pay type ${payType}`;
}

/** Display name of an accounting type. */
export function accountingTypeName(t: BillUnitDto['accountingType']): string {
  return t === 'open_item' ? 'Open item' : 'Balance forward';
}

/** Payment status ranges (BRM PIN_FLD_STATUS): 0–14 successful, 15–29 suspended, 30–44 failed. */
export function paymentStatusName(status: number): string {
  if (status >= 0 && status < 15) return 'Successful';
  if (status >= 15 && status < 30) return 'Suspended';
  if (status >= 30 && status < 45) return 'Failed';
  return 'Unsupported';
}

/** Display name of a payment kind. */
export function paymentKindName(kind: PaymentHistoryRowDto['kind']): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}

/** Display name of an item type ("one_time" → "One time"). */
export function itemTypeName(type: string): string {
  const words = type.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
