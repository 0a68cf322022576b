import { REASON_DOMAIN, requireReasonCode } from '../../ledger/codes';
import { customValueChecker } from '../admin/columns';
import { payTypeEnabled } from '../admin/reference-data';
import type Database from 'better-sqlite3';
import type {
  BatchDto,
  BatchEntriesPageDto,
  BatchEntryDto,
  EntryStatusDto,
} from '../../../src-shared/dto/batches';
import { isPostedEntry } from '../../../src-shared/dto/batches';
import { parseMinor } from '../../../src-shared/money';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { BATCH_PAY_TYPES, type BatchType } from '../../domain/batch-rules';
import { isoDate, isRealIsoDate } from '../../domain/dates';
import { writeAudit } from '../../ledger/audit';
import { assertBatchWithinCeiling } from '../../ledger/ceiling';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { exponentOf } from '../../ledger/rates';
import { getSetting } from '../../ledger/settings';
import { discardBankReturns } from '../returns/discard';
import { problemsDto, rowProblemsJson } from './entry-problems';
import { refreshFingerprints } from './duplicates';
import { familyFigures, batchZeroProof } from './zero-proof';

type BatchRow = {
  id: number;
  batchNo: string;
  batchType: BatchType;
  payType: number;
  currency: string;
  channelId: number;
  allocationLevel: 'bill' | 'item';
  status: BatchDto['status'];
  lockboxNo: string | null;
  batchDate: string;
  controlCount: number | null;
  controlTotalMinor: number | null;
  note: string | null;
  headerJson: string | null;
  footerJson: string | null;
  parentBatchId: number | null;
  sourceFile: string | null;
  templateName: string | null;
  createdAt: string;
  updatedAt: string;
  validatedAt: string | null;
  submittedAt: string | null;
  /** The team server `batch push` submitted this batch on: closed here (README "Push a batch to the server"). */
  pushedTo: string | null;
};

const BATCH_COLUMNS = `id, batch_no AS batchNo, batch_type AS batchType, pay_type AS payType, currency, channel_id AS channelId,
  allocation_level AS allocationLevel, status, lockbox_no AS lockboxNo, batch_date AS batchDate, control_count AS controlCount,
  control_total_minor AS controlTotalMinor, note, header_json AS headerJson, footer_json AS footerJson,
  parent_batch_id AS parentBatchId, source_file AS sourceFile, template_name AS templateName, created_at AS createdAt,
  updated_at AS updatedAt, validated_at AS validatedAt, submitted_at AS submittedAt,
  (SELECT server_url FROM batch_pushes p WHERE p.batch_id = batches.id) AS pushedTo`;

