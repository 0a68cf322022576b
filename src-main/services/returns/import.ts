import { basename } from 'node:path';
import { appendAudit } from '../../../db/repos/audit';
import {
  bankReturnsInsertQuery,
  returnEntriesInsertQuery,
  returnEntryIdsQuery,
  returnsFileInsertQuery,
  returnsFileSeenQuery,
  type BankReturnWrite,
  type ReturnEntryWrite,
} from '../../../db/repos/returns';
import type { Storage, Tx } from '../../../db/storage/port';
import type { BatchDto } from '../../../src-shared/dto/batches';
import type { ReturnsImportDto, ReturnsPreviewDto } from '../../../src-shared/dto/returns';
import { formatMinor } from '../../../src-shared/money';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { detectReader } from '../../bankfiles/readers';
import type { ParsedReturns } from '../../bankfiles/types';
import { normalisedSha256Hex } from '../../importers/bank-file/hash';
import { conflict, invalidFileRows } from '../../ledger/errors';
import { exponentOfIn } from '../../ledger/rates';
import { readCommandFileVia, type FileReader } from '../files';
import { readUploadVia, type ResolvedUpload } from '../uploads';
import { createBatchIn, entryKey, getBatchIn } from '../batches/batch-store';
import { resolveChangeNotices } from './change-notice';
import { resolveReturns, type ResolvedLine } from './resolve';

/** Largest returns file accepted (bytes). */
const MAX_RETURNS_BYTES = 64 * 1024 * 1024;

/** Return rows written by one insert. */
const ROWS_PER_INSERT = 500;

/** Reversal reasons (domain 17) the return batch entries carry. */
export const RETURN_REASON = { bankReturn: 4105, checkReturned: 4101 } as const;

/** Where a returns file or a hand-keyed return came from; sha256 null for a hand-keyed one. */
export type ReturnsSource = { format: string; sha256: string | null; fileName: string | null };

/** A returns file as the front doors hand it: a path (CLI, in-process), bytes (renderer), or an upload. */
export type ReturnsFileInput = {
  file?: string | undefined;
  content?: string | undefined;
  fileName?: string | undefined;
  uploaded?: ResolvedUpload | undefined;
};

/**
 * Reads a returns file and parses it with the reader its content names (never its file name): the text, its
 * normalised sha256 (line endings and a BOM do not make another file) and what the reader found. A path or an
 * upload is read with no transaction open and its `file.read` row committed before the import's transaction.
 */
export async function readReturnsFile(
  storage: Storage,
  src: ReturnsFileInput,
  who: FileReader,
  command: string,
): Promise<{ parsed: ParsedReturns; source: ReturnsSource }> {
  let bytes: Uint8Array;
  let name: string;
  if (src.content !== undefined) {
    bytes = Buffer.from(src.content, 'base64');
    name = basename(src.fileName ?? 'uploaded file');
  } else if (src.uploaded !== undefined) {
    const u = await readUploadVia(storage, who, command, src.uploaded, MAX_RETURNS_BYTES);
    bytes = u.bytes;
    name = u.name;
  } else {
    bytes = await readCommandFileVia(storage, who, command, src.file ?? '', MAX_RETURNS_BYTES);
    name = basename(src.file ?? '');
  }
  if (bytes.length > MAX_RETURNS_BYTES)
    throw invalidFileRows(`${name} is too large`, [
      { file: name, line: 0, column: '', reason: `at most ${MAX_RETURNS_BYTES} bytes are accepted` },
    ]);
  const text = Buffer.from(bytes).toString('utf8');
  const reader = detectReader(text);
  if (!reader?.returns)
    throw invalidFileRows(`${name} is not a returns file Paydesk reads`, [
      {
        file: name,
        line: 1,
        column: '',
        reason: reader
          ? `a ${reader.format} file reports no returns`
          : 'not a pain.002, camt.054, NACHA return or rejection file (reference,account_no,amount,currency,rejection_code,date,text)',
      },
    ]);
  return {
    parsed: reader.returns(text),
    source: { format: reader.format, sha256: normalisedSha256Hex(bytes), fileName: name },
  };
}

