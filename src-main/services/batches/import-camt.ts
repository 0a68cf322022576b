import type Database from 'better-sqlite3';
import type { FileIssue } from '../../../src-shared/api/result';
import type { BatchDto } from '../../../src-shared/dto/batches';
import { formatMinor } from '../../../src-shared/money';
import { readCamtCredits, rootInfo } from '../../bankfiles/iso20022';
import type { StatementCredit } from '../../bankfiles/types';
import type { StagedRow } from '../../importers/bank-file/types';
import { assertBatchSlicesWithinCeiling, assertBatchWithinCeiling } from '../../ledger/ceiling';
import { AppFailure, invalidFields, invalidFileRows } from '../../ledger/errors';
import { exponentOf, exponentOfIn } from '../../ledger/rates';
import { batchAmountSlicesQuery } from '../../../db/repos/batches';
import { accountByKeyQuery, billByNoQuery, billsByNoAnyCaseQuery } from '../../../db/repos/imports';
import type { Tx } from '../../../db/storage/port';
import { all, get, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import { createBatch, createBatchIn, getBatch, getBatchIn, type CreateBatchInput } from './batch-store';
import { currencyKnown, currencyKnownIn, entryWriter, writeEntriesIn } from './stage-rows';

/** True when the bytes are an ISO 20022 camt.053 bank-to-customer statement (by the root namespace). */
export function isCamtStatement(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 8192)).toString('utf8');
  return rootInfo(head)?.message?.startsWith('camt.053.') === true;
}

/** How a statement credit was tied to the ledger: the bill and/or account its remittance names. */
export type CreditResolution = {
  accountNo: string | null;
  billNo: string | null;
  /** The remittance text as the clerk sees it in the grid (creditor reference first, then every Ustrd line). */
  reference: string | null;
  /** Which token matched, or the unresolved reference that was kept. */
  matchedBy: 'bill' | 'account' | 'unresolved' | 'none';
};

/** Candidate references in a credit: the structured creditor reference, then words of the remittance lines. */
export function remittanceTokens(c: StatementCredit): string[] {
  const out: string[] = [];
  const add = (t: string): void => {
    const v = t.trim();
    // A reference has a digit and some length; "Invoice", "thanks" or "of" are not references.
    if (v.length >= 3 && v.length <= 64 && /\d/.test(v) && !out.includes(v)) out.push(v);
  };
  if (c.creditorReference !== null) add(c.creditorReference);
  for (const line of c.remittance) {
    // A line that is one word is a reference of its own; else its words: "Invoice B-100, account A0000002".
    if (!/\s/.test(line.trim())) add(line);
    for (const word of line.split(/[^A-Za-z0-9_-]+/)) add(word.replace(/^-+|-+$/g, ''));
  }
  if (c.endToEndId !== null) add(c.endToEndId);
  return out;
}

/**
 * Resolves a statement credit the way a lockbox entry carries its references: a bill number or an account
 * number found in the creditor reference, the remittance lines or the EndToEndId (the bill's own number and
 * account key as stored, case-insensitive). A bill found fills billNo (and accountNo when an account of the
 * same text is named too, so validation checks they agree); else an account fills accountNo. Nothing found:
 * the first candidate reference is kept as the bill number, so validation reports "bill … not found" and the
 * entry is suspended (payment suspense on) or fixed by the clerk, exactly as an unknown lockbox reference.
 */
function* resolveCreditSteps(c: StatementCredit): Steps<CreditResolution> {
  const lines = [c.creditorReference, ...c.remittance].filter((x): x is string => x !== null && x !== '');
  const reference = lines.length ? lines.join(' / ').slice(0, 500) : null;
  const tokens = remittanceTokens(c);
  let foundBill: { billNo: string; accountNo: string } | undefined;
  let foundAccount: string | undefined;
  for (const t of tokens) {
    if (!foundBill) {
      const exact = yield* get<{ billNo: string; accountNo: string }>(billByNoQuery(t));
      const loose = exact
        ? [exact]
        : yield* all<{ billNo: string; accountNo: string }>(billsByNoAnyCaseQuery(t));
      // Two bills differing only in case are ambiguous: neither is taken.
      if (loose.length === 1) foundBill = loose[0];
    }
    if (foundAccount === undefined) {
      const a = yield* get<{ accountNo: string }>(accountByKeyQuery(t));
      if (a) foundAccount = a.accountNo;
    }
  }
  if (foundBill)
    return { accountNo: foundAccount ?? null, billNo: foundBill.billNo, reference, matchedBy: 'bill' };
  if (foundAccount !== undefined)
    return { accountNo: foundAccount, billNo: null, reference, matchedBy: 'account' };
  const kept = tokens[0];
  if (kept !== undefined) return { accountNo: null, billNo: kept, reference, matchedBy: 'unresolved' };
  return { accountNo: null, billNo: null, reference, matchedBy: 'none' };
}