/** Loads a batch row or throws not_found. */
export function loadBatchRow(db: Database.Database, batchId: number): BatchRow {
  const row = db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ?`).get(batchId) as
    BatchRow | undefined;
  if (!row) throw notFound('batch', String(batchId));
  return row;
}

/** Throws unless the batch is still open or validated here (a pushed one included). */
function assertUnsubmitted(batch: BatchRow): void {
  if (batch.status === 'submitted')
    throw conflict('batch-submitted', `batch ${batch.batchNo} is submitted and can no longer change`);
  if (batch.status === 'discarded') throw conflict('batch-discarded', `batch ${batch.batchNo} was discarded`);
}

/** Throws unless the batch can still be edited (open or validated, and not pushed to a team server). */
export function assertEditable(batch: BatchRow): void {
  assertUnsubmitted(batch);
  assertNotPushed(batch);
}

/** Throws when `batch push` submitted the batch on a team server: it posts there, never again here. */
export function assertNotPushed(batch: BatchRow): void {
  if (batch.pushedTo !== null)
    throw conflict(
      'batch-pushed',
      `batch ${batch.batchNo} was pushed to ${batch.pushedTo} and submitted there; it can no longer change or be submitted here`,
    );
}

/** A batch with its live zero-proof figures and per-status counts and totals. */
export function getBatch(db: Database.Database, batchId: number): BatchDto {
  const b = loadBatchRow(db, batchId);
  const groups = db
    .prepare(
      `SELECT status, count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM batch_entries WHERE batch_id = ? GROUP BY status`,
    )
    .all(batchId) as { status: EntryStatusDto; n: number; s: number }[];
  const countsByStatus: BatchDto['countsByStatus'] = {};
  const totalsByStatus: BatchDto['totalsByStatus'] = {};
  for (const g of groups) {
    countsByStatus[g.status] = g.n;
    totalsByStatus[g.status] = g.s;
  }
  const { headerJson, footerJson, ...rest } = b;
  return {
    ...rest,
    exponent: exponentOf(db, b.currency),
    header: headerJson ? (JSON.parse(headerJson) as string[]) : [],
    footer: footerJson ? (JSON.parse(footerJson) as string[]) : [],
    zeroProof: batchZeroProof(db, b, getSetting(db, 'zeroProof.override') === true),
    lockMode: getSetting(db, 'payment.batchLock') === 'account' ? 'account' : 'batch',
    countsByStatus,
    totalsByStatus,
  };
}

/** Input of a new batch. */
export type CreateBatchInput = {
  batchType: BatchType;
  payType: number;
  currency: string;
  channelId: number;
  allocationLevel: 'bill' | 'item';
  batchNo?: string | undefined;
  lockboxNo?: string | undefined;
  batchDate?: string | undefined;
  controlCount?: number | undefined;
  controlTotal?: string | undefined;
  note?: string | undefined;
  header?: string[] | undefined;
  footer?: string[] | undefined;
  parentBatchId?: number | undefined;
  sourceFile?: string | undefined;
  sourceSha256?: string | undefined;
  templateName?: string | undefined;
};

/** Creates an open batch after checking its type against its pay type (V9, V10) and its currency. */
export function createBatch(
  db: Database.Database,
  input: CreateBatchInput,
  now: Date,
  operatorId: number | null,
): BatchDto {
  if (!BATCH_PAY_TYPES[input.batchType].includes(input.payType)) {
    const allowed = BATCH_PAY_TYPES[input.batchType].map((p) => PAY_TYPE_NAMES[p] ?? p).join(', ');
    throw invalidFields(`a ${input.batchType} batch takes ${allowed}`, [
      {
        path: 'payType',
        message: `${PAY_TYPE_NAMES[input.payType] ?? input.payType} is not allowed in a ${input.batchType} batch`,
      },
    ]);
  }
  if (!payTypeEnabled(db, input.payType)) {
    const message = `${PAY_TYPE_NAMES[input.payType] ?? input.payType} is switched off on this desk (admin: pay types)`;
    throw invalidFields(message, [{ path: 'payType', message }]);
  }
  const exponent = exponentOf(db, input.currency);
  let controlTotalMinor: number | null = null;
  if (input.controlTotal !== undefined) {
    const r = parseMinor(input.controlTotal, exponent);
    if (!r.ok)
      throw invalidFields(`controlTotal: ${r.error.reason}`, [
        { path: 'controlTotal', message: r.error.reason },
      ]);
    controlTotalMinor = r.value;
  }
  const at = now.toISOString();
  return db.transaction((): BatchDto => {
    const batchNo =
      input.batchNo ??
      `B${isoDate(now).replace(/-/g, '')}-${String(
        ((db.prepare('SELECT coalesce(max(id), 0) AS m FROM batches').get() as { m: number }).m ?? 0) + 1,
      ).padStart(5, '0')}`;
    if (db.prepare('SELECT 1 FROM batches WHERE batch_no = ?').get(batchNo)) {
      throw conflict('duplicate-batch-no', `batch number ${batchNo} is already used`);
    }
    const id = Number(
      db
        .prepare(
          `INSERT INTO batches (batch_no, batch_type, pay_type, currency, channel_id, allocation_level, status, lockbox_no, batch_date,
             control_count, control_total_minor, note, header_json, footer_json, parent_batch_id, source_file, source_sha256,
             template_name, created_at, updated_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          batchNo,
          input.batchType,
          input.payType,
          input.currency,
          input.channelId,
          input.allocationLevel,
          input.lockboxNo ?? null,
          input.batchDate ?? isoDate(now),
          input.controlCount ?? null,
          controlTotalMinor,
          input.note ?? null,
          input.header ? JSON.stringify(input.header) : null,
          input.footer ? JSON.stringify(input.footer) : null,
          input.parentBatchId ?? null,
          input.sourceFile ?? null,
          input.sourceSha256 ?? null,
          input.templateName ?? null,
          at,
          at,
          operatorId,
        ).lastInsertRowid,
    );
    writeAudit(db, {
      at,
      operatorId,
      action: 'batch.create',
      entity: 'batch',
      entityId: String(id),
      after: { ...input, batchNo },
    });
    return getBatch(db, id);
  })();
}

