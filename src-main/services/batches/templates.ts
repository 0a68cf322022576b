import type Database from 'better-sqlite3';
import { appendAudit, auditInsertQuery } from '../../../db/repos/audit';
import {
  stockTemplateInsertQuery,
  templateByNameQuery,
  templateCandidatesQuery,
  templateNamesQuery,
  templatesQuery,
  templateUpsertQuery,
  type TemplateRecord,
} from '../../../db/repos/templates';
import type { Storage, Tx } from '../../../db/storage/port';
import { driverAll, driverGet } from '../../../db/storage/sqlite';
import { all, get, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import type { ImportTemplateDto, TemplateProposalDto } from '../../../src-shared/dto/batches';
import {
  detectionSample,
  detectTemplates as rankTemplates,
  type DetectCandidate,
} from '../../importers/bank-file/detect';
import { STOCK_TEMPLATES } from '../../importers/bank-file/stock-templates';
import { parseTemplate, type BankFileTemplateInput } from '../../importers/bank-file/template';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import type { FileReader } from '../files';
import { readSourceVia, type BankFileSource } from './import-file';

// Import templates behind the storage seam (issue #17): list, save, detect and the stock templates a new ledger
// gets run through the port on SQLite and PostgreSQL alike. A batch import, still on the driver, resolves its
// template and the detection candidates with the same queries (resolveTemplate, proposeTemplates).

/** Confidence from which a file without a chosen template is imported with the best proposal. */
export const AUTO_TEMPLATE_CONFIDENCE = 0.9;

const READ = { readOnly: true } as const;

const dto = (r: TemplateRecord): ImportTemplateDto => ({
  id: r.id,
  name: r.name,
  bank: r.bank,
  definition: JSON.parse(r.definition) as unknown,
  stock: r.stock === 1,
  updatedAt: r.updatedAt,
});

/** Every stored import template, by name. */
export function listTemplates(storage: Storage): Promise<ImportTemplateDto[]> {
  return storage.transaction(async (tx) => (await tx.all<TemplateRecord>(templatesQuery(tx))).map(dto), READ);
}

/** A definition checked as a template, every problem listed under `field`. */
function checkedDefinition(definition: unknown, field: string): BankFileTemplateInput {
  const parsed = parseTemplate(definition);
  if (!parsed.ok) {
    throw invalidFields(
      `the import template has ${parsed.problems.length} problem(s)`,
      parsed.problems.map((p) => ({ path: `${field}.${p.path}`, message: p.message })),
    );
  }
  return definition as BankFileTemplateInput;
}

/**
 * Saves (creates or replaces) a named import template after validating it; a stock template is never replaced.
 * Serializable: two admins saving one name at once take turns, so each save is audited with the definition it
 * really replaced (on PostgreSQL the second is retried and finds the first's).
 */
export async function saveTemplate(
  storage: Storage,
  input: { name: string; bank?: string | undefined; definition: unknown },
  now: Date,
  operatorId: number | null,
): Promise<ImportTemplateDto> {
  checkedDefinition(input.definition, 'definition');
  const at = now.toISOString();
  return storage.transaction(
    async (tx) => {
      const before = await tx.get<TemplateRecord>(templateByNameQuery(input.name));
      if (before?.stock === 1) {
        throw conflict(
          'stock-template',
          `${input.name} is a stock template and cannot be changed; save your version under another name`,
        );
      }
      const row = await tx.get<{ id: number }>(
        templateUpsertQuery({
          name: input.name,
          bank: input.bank ?? null,
          definition: JSON.stringify(input.definition),
          at,
        }),
      );
      await appendAudit(tx, {
        at,
        operatorId,
        action: 'template.save',
        entity: 'import_template',
        entityId: input.name,
        before: before ? (JSON.parse(before.definition) as unknown) : undefined,
        after: input.definition,
      });
      return {
        id: row!.id,
        name: input.name,
        bank: input.bank ?? null,
        definition: input.definition,
        stock: false,
        updatedAt: at,
      };
    },
    { serializable: true },
  );
}

/** The template given inline, or the stored row of the one named (none: not found). */
function chosenTemplate(
  input: { templateName?: string | undefined; template?: unknown },
  stored: { definition: string } | undefined,
): BankFileTemplateInput {
  if (input.templateName !== undefined) {
    if (!stored) throw notFound('import template', input.templateName);
    return JSON.parse(stored.definition) as BankFileTemplateInput;
  }
  if (input.template === undefined) {
    throw invalidFields('give a template name or an inline template', [
      { path: 'template', message: 'required' },
    ]);
  }
  return checkedDefinition(input.template, 'template');
}

/** The template to use: a stored one by name, or the one given inline (validated, every problem listed). */
export async function resolveTemplateIn(
  tx: Tx,
  input: { templateName?: string | undefined; template?: unknown },
): Promise<BankFileTemplateInput> {
  const stored =
    input.templateName === undefined
      ? undefined
      : await tx.get<TemplateRecord>(templateByNameQuery(input.templateName));
  return chosenTemplate(input, stored);
}

/** resolveTemplateIn on the driver, for the batch import. */
export function resolveTemplate(
  db: Database.Database,
  input: { templateName?: string | undefined; template?: unknown },
): BankFileTemplateInput {
  const stored =
    input.templateName === undefined
      ? undefined
      : driverGet<TemplateRecord>(db, templateByNameQuery(input.templateName));
  return chosenTemplate(input, stored);
}

type CandidateRecord = Pick<TemplateRecord, 'id' | 'name' | 'stock' | 'definition'>;

/** Ranked proposals for a file's bytes (only its first bytes are read) among the stored templates. */
function ranked(bytes: Uint8Array, rows: readonly CandidateRecord[]): TemplateProposalDto[] {
  const { sample, truncated } = detectionSample(bytes);
  const candidates: DetectCandidate[] = rows.map((r) => ({
    id: r.id,
    name: r.name,
    stock: r.stock === 1,
    definition: JSON.parse(r.definition) as unknown,
  }));
  return rankTemplates(sample, truncated, candidates);
}

/** Ranked template proposals for a file's bytes, on the driver (the batch import's detection). */
export function proposeTemplates(db: Database.Database, bytes: Uint8Array): TemplateProposalDto[] {
  return ranked(bytes, driverAll<CandidateRecord>(db, templateCandidatesQuery()));
}

/** proposeTemplates in a port transaction (the bank-file import and its preview). */
export async function proposeTemplatesIn(tx: Tx, bytes: Uint8Array): Promise<TemplateProposalDto[]> {
  return ranked(bytes, await tx.all<CandidateRecord>(templateCandidatesQuery()));
}

/** Ranked template proposals for a file (path, bytes or upload) or for its first lines given as text. */
export async function detectTemplates(
  storage: Storage,
  input: BankFileSource & { lines?: string[] | undefined },
  who: FileReader,
): Promise<TemplateProposalDto[]> {
  const bytes =
    input.lines !== undefined
      ? new TextEncoder().encode(input.lines.join('\n') + '\n')
      : (await readSourceVia(storage, input, who, 'templates:detect')).bytes;
  const rows = await storage.transaction((tx) => tx.all<CandidateRecord>(templateCandidatesQuery()), READ);
  return ranked(bytes, rows);
}

/**
 * Adds the stock templates a ledger lacks (by name), so a fresh install reads BAI2, the common lockbox layout and
 * a plain CSV. A name already taken (an admin's own template, or the stock one possibly edited by an older
 * version) is left exactly as it is; each template added is audited. Nothing to add: nothing is written (the
 * names are read first, and the write transaction begins only when one is missing). Run through the driver when
 * the app opens a SQLite file synchronously, awaited on the port otherwise (seedStockTemplatesVia).
 */
export function seedStockTemplates(db: Database.Database, now: Date): number {
  const missing = stepsOnDriver(db, missingStockTemplates());
  if (missing.length === 0) return 0;
  return db.transaction(() => stepsOnDriver(db, addStockTemplates(missing, now)))();
}

/** seedStockTemplates on the port (a ledger opened asynchronously, such as a team server's PostgreSQL). */
export async function seedStockTemplatesVia(storage: Storage, now: Date): Promise<number> {
  const missing = await storage.transaction((tx) => stepsIn(tx, missingStockTemplates()), READ);
  if (missing.length === 0) return 0;
  return storage.transaction((tx) => stepsIn(tx, addStockTemplates(missing, now)), { serializable: true });
}

function* missingStockTemplates(): Steps<typeof STOCK_TEMPLATES> {
  const known = new Set((yield* all<{ name: string }>(templateNamesQuery())).map((r) => r.name));
  return STOCK_TEMPLATES.filter((t) => !known.has(t.name));
}

/** Adds the templates whose names are still free (another process may have added one meanwhile). */
function* addStockTemplates(templates: typeof STOCK_TEMPLATES, now: Date): Steps<number> {
  const at = now.toISOString();
  let added = 0;
  for (const t of templates) {
    const definition = JSON.stringify(t.definition);
    if (!(yield* get(stockTemplateInsertQuery({ name: t.name, bank: t.bank, definition, at })))) continue;
    added++;
    yield* get(
      auditInsertQuery({
        at,
        operatorId: null,
        action: 'template.seed',
        entity: 'import_template',
        entityId: t.name,
        after: t.definition,
      }),
    );
  }
  return added;
}
