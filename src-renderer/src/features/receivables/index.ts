export { ArImportDialog } from './ArImportDialog';