/** Batches, newest first, optionally by status. */
export function listBatches(
  db: Database.Database,
  input: { status?: BatchDto['status'] | undefined; limit: number; offset: number },
): { rows: BatchDto[]; total: number } {
  const where = input.status ? 'WHERE status = ?' : '';
  const args = input.status ? [input.status] : [];
  const total = (db.prepare(`SELECT count(*) AS n FROM batches ${where}`).get(...args) as { n: number }).n;
  const ids = db
    .prepare(`SELECT id FROM batches ${where} ORDER BY id DESC LIMIT ? OFFSET ?`)
    .all(...args, input.limit, input.offset) as {
    id: number;
  }[];
  return { rows: ids.map((r) => getBatch(db, r.id)), total };
}

type EntryRow = {
  id: number;
  seq: number;
  sourceLine: number | null;
  accountNo: string | null;
  billNo: string | null;
  amountText: string | null;
  amountMinor: number | null;
  paymentDate: string | null;
  checkNo: string | null;
  payerName: string | null;
  reference: string | null;
  channelId: number | null;
  paymentRef: number | null;
  customJson: string | null;
  status: EntryStatusDto;
  reasonCode: number | null;
  problem: string | null;
  problemColumn: string | null;
  problemsJson: string | null;
  currency: string;
  manualSuspend: number;
  allocationJson: string | null;
  postedPaymentId: number | null;
  duplicateOfJson: string | null;
  duplicateReleaseCode: number | null;
  duplicateReleaseNote: string | null;
};

/** Columns of an entry row as the DTO mapper expects them. */
export const ENTRY_COLUMNS = `id, seq, source_line AS sourceLine, account_no AS accountNo, bill_no AS billNo, amount_text AS amountText,
  amount_minor AS amountMinor, payment_date AS paymentDate, check_no AS checkNo, payer_name AS payerName, reference,
  channel_id AS channelId, payment_ref AS paymentRef, custom_json AS customJson, status, reason_code AS reasonCode, problem,
  problem_column AS problemColumn, manual_suspend AS manualSuspend, allocation_json AS allocationJson,
  posted_payment_id AS postedPaymentId, problems_json AS problemsJson,
  coalesce(currency, (SELECT b.currency FROM batches b WHERE b.id = batch_entries.batch_id)) AS currency,
  CASE WHEN duplicate_of_entry_id IS NOT NULL THEN (SELECT json_object('entryId', d.id, 'batchId', d.batch_id, 'batchNo', db.batch_no,
    'seq', d.seq, 'paymentId', batch_entries.duplicate_of_payment_id) FROM batch_entries d JOIN batches db ON db.id = d.batch_id
    WHERE d.id = batch_entries.duplicate_of_entry_id) END AS duplicateOfJson,
  duplicate_release_code AS duplicateReleaseCode, duplicate_release_note AS duplicateReleaseNote`;

/** Maps an entry row to its DTO. */
export function entryDto(r: EntryRow): BatchEntryDto {
  const {
    customJson,
    allocationJson,
    manualSuspend,
    problemsJson,
    duplicateOfJson,
    duplicateReleaseCode,
    duplicateReleaseNote,
    ...rest
  } = r;
  const allocation = allocationJson ? (JSON.parse(allocationJson) as { manual?: boolean }) : null;
  return {
    ...rest,
    problems: problemsDto({ ...r, problemsJson }),
    duplicateOf: duplicateOfJson ? (JSON.parse(duplicateOfJson) as BatchEntryDto['duplicateOf']) : null,
    duplicateRelease:
      duplicateReleaseCode === null ? null : { reasonCode: duplicateReleaseCode, note: duplicateReleaseNote },
    custom: customJson ? (JSON.parse(customJson) as Record<string, string>) : {},
    manualSuspend: manualSuspend === 1,
    allocationState:
      r.postedPaymentId !== null
        ? 'posted'
        : allocation?.manual
          ? 'manual'
          : r.status === 'valid' || r.status === 'allocation_suggested'
            ? 'planned'
            : 'none',
  };
}

const SORTABLE: Readonly<Record<string, string>> = {
  seq: 'seq',
  accountNo: 'account_no',
  billNo: 'bill_no',
  amountMinor: 'amount_minor',
  paymentDate: 'payment_date',
  checkNo: 'check_no',
  payerName: 'payer_name',
  reference: 'reference',
  status: 'status',
  reasonCode: 'reason_code',
};

/**
 * Sorting a large batch by a column needs an index on (batch_id, column); it is created the first time a user
 * sorts by that column (once per ledger), so imports do not pay for indexes nobody uses.
 */
