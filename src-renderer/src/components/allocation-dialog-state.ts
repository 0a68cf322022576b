/** Which allocation dialog the Accounts screen shows, if any. */
export type AllocationDialogState =
  | { kind: 'record' }
  | { kind: 'later' }
  | { kind: 'allocate'; paymentId: number }
  | { kind: 'undo'; paymentId: number }
  | null;

/** The row actions the payment history offers, wired to the dialogs by the account screen. */
export type PaymentActions = {
  allocate: (paymentId: number) => void;
  undo: (paymentId: number) => void;
  /** Record the payment as bounced (a one-entry return batch); absent where it is not offered. */
  bounce?: (paymentId: number) => void;
};
