import type Database from 'better-sqlite3';
import type { TemplateProposalDto } from '../../../src-shared/dto/batches';
import type { FileReader } from '../files';
import { readSource, type BankFileSource } from './import-file';
import { proposeTemplates } from './stock-templates';

/** Ranked template proposals for a file (path, bytes or upload) or for its first lines given as text. */
export function detectTemplatesFor(
  db: Database.Database,
  input: BankFileSource & { lines?: string[] | undefined },
  who: FileReader,
): TemplateProposalDto[] {
  const bytes =
    input.lines !== undefined
      ? new TextEncoder().encode(input.lines.join('\n') + '\n')
      : readSource(db, input, who, 'templates:detect').bytes;
  return proposeTemplates(db, bytes);
}