function ensureSortIndex(db: Database.Database, column: string): void {
  db.exec(
    `CREATE INDEX IF NOT EXISTS batch_entries_sort_${column}_idx ON batch_entries (batch_id, ${column}, seq)`,
  );
}

/** Entries whose custom field holds a value: the whole value (`exact`) or a part of it, ignoring case (`contains`). */
export type EntryCustomFilter = { field: string; value: string; match?: 'exact' | 'contains' | undefined };

/**
 * The SQL condition of a custom-field filter. The value is read with json_extract from the entry's custom_json
 * (only entries of one batch are scanned, through the batch_id index). The field must be defined, so a typo
 * is an error rather than an empty grid.
 */
function customFilterSql(
  db: Database.Database,
  filter: EntryCustomFilter | undefined,
): { sql: string; args: unknown[] } {
  if (!filter) return { sql: '', args: [] };
  const known = db.prepare('SELECT 1 FROM custom_fields WHERE key = ?').get(filter.field);
  if (!known)
    throw invalidFields(`no custom field ${filter.field}`, [
      { path: 'custom.field', message: `custom field "${filter.field}" is not defined` },
    ]);
  // Keys match CUSTOM_KEY_PATTERN (letters, digits, _ and -), so the key can sit in the SQL text; the path is
  // written out (not bound) so that the expression matches the index below, and quoted because of "-".
  const value = `json_extract(custom_json, '$."${filter.field}"')`;
  const text = filter.value.trim();
  if (filter.match !== 'exact') return { sql: ` AND instr(lower(${value}), lower(?)) > 0`, args: [text] };
  // An exact match is an index lookup; the index is made the first time someone searches the field (once per
  // ledger), as for sorting, so fields nobody searches cost imports nothing.
  db.exec(
    `CREATE INDEX IF NOT EXISTS "batch_entries_custom_${filter.field}_idx" ON batch_entries (batch_id, ${value}, seq)`,
  );
  return { sql: ` AND ${value} = ?`, args: [text] };
}

