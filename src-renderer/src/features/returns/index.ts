// The returns feature's public surface: what other features may use.
export { BounceDialog } from './BounceDialog';
export { ReturnsImportDialog } from './ReturnsImportDialog';
