// The allocation feature's public surface: what other features may use.
export { AllocatePaymentDialog } from './AllocatePaymentDialog';
export { AllocationDialogs } from './AllocationDialogs';