/** A page of entries (rows startRow..endRow-1) for the grid, with the total count and amount of the filter. */
export function entriesPage(
  db: Database.Database,
  input: {
    batchId: number;
    startRow: number;
    endRow: number;
    sortBy?: string | undefined;
    sortDir?: 'asc' | 'desc' | undefined;
    status?: EntryStatusDto[] | undefined;
    totals?: boolean | undefined;
    custom?: EntryCustomFilter | undefined;
  },
): BatchEntriesPageDto {
  loadBatchRow(db, input.batchId);
  const customFilter = customFilterSql(db, input.custom);
  const column = SORTABLE[input.sortBy ?? 'seq'];
  if (!column)
    throw invalidFields(`cannot sort by ${input.sortBy}`, [
      { path: 'sortBy', message: `one of ${Object.keys(SORTABLE).join(', ')}` },
    ]);
  const dir = input.sortDir === 'desc' ? 'DESC' : 'ASC';
  const statusFilter =
    (input.status?.length ? `AND status IN (SELECT value FROM json_each(?))` : '') + customFilter.sql;
  const args: unknown[] = [
    input.batchId,
    ...(input.status?.length ? [JSON.stringify(input.status)] : []),
    ...customFilter.args,
  ];
  // Totals scan the whole filter; a grid asks for them with its first block only.
  const agg =
    input.totals === false
      ? { n: -1, s: 0 }
      : (db
          .prepare(
            `SELECT count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM batch_entries WHERE batch_id = ? ${statusFilter}`,
          )
          .get(...args) as { n: number; s: number });
  // Page through ids first (the index covers batch_id, sort column and rowid, so skipped rows cost little),
  // then fetch only the page's rows.
  if (column !== 'seq' && column !== 'status') ensureSortIndex(db, column);
  const limit = Math.max(0, input.endRow - input.startRow);
  let ids: number[];
  if (column === 'seq' && statusFilter === '') {
    // seq is kept dense (1..N) per batch, so a page in entry order is a range on the index, at any depth.
    const max = (
      db
        .prepare('SELECT coalesce(max(seq), 0) AS m FROM batch_entries WHERE batch_id = ?')
        .get(input.batchId) as { m: number }
    ).m;
    const range =
      dir === 'ASC'
        ? db
            .prepare(`SELECT id FROM batch_entries WHERE batch_id = ? AND seq > ? ORDER BY seq LIMIT ?`)
            .raw()
            .all(input.batchId, input.startRow, limit)
        : db
            .prepare(`SELECT id FROM batch_entries WHERE batch_id = ? AND seq <= ? ORDER BY seq DESC LIMIT ?`)
            .raw()
            .all(input.batchId, max - input.startRow, limit);
    ids = (range as [number][]).map((r) => r[0]);
  } else {
    ids = (
      db
        .prepare(
          `SELECT id FROM batch_entries WHERE batch_id = ? ${statusFilter} ORDER BY ${column} ${dir}, seq ${dir} LIMIT ? OFFSET ?`,
        )
        .raw()
        .all(...args, limit, input.startRow) as [number][]
    ).map((r) => r[0]);
  }
  const byId = new Map(
    (
      db
        .prepare(`SELECT ${ENTRY_COLUMNS} FROM batch_entries WHERE id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(ids)) as EntryRow[]
    ).map((r) => [r.id, r]),
  );
  const rows = ids.map((id) => byId.get(id)).filter((r): r is EntryRow => r !== undefined);
  return { rows: rows.map(entryDto), total: agg.n, totalAmountMinor: agg.s };
}

/** Fields a clerk keys or an import stages (all text; the service parses). */
export type EntryFields = {
  id?: number | undefined;
  accountNo?: string | null | undefined;
  billNo?: string | null | undefined;
  amount?: string | null | undefined;
  paymentDate?: string | null | undefined;
  checkNo?: string | null | undefined;
  payerName?: string | null | undefined;
  reference?: string | null | undefined;
  channelId?: number | null | undefined;
  paymentRef?: number | null | undefined;
  custom?: Record<string, string> | undefined;
};

function blankToNull(v: string | null | undefined): string | null {
  if (v === undefined || v === null) return null;
  const t = v.trim();
  return t === '' ? null : t;
}

/**
 * Inserts or updates entries (keyed entry). Each cell is checked as it is saved: a bad amount or date is
 * kept as typed and marks the entry invalid with its column and reason. Any change sends the batch back to
 * "open" and the entry to "new" (validation starts over).
 */
export function saveEntries(
  db: Database.Database,
  input: { batchId: number; entries: EntryFields[] },
  now: Date,
  operatorId: number | null,
): BatchEntryDto[] {
  return db.transaction((): BatchEntryDto[] => {
    const batch = loadBatchRow(db, input.batchId);
    assertEditable(batch);
    const exponent = exponentOf(db, batch.currency);
    const checkCustom = customValueChecker(db, exponent);
    let seq = (
      db.prepare('SELECT coalesce(max(seq), 0) AS m FROM batch_entries WHERE batch_id = ?').get(batch.id) as {
        m: number;
      }
    ).m;
    const get = db.prepare(`SELECT ${ENTRY_COLUMNS} FROM batch_entries WHERE id = ? AND batch_id = ?`);
    const ins = db.prepare(
      `INSERT INTO batch_entries (id, batch_id, seq, entry_key, status, currency) VALUES (?, ?, ?, ?, 'new', ?)`,
    );
    const upd = db.prepare(
      `UPDATE batch_entries SET account_no = @accountNo, bill_no = @billNo, amount_text = @amountText, amount_minor = @amountMinor,
         payment_date = @paymentDate, check_no = @checkNo, payer_name = @payerName, reference = @reference, channel_id = @channelId,
         payment_ref = @paymentRef, custom_json = @customJson, status = @status, problem = @problem, problem_column = @problemColumn,
         problems_json = @problemsJson,
         reason_code = CASE WHEN manual_suspend = 1 THEN reason_code ELSE NULL END, allocation_json = NULL, account_id = NULL
       WHERE id = @id`,
    );
    const savedIds: number[] = [];
    for (const e of input.entries) {
      let current: EntryRow | undefined;
      if (e.id !== undefined) {
        current = get.get(e.id, batch.id) as EntryRow | undefined;
        if (!current) throw notFound('entry', String(e.id));
        if (isPostedEntry(current.status)) throw conflict('entry-posted', `entry ${e.id} is posted`);
      } else {
        seq++;
        const id = nextEntryId(db);
        // A keyed entry is in the batch currency.
        ins.run(id, batch.id, seq, entryKey(id), batch.currency);
        current = get.get(id, batch.id) as EntryRow;
      }
      const pick = <K extends keyof EntryFields>(k: K, cur: unknown): unknown =>
        e[k] === undefined ? cur : e[k];
      const amountText = blankToNull(pick('amount', current.amountText) as string | null);
      const paymentDate = blankToNull(pick('paymentDate', current.paymentDate) as string | null);
      let amountMinor: number | null = null;
      // Every cell is checked, so a bad amount does not hide an impossible date behind it.
      const problems: { column: string; reason: string }[] = [];
      if (amountText !== null) {
        const r = parseMinor(amountText, exponent);
        if (r.ok) amountMinor = r.value;
        else problems.push({ column: 'amount', reason: r.error.reason });
      }
      if (paymentDate !== null && !isRealIsoDate(paymentDate)) {
        problems.push({ column: 'paymentDate', reason: `"${paymentDate}" is not a date (yyyy-MM-dd)` });
      }
      const customCur = current.customJson ? (JSON.parse(current.customJson) as Record<string, string>) : {};
      const customNext = { ...customCur, ...(e.custom ?? {}) };
      // Admin-defined fields are typed (number, date, amount, code list): a bad value marks its column.
      const customBad = checkCustom(customNext);
      if (customBad) problems.push({ column: customBad.column, reason: customBad.problem });
      const problem = problems[0]?.reason ?? null;
      const problemColumn = problems[0]?.column ?? null;
      upd.run({
        id: current.id,
        accountNo: blankToNull(pick('accountNo', current.accountNo) as string | null),
        billNo: blankToNull(pick('billNo', current.billNo) as string | null),
        amountText,
        amountMinor,
        paymentDate,
        checkNo: blankToNull(pick('checkNo', current.checkNo) as string | null),
        payerName: blankToNull(pick('payerName', current.payerName) as string | null),
        reference: blankToNull(pick('reference', current.reference) as string | null),
        channelId: pick('channelId', current.channelId) as number | null,
        paymentRef: pick('paymentRef', current.paymentRef) as number | null,
        customJson: JSON.stringify(customNext),
        status: problem ? 'invalid' : current.manualSuspend === 1 ? 'to_be_suspended' : 'new',
        problem,
        problemColumn,
        problemsJson: rowProblemsJson(problems),
      });
      savedIds.push(current.id);
    }
    // One set-based refresh for the whole save; the DTOs are read after it (a changed fingerprint clears a release).
    refreshFingerprints(db, batch.id, savedIds);
    const out = savedIds.map((id) => entryDto(get.get(id, batch.id) as EntryRow));
    touchBatch(db, batch.id, now);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.entries.save',
      entity: 'batch',
      entityId: String(batch.id),
      after: { entries: out.length },
    });
    // Every total the batch shows must stay exact (ledger/ceiling.ts).
    assertBatchWithinCeiling(db, batch.id, batch.batchNo);
    return out;
  })();
}

/**
 * The stable idempotency key of an entry, fixed when the entry is created from its id (ids are never reused):
 * its payment is posted under this key, so the entry can move to an exception batch or be resubmitted without
 * ever posting twice.
 */
export function entryKey(entryId: number): string {
  return `e${entryId}`;
}

/** The next batch entry id (AUTOINCREMENT never reuses ids, even of deleted rows). */
export function nextEntryId(db: Database.Database): number {
  const seq = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'batch_entries'`).get() as
    { seq: number } | undefined;
  return (seq?.seq ?? 0) + 1;
}

/** Renumbers a batch's entries 1..N in their current order, keeping seq dense after deletes and moves. */
export function renumberEntries(db: Database.Database, batchId: number): void {
  db.prepare(
    `UPDATE batch_entries SET seq = r.rn FROM (SELECT id, row_number() OVER (ORDER BY seq) AS rn FROM batch_entries WHERE batch_id = ?) AS r
     WHERE batch_entries.id = r.id AND batch_entries.seq <> r.rn`,
  ).run(batchId);
}

/** Marks a batch edited: back to open, validation must run again. */
export function touchBatch(db: Database.Database, batchId: number, now: Date): void {
  db.prepare(
    `UPDATE batches SET status = 'open', updated_at = ?, validated_at = NULL WHERE id = ? AND status IN ('open', 'validated')`,
  ).run(now.toISOString(), batchId);
}

/** Deletes entries that are not posted. */
export function deleteEntries(
  db: Database.Database,
  input: { batchId: number; ids: number[] },
  now: Date,
  operatorId: number | null,
): { deleted: number } {
  return db.transaction(() => {
    const batch = loadBatchRow(db, input.batchId);
    assertEditable(batch);
    const info = db
      .prepare(
        `DELETE FROM batch_entries WHERE batch_id = ? AND status NOT IN ('posted', 'posted_suspense') AND id IN (SELECT value FROM json_each(?))`,
      )
      .run(batch.id, JSON.stringify(input.ids));
    renumberEntries(db, batch.id);
    touchBatch(db, batch.id, now);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.entries.delete',
      entity: 'batch',
      entityId: String(batch.id),
      before: { ids: input.ids },
    });
    return { deleted: info.changes };
  })();
}

