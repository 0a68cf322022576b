// The mandates feature's public surface: what other features may use.
export { AccountMandates } from './AccountMandates';
export { CreditorsPanel } from './CreditorsPanel';
export { MandateImportPanel } from './MandateImportPanel';
export { MandatesPanel } from './MandatesPanel';