function totalsOf(lines: readonly ResolvedLine[]): ReturnsPreviewDto['totals'] {
  const by = new Map<string, { currency: string; count: number; amountMinor: number }>();
  for (const l of lines) {
    if (!l.matched || l.currency === null || l.amountMinor === null) continue;
    const t = by.get(l.currency) ?? { currency: l.currency, count: 0, amountMinor: 0 };
    t.count++;
    t.amountMinor += l.amountMinor;
    by.set(l.currency, t);
  }
  return [...by.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/** Strips the internal fields of a resolved line. */
const lineDto = ({ accountId: _a, ...l }: ResolvedLine): ReturnsPreviewDto['lines'][number] => l;

function previewOf(
  parsed: ParsedReturns,
  source: ReturnsSource,
  lines: ResolvedLine[],
  changes: ReturnsPreviewDto['changes'],
): ReturnsPreviewDto {
  return {
    format: parsed.format,
    fileName: source.fileName,
    sha256: source.sha256,
    lines: lines.map(lineDto),
    matched: lines.filter((l) => l.matched).length,
    unmatched: lines.filter((l) => !l.matched).length,
    alreadyReturned: lines.filter((l) => l.reason?.startsWith('already returned') === true).length,
    totals: totalsOf(lines),
    changes,
    accepted: parsed.accepted,
    problems: parsed.problems,
    warnings: parsed.warnings,
  };
}

/**
 * What a returns file would reverse and change, line by line (matched, or why not); writes nothing. Its lines
 * and notices are read in one snapshot.
 */
export function previewReturns(
  storage: Storage,
  parsed: ParsedReturns,
  source: ReturnsSource,
): Promise<ReturnsPreviewDto> {
  return storage.transaction(
    async (tx) =>
      previewOf(
        parsed,
        source,
        await resolveReturns(tx, parsed),
        await resolveChangeNotices(tx, parsed.changes, null),
      ),
    { readOnly: true },
  );
}

/**
 * Turns a returns file into return batches (DOMAIN.md §4.25): one open reversal batch per pay type and currency
 * with an entry per matched failed payment (its payment id, amount, the bank's code and a reversal reason),
 * the header naming the source file and its sha256, and a pending bank_returns row per entry under its
 * format-independent return key. Unmatched lines (unknown debit, already returned, amount or currency that
 * differ) become no entries: they are listed with their line/path and reason and kept in the batch header.
 * Notifications of change are applied to their mandates now (they move no money). A file read before (same
 * content) is refused: its returns are already returned. All in one serializable transaction: two clerks
 * importing one file at once import it once (on PostgreSQL the second is retried and finds it imported), and a
 * return recorded meanwhile by another file or a bounce is found by its key or its payment.
 */
export async function importReturns(
  storage: Storage,
  parsed: ParsedReturns,
  source: ReturnsSource,
  now: Date,
  operatorId: number | null,
  opts: { requireMatch?: boolean } = {},
): Promise<ReturnsImportDto> {
  return storage.transaction((tx) => importReturnsIn(tx, parsed, source, now, operatorId, opts), {
    serializable: true,
  });
}

/** importReturns in the caller's serializable transaction (a bounce checks its code in the same one). */
export async function importReturnsIn(
  tx: Tx,
  parsed: ParsedReturns,
  source: ReturnsSource,
  now: Date,
  operatorId: number | null,
  opts: { requireMatch?: boolean } = {},
): Promise<ReturnsImportDto> {
  if (parsed.problems.length > 0)
    throw invalidFileRows(
      `${source.fileName ?? 'the returns'} was not imported: ${parsed.problems.length} problem(s), first: ${parsed.problems[0]?.reason ?? ''}`,
      parsed.problems.map((p) => ({
        file: source.fileName ?? '',
        line: p.line ?? 0,
        column: p.path ?? '',
        reason: p.reason,
      })),
    );
  const at = now.toISOString();
  if (source.sha256 !== null) {
    const seen = await tx.get<{ at: string }>(returnsFileSeenQuery(source.sha256));
    if (seen)
      throw conflict(
        'already-imported',
        `${source.fileName ?? 'this file'} was already imported on ${seen.at}: its returns are already returned; nothing was posted`,
      );
  }
  const lines = await resolveReturns(tx, parsed);
  const changes = await resolveChangeNotices(tx, parsed.changes, {
    at,
    source: `returns file ${source.fileName ?? ''} sha256 ${source.sha256 ?? '-'}`.trim(),
    operatorId,
  });
  const matched = lines.filter((l) => l.matched);
  if (opts.requireMatch && matched.length === 0) {
    const l = lines[0];
    throw conflict(
      'not-returnable',
      `${l?.reference ?? 'the payment'}: ${l?.reason ?? 'cannot be returned'}`,
    );
  }
  const groups = new Map<string, ResolvedLine[]>();
  for (const l of matched) {
    const k = `${l.payType}:${l.currency}`;
    groups.set(k, [...(groups.get(k) ?? []), l]);
  }
  const batches: BatchDto[] = [];
  const unmatchedNotes = lines
    .filter((l) => !l.matched)
    .map(
      (l) =>
        `not returned: ${l.line !== null ? `line ${l.line}` : (l.path ?? `#${l.n}`)} ${l.reference} ${l.bankCode}: ${l.reason ?? ''}`,
    );
  for (const group of groups.values())
    batches.push(await createReturnBatch(tx, group, source, unmatchedNotes, now, operatorId));
  const applied = changes.filter((c) => c.applied).length;
  const auditId = await appendAudit(tx, {
    at,
    operatorId,
    action: 'returns.import',
    entity: 'returns',
    entityId: source.fileName ?? 'manual',
    after: {
      format: parsed.format,
      sha256: source.sha256,
      batches: batches.map((b) => b.id),
      matched: matched.length,
      unmatched: lines.length - matched.length,
      changes: applied,
    },
  });
  if (source.sha256 !== null && (batches.length > 0 || applied > 0))
    await tx.run(returnsFileInsertQuery(source.sha256, source.fileName ?? '', at, auditId));
  const fresh: BatchDto[] = [];
  for (const b of batches) fresh.push(await getBatchIn(tx, b.id));
  return {
    ...previewOf(parsed, source, lines, changes),
    batch: fresh[0] ?? null,
    batches: fresh,
    rows: matched.length,
    invalid: lines.length - matched.length,
  };
}

/** One open return batch (reversal) of one pay type and currency, its entries and their pending bank returns. */
async function createReturnBatch(
  tx: Tx,
  lines: readonly ResolvedLine[],
  source: ReturnsSource,
  unmatchedNotes: readonly string[],
  now: Date,
  operatorId: number | null,
): Promise<BatchDto> {
  const first = lines[0] as ResolvedLine;
  const currency = first.currency as string;
  const exponent = await exponentOfIn(tx, currency);
  const total = lines.reduce((s, l) => s + (l.amountMinor ?? 0), 0);
  const origin = source.fileName ? `returns file ${source.fileName}` : 'recorded by hand';
  const batch = await createBatchIn(
    tx,
    {
      batchType: 'reversal',
      payType: first.payType as number,
      currency,
      channelId: 0,
      allocationLevel: 'bill',
      batchDate: now.toISOString().slice(0, 10),
      controlCount: lines.length,
      controlTotal: formatMinor(total, exponent),
      note: `Return batch: ${origin} (${source.format})`,
      header: [
        `return batch from ${origin}`,
        `format ${source.format}`,
        ...(source.sha256 ? [`sha256 ${source.sha256}`] : []),
        ...unmatchedNotes,
      ],
      sourceFile: source.fileName ?? undefined,
      sourceSha256: source.sha256 ?? undefined,
    },
    now,
    operatorId,
  );
  const at = now.toISOString();
  const ids = (await tx.all<{ id: number }>(returnEntryIdsQuery(tx, lines.length))).map((r) => r.id);
  const entries: ReturnEntryWrite[] = [];
  const returns: BankReturnWrite[] = [];
  for (const [i, l] of lines.entries()) {
    const id = ids[i] as number;
    const seq = i + 1;
    entries.push({
      id,
      batchId: batch.id,
      seq,
      entryKey: entryKey(id),
      sourceLine: l.line,
      accountNo: l.accountNo,
      billNo: l.billNo,
      amountText: formatMinor(l.amountMinor as number, exponent),
      amountMinor: l.amountMinor,
      paymentDate: at.slice(0, 10),
      reference: `${l.bankCode}${l.bankText ? ` ${l.bankText}` : ''}`.slice(0, 200),
      paymentRef: l.paymentId,
      reasonCode:
        l.kind === 'bounced' || l.payType === PAY_TYPE.check
          ? RETURN_REASON.checkReturned
          : RETURN_REASON.bankReturn,
      currency,
    });
    returns.push({
      returnKey: l.returnKey,
      batchId: batch.id,
      entrySeq: seq,
      fileItemId: l.fileItemId,
      paymentId: l.paymentId,
      kind: l.kind,
      bankCode: l.bankCode,
      bankText: l.bankText,
      rejectionCode: l.rejectionCode,
      sourceFormat: source.format,
      sourceSha256: source.sha256,
      at,
    });
  }
  // Several rows a statement (a statement takes at most 65,535 parameters on PostgreSQL, 32,766 on SQLite).
  for (let i = 0; i < entries.length; i += ROWS_PER_INSERT) {
    await tx.run(returnEntriesInsertQuery(entries.slice(i, i + ROWS_PER_INSERT)));
    await tx.run(bankReturnsInsertQuery(returns.slice(i, i + ROWS_PER_INSERT)));
  }
  return batch;
}