/** Suspends an entry by hand with a suspense reason code, or returns it (reasonCode null) to be validated again. */
export function suspendEntry(
  db: Database.Database,
  input: { batchId: number; entryId: number; reasonCode: number | null },
  now: Date,
  operatorId: number | null,
): BatchEntryDto {
  return db.transaction((): BatchEntryDto => {
    const batch = loadBatchRow(db, input.batchId);
    assertEditable(batch);
    if (batch.batchType !== 'payment')
      throw conflict('not-suspendable', 'only payment batch entries can be suspended (V11)');
    const entry = db
      .prepare(`SELECT ${ENTRY_COLUMNS} FROM batch_entries WHERE id = ? AND batch_id = ?`)
      .get(input.entryId, batch.id) as EntryRow | undefined;
    if (!entry) throw notFound('entry', String(input.entryId));
    if (isPostedEntry(entry.status)) throw conflict('entry-posted', `entry ${entry.id} is posted`);
    if (input.reasonCode !== null) {
      requireReasonCode(db, REASON_DOMAIN.suspense, input.reasonCode);
      if (entry.amountMinor === null || entry.amountMinor <= 0) {
        throw conflict('not-suspendable', 'an entry needs a valid positive amount to be suspended');
      }
      db.prepare(
        `UPDATE batch_entries SET manual_suspend = 1, reason_code = ?, status = 'to_be_suspended', problem = 'suspended by hand', problem_column = NULL WHERE id = ?`,
      ).run(input.reasonCode, entry.id);
    } else {
      db.prepare(
        `UPDATE batch_entries SET manual_suspend = 0, reason_code = NULL, status = 'new', problem = NULL WHERE id = ?`,
      ).run(entry.id);
    }
    touchBatch(db, batch.id, now);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: input.reasonCode !== null ? 'batch.entry.suspend' : 'batch.entry.unsuspend',
      entity: 'batch_entry',
      entityId: String(entry.id),
      reasonCode: input.reasonCode,
    });
    return entryDto(
      db.prepare(`SELECT ${ENTRY_COLUMNS} FROM batch_entries WHERE id = ?`).get(entry.id) as EntryRow,
    );
  })();
}