/** resolveCreditSteps through the driver (the SQLite import's staging). */
export function resolveCredit(db: Database.Database, c: StatementCredit): CreditResolution {
  return stepsOnDriver(db, resolveCreditSteps(c));
}

/** resolveCreditSteps in a port transaction. */
export function resolveCreditIn(tx: Tx, c: StatementCredit): Promise<CreditResolution> {
  return stepsIn(tx, resolveCreditSteps(c));
}

type ReadStatement = {
  credits: StatementCredit[];
  currency: string;
  messageId: string | undefined;
  issues: FileIssue[];
};

/**
 * Reads a camt.053 for a payment batch: its booked credits (readCamtCredits) in one currency. A file with
 * problems, no booked credit, or credits in several currencies is refused with every reason (one batch has one
 * currency: split a multi-currency statement at the bank, or import it per currency account).
 */
function readStatement(
  bytes: Uint8Array,
  label: string,
  wanted: string | undefined,
  name = label,
): ReadStatement {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const read = readCamtCredits(text, 'camt.053');
  const issue = (p: { line?: number; path?: string; reason: string }): FileIssue => ({
    file: label,
    line: p.line ?? 0,
    column: p.path ?? '',
    reason: p.reason,
  });
  if (read.problems.length > 0)
    throw invalidFileRows(
      `${name} was not imported: ${read.problems[0]?.reason ?? 'the statement has problems'}`,
      read.problems.map(issue),
    );
  if (read.credits.length === 0)
    throw invalidFileRows(`${name} was not imported: the statement has no booked credit entries`, [
      {
        file: label,
        line: 0,
        column: '',
        reason: 'the statement has no booked credit entries (CdtDbtInd CRDT, status BOOK)',
      },
    ]);
  const currencies = [...new Set(read.credits.map((c) => c.currency))].sort();
  if (currencies.length > 1)
    throw invalidFileRows(
      `${name} was not imported: its credits are in ${currencies.join(' and ')}; a batch has one currency`,
      currencies.map((c) => ({
        file: label,
        line: 0,
        column: read.credits.find((cr) => cr.currency === c)?.path ?? '',
        reason: `${read.credits.filter((cr) => cr.currency === c).length} credit(s) in ${c}`,
      })),
    );
  const currency = currencies[0] ?? 'EUR';
  if (wanted !== undefined && wanted !== currency)
    throw invalidFields(`the statement's credits are in ${currency}, not ${wanted}`, [
      { path: 'currency', message: `the statement's credits are in ${currency}` },
    ]);
  return { credits: read.credits, currency, messageId: read.messageId, issues: read.warnings.map(issue) };
}

/** One preview row of a statement credit, in the shape of a bank-file preview row. */
export type CamtPreviewRow = {
  line: number;
  fields: Record<string, string>;
  amount: string | null;
  paymentDate: string | null;
  problems: string[];
};

/** The preview of a camt.053: the credits as entries would be staged (resolved), and the file's warnings. */
export async function previewCamtStatementIn(
  tx: Tx,
  bytes: Uint8Array,
  label: string,
  previewRows: number,
): Promise<{
  currency: string;
  messageId: string | null;
  count: number;
  totalMinor: number;
  rows: CamtPreviewRow[];
  warnings: FileIssue[];
}> {
  const s = readStatement(bytes, label, undefined);
  const exponent = (await currencyKnownIn(tx, s.currency)) ? await exponentOfIn(tx, s.currency) : 2;
  const rows: CamtPreviewRow[] = [];
  for (const [i, c] of s.credits.slice(0, previewRows).entries()) {
    const r = await resolveCreditIn(tx, c);
    const fields: Record<string, string> = { amount: formatMinor(c.amountMinor, exponent) };
    if (r.accountNo !== null) fields.accountNo = r.accountNo;
    if (r.billNo !== null) fields.billNo = r.billNo;
    if (c.debtorName !== null) fields.payerName = c.debtorName;
    if (r.reference !== null) fields.reference = r.reference;
    if (c.endToEndId !== null) fields.endToEndId = c.endToEndId;
    rows.push({
      line: i + 1,
      fields,
      amount: formatMinor(c.amountMinor, exponent),
      paymentDate: c.bookingDate ?? c.valueDate,
      problems:
        r.matchedBy === 'none'
          ? ['accountNo: no bill or account reference in the remittance information']
          : [],
    });
  }
  return {
    currency: s.currency,
    messageId: s.messageId ?? null,
    count: s.credits.length,
    totalMinor: s.credits.reduce((t, c) => t + c.amountMinor, 0),
    rows,
    warnings: s.issues,
  };
}

