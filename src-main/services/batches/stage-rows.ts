import type Database from 'better-sqlite3';
import {
  currencyKnownQuery,
  ENTRY_COLUMNS,
  entriesInsertQuery,
  entriesInsertSql,
  entryIdsQuery,
} from '../../../db/repos/imports';
import { nextEntryIdQuery } from '../../../db/repos/batches';
import type { Tx } from '../../../db/storage/port';
import { driverGet } from '../../../db/storage/sqlite';
import { paymentFingerprint } from '../../domain/fingerprint';
import { parseBankFile } from '../../importers/bank-file/parse-bank-file';
import type { BankFileTemplateInput } from '../../importers/bank-file/template';
import type { BatchInfo, ParseResult, StagedRow } from '../../importers/bank-file/types';
import { nextEntryId, entryKey } from './batch-store';
import { rowProblemsJson } from './entry-problems';

/** The batch currency of an import when neither the clerk nor the file names one. */
export const DEFAULT_CURRENCY = 'USD';

/**
 * Entries per multi-row INSERT: one statement (and one progress call) per chunk. 21 columns x 1,000 rows stays
 * under SQLite's 32,766 bound parameters; bigger chunks gained nothing measurable.
 */
export const ENTRIES_PER_CHUNK = 1000;

/** True when the ledger has the currency set up. */
export function currencyKnown(db: Database.Database, code: string): boolean {
  return driverGet(db, currencyKnownQuery(code)) !== undefined;
}

/** currencyKnown in a port transaction. */
export async function currencyKnownIn(tx: Tx, code: string): Promise<boolean> {
  return (await tx.get(currencyKnownQuery(code))) !== undefined;
}

/** What staging a file into a batch needs to know before the first row. */
export type StageTarget = {
  batchId: number;
  /** The currency of entries whose row states none (the batch currency as far as it is known now). */
  currency: string;
  /** Minor-unit exponent amounts are read with. */
  exponent: number;
  /** Payment batches store each entry's fingerprint (duplicates.ts) as it is staged. */
  fingerprints: boolean;
  /** The batch's lockbox number when the clerk keyed it; else the file's header or footer gives it. */
  lockboxNo: string | undefined;
  /** Called once per chunk with the entries staged so far and an estimate of the file's rows. */
  progress: (done: number, total: number) => void;
  /** Rows the file is expected to hold (for progress only). */
  estimatedRows: number;
};

/** What staging found: rows staged, how many are invalid, the currencies rows state, and the file's parse result. */
export type StagedFile = {
  rows: number;
  invalid: number;
  /** Every currency a row states (BAI2: its group's or account's; delimited/fixed: a mapped currency column). */
  currencies: Set<string>;
  /** The lockbox number the staged fingerprints were computed with. */
  fingerprintLockboxNo: string | undefined;
  parsed: ParseResult;
};

/** What the entry writer needs: the batch, the fallback currency, fingerprints on or off, progress. */
export type EntryWriterTarget = Pick<StageTarget, 'batchId' | 'currency' | 'fingerprints'> & {
  /** Called after each chunk with the entries written so far. */
  progress?: ((written: number) => void) | undefined;
};

/**
 * Puts one staged row's column values into a chunk's flat value list at `k` (ENTRY_COLUMNS order): a row with
 * problems is invalid (every problem kept with its column, the first as the headline), and a payment's fingerprint
 * is computed as it is written. Answers whether the row is invalid. Both entry writers (driver and port) use it.
 */
function fillEntry(
  args: unknown[],
  k: number,
  r: StagedRow,
  at: { id: number; seq: number; lockboxNo: string | undefined },
  target: Pick<EntryWriterTarget, 'batchId' | 'currency' | 'fingerprints'>,
): boolean {
  const v = r.values;
  const paymentRef = v.paymentId !== undefined && /^\d{1,15}$/.test(v.paymentId) ? Number(v.paymentId) : null;
  const problems = r.problems;
  if (v.paymentId !== undefined && paymentRef === null)
    problems.push({ column: 'paymentId', reason: `"${v.paymentId}" is not a payment ID` });
  const currency = v.currency ?? target.currency;
  args[k++] = at.id;
  args[k++] = target.batchId;
  args[k++] = at.seq;
  args[k++] = entryKey(at.id);
  args[k++] = r.line;
  args[k++] = v.accountNo ?? null;
  args[k++] = v.billNo ?? null;
  args[k++] = r.fields.amount ?? null;
  args[k++] = v.amountMinor ?? null;
  args[k++] = v.paymentDate ?? null;
  args[k++] = v.checkNo ?? null;
  args[k++] = v.payerName ?? null;
  args[k++] = v.reference ?? null;
  args[k++] = paymentRef;
  args[k++] = Object.keys(v.custom).length ? JSON.stringify(v.custom) : null;
  args[k++] = problems.length ? 'invalid' : 'new';
  args[k++] = problems[0]?.reason ?? null;
  args[k++] = problems[0]?.column ?? null;
  args[k++] = rowProblemsJson(problems);
  args[k++] = currency;
  // Computed here rather than by an UPDATE over the batch afterwards: each row is written once.
  args[k++] = target.fingerprints
    ? paymentFingerprint({
        accountNo: v.accountNo ?? null,
        billNo: v.billNo ?? null,
        checkNo: v.checkNo ?? null,
        reference: v.reference ?? null,
        amountMinor: v.amountMinor ?? null,
        currency,
        paymentDate: v.paymentDate ?? null,
        lockboxNo: at.lockboxNo ?? null,
      })
    : null;
  return problems.length > 0;
}