/** Moves every invalid, allocation-required and suspected-duplicate entry into a new batch linked to this one. */
export function exceptionBatch(
  db: Database.Database,
  input: { batchId: number },
  now: Date,
  operatorId: number | null,
): { exception: BatchDto; moved: number } {
  return db.transaction(() => {
    const batch = loadBatchRow(db, input.batchId);
    assertEditable(batch);
    const ids = (
      db
        .prepare(
          `SELECT id FROM batch_entries WHERE batch_id = ? AND status IN ('invalid', 'allocation_required', 'duplicate_suspected') ORDER BY seq`,
        )
        .all(batch.id) as {
        id: number;
      }[]
    ).map((r) => r.id);
    if (ids.length === 0)
      throw conflict('no-exceptions', `batch ${batch.batchNo} has no invalid entries to move`);
    const exception = createBatch(
      db,
      {
        batchType: batch.batchType,
        payType: batch.payType,
        currency: batch.currency,
        channelId: batch.channelId,
        allocationLevel: batch.allocationLevel,
        batchNo: `${batch.batchNo}-X${(db.prepare('SELECT count(*) AS n FROM batches WHERE parent_batch_id = ?').get(batch.id) as { n: number }).n + 1}`,
        lockboxNo: batch.lockboxNo ?? undefined,
        batchDate: batch.batchDate,
        note: `Exception batch of ${batch.batchNo}`,
        parentBatchId: batch.id,
      },
      now,
      operatorId,
    );
    // What the batch accounts for (entered here plus earlier exception batches) does not change by the move.
    const before = familyFigures(db, batch.id);
    const move = db.prepare(`UPDATE batch_entries SET batch_id = ?, seq = ? WHERE id = ?`);
    ids.forEach((id, i) => move.run(exception.id, i + 1, id));
    // The parent keeps its deposit-slip figures (its zero proof counts what moved); the exception batch gets
    // what the slip leaves for it once everything else is counted, so each part proves on its own.
    const moved = db
      .prepare(
        `SELECT count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM batch_entries WHERE batch_id = ?`,
      )
      .get(exception.id) as { n: number; s: number };
    const rest = (control: number | null, accounted: number, own: number): number | null =>
      control === null || control - accounted + own < 0 ? null : control - accounted + own;
    const carried = {
      controlCount: rest(batch.controlCount, before.hereCount + before.movedCount, moved.n),
      controlTotalMinor: rest(
        batch.controlTotalMinor,
        before.hereTotalMinor + before.movedTotalMinor,
        moved.s,
      ),
    };
    db.prepare(`UPDATE batches SET control_count = ?, control_total_minor = ? WHERE id = ?`).run(
      carried.controlCount,
      carried.controlTotalMinor,
      exception.id,
    );
    renumberEntries(db, batch.id);
    touchBatch(db, batch.id, now);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.exception',
      entity: 'batch',
      entityId: String(batch.id),
      after: { exceptionBatchId: exception.id, moved: ids.length, carried },
    });
    return { exception: getBatch(db, exception.id), moved: ids.length };
  })();
}