/** What importing a statement into a batch needs besides the file (the import-file input, minus layout). */
export type CamtImportInput = {
  batchType: 'payment' | 'refund' | 'reversal';
  payType: number;
  currency?: string | undefined;
  channelId: number;
  allocationLevel: 'bill' | 'item';
  batchNo?: string | undefined;
  lockboxNo?: string | undefined;
  batchDate?: string | undefined;
  controlCount?: number | undefined;
  controlTotal?: string | undefined;
};

/**
 * Stages a camt.053 statement's booked credits as one payment batch, inside the caller's transaction: one entry
 * per credit (one per transaction of a batch-booked credit), resolved to bills and accounts by resolveCredit,
 * its EndToEndId, debtor IBAN, bank reference and statement path kept with the entry (custom fields). The batch
 * control count and total are the credits' own; the batch date the latest booking date unless keyed. Only
 * payment batches take statements. The caller audits the import and records the file hash (the same guard as
 * every bank file); `auditAfter` is what the audit row says.
 */
export function stageCamtStatement(
  db: Database.Database,
  bytes: Uint8Array,
  file: CamtFile,
  input: CamtImportInput,
  now: Date,
  operatorId: number | null,
): { batch: BatchDto; rows: number; invalid: number; auditAfter: Record<string, unknown> } {
  const s = statementFor(bytes, file, input);
  if (!currencyKnown(db, s.currency)) throw currencyNotSetUp(s.currency);
  const exponent = exponentOf(db, s.currency);
  const batch = createBatch(db, camtBatchInput(s, file, input, now, exponent), now, operatorId);
  const writer = entryWriter(db, { batchId: batch.id, currency: s.currency, fingerprints: true });
  const matched = { bill: 0, account: 0, unresolved: 0, none: 0 };
  s.credits.forEach((c, i) => {
    const r = resolveCredit(db, c);
    matched[r.matchedBy]++;
    writer.add(creditRow(c, i, r, s.currency, exponent), batch.lockboxNo ?? undefined);
  });
  writer.flush();
  const invalid = writer.invalid();
  assertBatchWithinCeiling(db, batch.id, batch.batchNo);
  return {
    batch: getBatch(db, batch.id),
    rows: s.credits.length,
    invalid,
    auditAfter: camtAuditAfter(s, file, invalid, matched),
  };
}

/** stageCamtStatement in a port transaction (the import on PostgreSQL). */
export async function stageCamtStatementIn(
  tx: Tx,
  bytes: Uint8Array,
  file: CamtFile,
  input: CamtImportInput,
  now: Date,
  operatorId: number | null,
  progress?: (written: number) => void,
): Promise<{ batch: BatchDto; rows: number; invalid: number; auditAfter: Record<string, unknown> }> {
  const s = statementFor(bytes, file, input);
  if (!(await currencyKnownIn(tx, s.currency))) throw currencyNotSetUp(s.currency);
  const exponent = await exponentOfIn(tx, s.currency);
  const batch = await createBatchIn(tx, camtBatchInput(s, file, input, now, exponent), now, operatorId);
  const matched = { bill: 0, account: 0, unresolved: 0, none: 0 };
  const staged: StagedRow[] = [];
  for (const [i, c] of s.credits.entries()) {
    const r = await resolveCreditIn(tx, c);
    matched[r.matchedBy]++;
    staged.push(creditRow(c, i, r, s.currency, exponent));
  }
  const { invalid } = await writeEntriesIn(
    tx,
    { batchId: batch.id, currency: s.currency, fingerprints: true, progress },
    staged,
    batch.lockboxNo ?? undefined,
  );
  assertBatchSlicesWithinCeiling(
    await tx.all<{ s: string }>(batchAmountSlicesQuery(batch.id)),
    batch.batchNo,
  );
  return {
    batch: await getBatchIn(tx, batch.id),
    rows: s.credits.length,
    invalid,
    auditAfter: camtAuditAfter(s, file, invalid, matched),
  };
}