/**
 * The entry writer in a port transaction: the staged rows written in chunks of ENTRIES_PER_CHUNK, numbered in
 * order, under ids taken per chunk (PostgreSQL: from the identity sequence; SQLite: counting on from its
 * AUTOINCREMENT counter, as the driver's writer does), with progress after each chunk (a cancelled job's progress
 * throws and rolls the transaction back). Answers the rows written and how many are invalid.
 */
export async function writeEntriesIn(
  tx: Tx,
  target: EntryWriterTarget,
  staged: readonly StagedRow[],
  lockboxNo: string | undefined,
): Promise<{ rows: number; invalid: number }> {
  const cols = ENTRY_COLUMNS.length;
  let invalid = 0;
  for (let from = 0; from < staged.length; from += ENTRIES_PER_CHUNK) {
    const chunk = staged.slice(from, from + ENTRIES_PER_CHUNK);
    const ids =
      tx.dialect === 'postgres'
        ? (await tx.all<{ id: number }>(entryIdsQuery(chunk.length))).map((r) => r.id)
        : ((first) => chunk.map((_, i) => first + i))(
            (await tx.get<{ id: number }>(nextEntryIdQuery(tx)))!.id,
          );
    const args = new Array<unknown>(chunk.length * cols);
    chunk.forEach((r, i) => {
      if (fillEntry(args, i * cols, r, { id: ids[i]!, seq: from + i + 1, lockboxNo }, target)) invalid++;
    });
    await tx.run(entriesInsertQuery(tx, args));
    target.progress?.(from + chunk.length);
  }
  return { rows: staged.length, invalid };
}

/**
 * Writes staged rows into batch_entries in chunks of ENTRIES_PER_CHUNK (one multi-row INSERT each), numbering
 * them in order, marking rows with problems invalid (every problem kept with its column, the first as the
 * headline) and computing each payment's fingerprint as it is written. Every way a file becomes entries (a
 * template-read bank file, a camt.053 statement) goes through it. Must run inside the caller's transaction.
 */
export function entryWriter(
  db: Database.Database,
  target: EntryWriterTarget,
): {
  add(row: StagedRow, lockboxNo: string | undefined): void;
  flush(): void;
  rows(): number;
  invalid(): number;
} {
  const cols = ENTRY_COLUMNS.length;
  const full = db.prepare(entriesInsertSql(ENTRIES_PER_CHUNK));
  const args: unknown[] = new Array<unknown>(ENTRIES_PER_CHUNK * cols);
  let filled = 0;
  const firstId = nextEntryId(db);
  let rows = 0;
  let invalid = 0;
  const flush = (): void => {
    if (filled === 0) return;
    if (filled === args.length) full.run(args);
    else db.prepare(entriesInsertSql(filled / cols)).run(args.slice(0, filled));
    filled = 0;
    target.progress?.(rows);
  };
  const add = (r: StagedRow, lockboxNo: string | undefined): void => {
    const id = firstId + rows;
    rows++;
    if (fillEntry(args, filled, r, { id, seq: rows, lockboxNo }, target)) invalid++;
    filled += cols;
    if (filled === args.length) flush();
  };
  return { add, flush, rows: () => rows, invalid: () => invalid };
}

/**
 * Parses a bank file and inserts its rows into batch_entries as they are read, one multi-row INSERT per chunk of
 * ENTRIES_PER_CHUNK rows: no row is kept after its chunk is written, so a million-row file never holds a million
 * rows. Must run inside the caller's transaction: file-level problems found at the end (totals that contradict the
 * rows, no data) are in the result, and the caller throws to roll the staged chunks back. Every problem of a row is
 * kept with its column; the first is the headline.
 */
export function stageFileRows(
  db: Database.Database,
  bytes: Uint8Array,
  template: BankFileTemplateInput,
  target: StageTarget,
): StagedFile {
  const currencies = new Set<string>();
  let lockboxNo = target.lockboxNo;
  const writer = entryWriter(db, {
    ...target,
    progress: (written) => target.progress(written, Math.max(written, target.estimatedRows)),
  });
  const parsed = parseBankFile(bytes, template, {
    exponent: target.exponent,
    // The header and footer come before the rows (delimited, fixed): the file's lockbox is then known in time.
    onBatchInfo: (header: BatchInfo, footer: BatchInfo) => {
      lockboxNo = target.lockboxNo ?? header.lockboxNo ?? footer.lockboxNo;
    },
    onRow: (r) => {
      if (r.values.currency !== undefined) currencies.add(r.values.currency);
      writer.add(r, lockboxNo);
    },
  });
  writer.flush();
  return {
    rows: writer.rows(),
    invalid: writer.invalid(),
    currencies,
    fingerprintLockboxNo: lockboxNo,
    parsed,
  };
}

/** A bank file read whole for the port's import: its rows as staged, the currencies they state, and the result. */
export type CollectedFile = {
  staged: StagedRow[];
  currencies: Set<string>;
  parsed: ParseResult;
};

/**
 * Parses a bank file keeping every row (the port's import writes them after the parse, awaiting each chunk; the
 * parser calls back synchronously). The rows are those stageFileRows would stage, in the same order.
 */
export function collectFileRows(
  bytes: Uint8Array,
  template: BankFileTemplateInput,
  exponent: number,
): CollectedFile {
  const staged: StagedRow[] = [];
  const currencies = new Set<string>();
  const parsed = parseBankFile(bytes, template, {
    exponent,
    onRow: (r) => {
      if (r.values.currency !== undefined) currencies.add(r.values.currency);
      staged.push(r);
    },
  });
  return { staged, currencies, parsed };
}