/** Discards an unsubmitted batch (its entries stay for the record). */
export function discardBatch(
  db: Database.Database,
  input: { batchId: number },
  now: Date,
  operatorId: number | null,
): BatchDto {
  return db.transaction((): BatchDto => {
    const batch = loadBatchRow(db, input.batchId);
    // A pushed batch lives on the server now; its local copy may be put away.
    assertUnsubmitted(batch);
    db.prepare(`UPDATE batches SET status = 'discarded', updated_at = ? WHERE id = ?`).run(
      now.toISOString(),
      batch.id,
    );
    // A discarded return batch gives its bank returns back: the same return may be read again later.
    if (batch.batchType === 'reversal') discardBankReturns(db, batch.id);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.discard',
      entity: 'batch',
      entityId: String(batch.id),
    });
    return getBatch(db, batch.id);
  })();
}

/** Header fields a clerk may change after creation (null clears a field). */
export type HeaderUpdate = {
  batchId: number;
  note?: string | null | undefined;
  lockboxNo?: string | null | undefined;
  controlCount?: number | null | undefined;
  controlTotal?: string | null | undefined;
};

/**
 * Edits a batch header. The note can change at any time (it is free text kept for the record); the lockbox
 * number and the control figures only until the batch is submitted or discarded. The control figures feed
 * only the zero-proof bar, so a validated batch stays validated.
 */
export function updateBatchHeader(
  db: Database.Database,
  input: HeaderUpdate,
  now: Date,
  operatorId: number | null,
): BatchDto {
  return db.transaction((): BatchDto => {
    const batch = loadBatchRow(db, input.batchId);
    const figures =
      input.lockboxNo !== undefined || input.controlCount !== undefined || input.controlTotal !== undefined;
    if (figures) assertEditable(batch);
    else if (batch.status === 'discarded')
      throw conflict('batch-discarded', `batch ${batch.batchNo} was discarded`);
    let controlTotalMinor = batch.controlTotalMinor;
    if (input.controlTotal !== undefined) {
      if (input.controlTotal === null || input.controlTotal.trim() === '') controlTotalMinor = null;
      else {
        const r = parseMinor(input.controlTotal, exponentOf(db, batch.currency));
        if (!r.ok)
          throw invalidFields(`controlTotal: ${r.error.reason}`, [
            { path: 'controlTotal', message: r.error.reason },
          ]);
        controlTotalMinor = r.value;
      }
    }
    const after = {
      note: input.note === undefined ? batch.note : blankToNull(input.note),
      lockboxNo: input.lockboxNo === undefined ? batch.lockboxNo : blankToNull(input.lockboxNo),
      controlCount: input.controlCount === undefined ? batch.controlCount : input.controlCount,
      controlTotalMinor,
    };
    const before = {
      note: batch.note,
      lockboxNo: batch.lockboxNo,
      controlCount: batch.controlCount,
      controlTotalMinor: batch.controlTotalMinor,
    };
    db.prepare(
      `UPDATE batches SET note = ?, lockbox_no = ?, control_count = ?, control_total_minor = ?, updated_at = ? WHERE id = ?`,
    ).run(
      after.note,
      after.lockboxNo,
      after.controlCount,
      after.controlTotalMinor,
      now.toISOString(),
      batch.id,
    );
    // The lockbox is part of every entry's fingerprint.
    if (after.lockboxNo !== batch.lockboxNo) refreshFingerprints(db, batch.id);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.header',
      entity: 'batch',
      entityId: String(batch.id),
      before,
      after,
    });
    return getBatch(db, batch.id);
  })();
}