/** The file a statement is imported from: its name, how it is labelled in problems, its content hash. */
type CamtFile = { name: string; label: string; sha256: string };

/** The statement read for an import into a payment batch (only payment batches take statements). */
function statementFor(bytes: Uint8Array, file: CamtFile, input: CamtImportInput): ReadStatement {
  if (input.batchType !== 'payment')
    throw invalidFields('a camt.053 statement imports into a payment batch', [
      { path: 'batchType', message: `statements hold payments received, not ${input.batchType}s` },
    ]);
  return readStatement(bytes, file.label, input.currency, file.name);
}

function currencyNotSetUp(currency: string): AppFailure {
  return invalidFields(`the statement's currency ${currency} is not set up on this desk`, [
    { path: 'currency', message: `${currency} is not in the currencies table` },
  ]);
}

/** The batch a statement becomes: control count and total the credits' own, dated the latest booking. */
function camtBatchInput(
  s: ReadStatement,
  file: CamtFile,
  input: CamtImportInput,
  now: Date,
  exponent: number,
): CreateBatchInput {
  const batchDate =
    input.batchDate ??
    s.credits.reduce<string | null>((max, c) => {
      const d = c.bookingDate ?? c.valueDate;
      return d !== null && (max === null || d > max) ? d : max;
    }, null) ??
    now.toISOString().slice(0, 10);
  const totalMinor = s.credits.reduce((t, c) => t + c.amountMinor, 0);
  return {
    batchType: 'payment',
    payType: input.payType,
    currency: s.currency,
    channelId: input.channelId,
    allocationLevel: input.allocationLevel,
    batchNo: input.batchNo,
    lockboxNo: input.lockboxNo,
    batchDate,
    controlCount: input.controlCount ?? s.credits.length,
    controlTotal: input.controlTotal ?? formatMinor(totalMinor, exponent),
    header: [`camt.053 ${s.messageId ?? ''}`.trim()],
    footer: [],
    sourceFile: file.name,
    sourceSha256: file.sha256,
    templateName: undefined,
  };
}

/** A credit as the entry it is staged as, its references and statement path kept as custom fields. */
function creditRow(
  c: StatementCredit,
  i: number,
  r: CreditResolution,
  currency: string,
  exponent: number,
): StagedRow {
  const custom: Record<string, string> = { statementPath: c.path };
  if (c.endToEndId !== null) custom.endToEndId = c.endToEndId;
  if (c.debtorIban !== null) custom.debtorIban = c.debtorIban;
  if (c.bankReference !== null) custom.bankReference = c.bankReference;
  if (c.creditorReference !== null) custom.creditorReference = c.creditorReference;
  if (c.valueDate !== null) custom.valueDate = c.valueDate;
  const paymentDate = c.bookingDate ?? c.valueDate;
  return {
    line: i + 1,
    fields: { amount: formatMinor(c.amountMinor, exponent) },
    values: {
      ...(r.accountNo !== null ? { accountNo: r.accountNo } : {}),
      ...(r.billNo !== null ? { billNo: r.billNo } : {}),
      amountMinor: c.amountMinor,
      ...(paymentDate !== null ? { paymentDate } : {}),
      ...(c.debtorName !== null ? { payerName: c.debtorName } : {}),
      ...(r.reference !== null ? { reference: r.reference } : {}),
      currency,
      custom,
    },
    // An entry with no reference at all is left for the clerk: validation says an account or bill is needed.
    problems:
      r.matchedBy === 'none'
        ? [{ column: 'accountNo', reason: 'no bill or account reference in the remittance information' }]
        : [],
  };
}

function camtAuditAfter(
  s: ReadStatement,
  file: CamtFile,
  invalid: number,
  matched: Record<CreditResolution['matchedBy'], number>,
): Record<string, unknown> {
  return {
    file: file.name,
    sha256: file.sha256,
    format: 'camt.053',
    messageId: s.messageId ?? null,
    rows: s.credits.length,
    invalid,
    matched,
    warnings: s.issues.length,
  };
}
