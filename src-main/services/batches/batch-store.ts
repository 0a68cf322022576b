import { lockBatchIn } from '../../../db/repos/locks';
import type Database from 'better-sqlite3';
import {
  bankReturnsDiscardQuery,
  batchAmountSlicesQuery,
  batchByIdQuery,
  batchControlUpdateQuery,
  batchCountQuery,
  batchDiscardQuery,
  batchFiguresQuery,
  batchHeaderUpdateQuery,
  batchIdsPageQuery,
  batchInsertQuery,
  batchNoTakenQuery,
  batchStatusGroupsQuery,
  batchTouchQuery,
  childBatchCountQuery,
  customFieldKnownQuery,
  ENTRY_SORT_COLUMNS,
  entriesByIdsQuery,
  entriesDeleteQuery,
  entriesRenumberQuery,
  entryByIdQuery,
  entryCustomIndex,
  entryIdsBySeqQuery,
  entryIdsSortedQuery,
  entryInsertQuery,
  entrySortIndex,
  entrySuspendQuery,
  entryTotalsQuery,
  entryUnsuspendQuery,
  entryValuesUpdateQuery,
  exceptionEntriesMoveQuery,
  exceptionEntryIdsQuery,
  fingerprintSourcesQuery,
  fingerprintsUpdateQuery,
  lastBatchIdQuery,
  lastSeqQuery,
  nextEntryIdQuery,
  sqliteIndexExistsQuery,
  type BatchRecord,
  type BatchWrite,
  type EntryFilter,
  type EntryRecord,
  type FingerprintSource,
} from '../../../db/repos/batches';
import { appendAudit, auditInsertQuery } from '../../../db/repos/audit';
import { payTypeEnabledQuery } from '../../../db/repos/reference-data';
import type { SQL } from 'drizzle-orm';
import type { Dialect, Storage, Tx } from '../../../db/storage/port';
import { driverAll, driverGet, driverRun } from '../../../db/storage/sqlite';
import { all, call, DRIVER, get, run, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import { isSqliteBusy } from '../../../db/write-lock';
import { REASON_DOMAIN, requireReasonCodeIn } from '../../ledger/codes';
import { customValueChecker, customValueCheckerIn } from '../admin/columns';
import { payTypeEnabled } from '../admin/reference-data';
import type {
  BatchDto,
  BatchEntriesPageDto,
  BatchEntryDto,
  EntryStatusDto,
} from '../../../src-shared/dto/batches';
import { isPostedEntry } from '../../../src-shared/dto/batches';
import { parseMinor } from '../../../src-shared/money';
import { CUSTOM_KEY_PATTERN } from '../../../src-shared/columns';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { BATCH_PAY_TYPES, type BatchType } from '../../domain/batch-rules';
import { isoDate, isRealIsoDate } from '../../domain/dates';
import { paymentFingerprint } from '../../domain/fingerprint';
import { writeAudit } from '../../ledger/audit';
import { assertBatchSlicesWithinCeiling } from '../../ledger/ceiling';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { exponentOf, exponentOfIn } from '../../ledger/rates';
import { getSetting, getSettingIn } from '../../ledger/settings';
import { problemsDto, rowProblemsJson } from './entry-problems';
import { batchZeroProof, batchZeroProofIn, familyFiguresIn } from './zero-proof';

// The commands a clerk uses to key and look at a batch run through the storage port (issue #17): list, show,
// entries, create, header, discard, keyed entries and their deletes, suspending by hand and exception batches, on
// SQLite and PostgreSQL alike, and so do validation, returns, the hand-over load and (on PostgreSQL) import and
// submit. SQLite's streaming bank-file import, its set-based submit and undo run on the driver with the same
// repository SQL (db/repos/batches.ts): loadBatchRow, getBatch, createBatch, saveEntries (written once as steps),
// touchBatch and nextEntryId keep their driver forms for them.

const READ = { readOnly: true } as const;
// A change reads the batch (its status, its figures, the batch numbers taken) before it writes: serializable, so
// two clerks at once take turns on PostgreSQL as SQLite's one writer makes them.
const WRITE = { serializable: true } as const;
const SQLITE = { dialect: 'sqlite' } as const;

type BatchRow = BatchRecord;

function foundBatch(row: BatchRow | undefined, batchId: number): BatchRow {
  if (!row) throw notFound('batch', String(batchId));
  return row;
}

/** Loads a batch row or throws not_found. */
export function loadBatchRow(db: Database.Database, batchId: number): BatchRow {
  return foundBatch(driverGet<BatchRow>(db, batchByIdQuery(batchId)), batchId);
}

/** loadBatchRow in a port transaction. */
export async function loadBatchRowIn(tx: Tx, batchId: number): Promise<BatchRow> {
  return foundBatch(await tx.get<BatchRow>(batchByIdQuery(batchId)), batchId);
}

/**
 * The batch row for a change to the batch, locked first (PostgreSQL): its saves, validations and submits take
 * turns on it, and a serializable change that had to wait starts again here, before it has written anything.
 */
export async function lockedBatchRowIn(tx: Tx, batchId: number): Promise<BatchRow> {
  await lockBatchIn(tx, batchId);
  return loadBatchRowIn(tx, batchId);
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

type StatusGroup = { status: EntryStatusDto; n: number; s: number };

function batchDto(
  b: BatchRow,
  groups: StatusGroup[],
  exponent: number,
  zeroProof: BatchDto['zeroProof'],
  batchLock: unknown,
): BatchDto {
  const countsByStatus: BatchDto['countsByStatus'] = {};
  const totalsByStatus: BatchDto['totalsByStatus'] = {};
  for (const g of groups) {
    countsByStatus[g.status] = g.n;
    totalsByStatus[g.status] = g.s;
  }
  const { headerJson, footerJson, ...rest } = b;
  return {
    ...rest,
    exponent,
    header: headerJson ? (JSON.parse(headerJson) as string[]) : [],
    footer: footerJson ? (JSON.parse(footerJson) as string[]) : [],
    zeroProof,
    lockMode: batchLock === 'account' ? 'account' : 'batch',
    countsByStatus,
    totalsByStatus,
  };
}

/** A batch with its live zero-proof figures and per-status counts and totals. */
export function getBatch(db: Database.Database, batchId: number): BatchDto {
  const b = loadBatchRow(db, batchId);
  return batchDto(
    b,
    driverAll<StatusGroup>(db, batchStatusGroupsQuery(SQLITE, batchId)),
    exponentOf(db, b.currency),
    batchZeroProof(db, b, getSetting(db, 'zeroProof.override') === true),
    getSetting(db, 'payment.batchLock'),
  );
}

/** getBatch in a port transaction. */
export async function getBatchIn(tx: Tx, batchId: number): Promise<BatchDto> {
  const b = await loadBatchRowIn(tx, batchId);
  return batchDto(
    b,
    await tx.all<StatusGroup>(batchStatusGroupsQuery(tx, batchId)),
    await exponentOfIn(tx, b.currency),
    await batchZeroProofIn(tx, b, (await getSettingIn(tx, 'zeroProof.override')) === true),
    await getSettingIn(tx, 'payment.batchLock'),
  );
}

/** A batch (`batches:get`), read in one snapshot. */
export function getBatchVia(storage: Storage, batchId: number): Promise<BatchDto> {
  return storage.transaction((tx) => getBatchIn(tx, batchId), READ);
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

/** Throws unless the batch's type takes its pay type (V9). */
function assertBatchTypeFits(input: CreateBatchInput): void {
  if (!BATCH_PAY_TYPES[input.batchType].includes(input.payType)) {
    const allowed = BATCH_PAY_TYPES[input.batchType].map((p) => PAY_TYPE_NAMES[p] ?? p).join(', ');
    throw invalidFields(`a ${input.batchType} batch takes ${allowed}`, [
      {
        path: 'payType',
        message: `${PAY_TYPE_NAMES[input.payType] ?? input.payType} is not allowed in a ${input.batchType} batch`,
      },
    ]);
  }
}

function assertPayTypeEnabled(input: CreateBatchInput, enabled: boolean): void {
  if (!enabled) {
    const message = `${PAY_TYPE_NAMES[input.payType] ?? input.payType} is switched off on this desk (admin: pay types)`;
    throw invalidFields(message, [{ path: 'payType', message }]);
  }
}

/** The stored fields of a new batch (all but its number), its control total parsed in its currency. */
function batchWrite(
  input: CreateBatchInput,
  exponent: number,
  now: Date,
  operatorId: number | null,
): Omit<BatchWrite, 'batchNo'> {
  let controlTotalMinor: number | null = null;
  if (input.controlTotal !== undefined) {
    const r = parseMinor(input.controlTotal, exponent);
    if (!r.ok)
      throw invalidFields(`controlTotal: ${r.error.reason}`, [
        { path: 'controlTotal', message: r.error.reason },
      ]);
    controlTotalMinor = r.value;
  }
  return {
    batchType: input.batchType,
    payType: input.payType,
    currency: input.currency,
    channelId: input.channelId,
    allocationLevel: input.allocationLevel,
    lockboxNo: input.lockboxNo ?? null,
    batchDate: input.batchDate ?? isoDate(now),
    controlCount: input.controlCount ?? null,
    controlTotalMinor,
    note: input.note ?? null,
    headerJson: input.header ? JSON.stringify(input.header) : null,
    footerJson: input.footer ? JSON.stringify(input.footer) : null,
    parentBatchId: input.parentBatchId ?? null,
    sourceFile: input.sourceFile ?? null,
    sourceSha256: input.sourceSha256 ?? null,
    templateName: input.templateName ?? null,
    at: now.toISOString(),
    createdBy: operatorId,
  };
}

/**
 * The batch number: the one given, or the date and the next number after the last batch's id. Two clerks creating
 * at once may pick the same one; the unique index refuses the second, which on PostgreSQL is retried and counts on.
 */
function batchNoOf(input: CreateBatchInput, now: Date, lastId: number): string {
  return input.batchNo ?? `B${isoDate(now).replace(/-/g, '')}-${String(lastId + 1).padStart(5, '0')}`;
}

function duplicateBatchNo(batchNo: string): never {
  throw conflict('duplicate-batch-no', `batch number ${batchNo} is already used`);
}

/** Creates an open batch after checking its type against its pay type (V9, V10) and its currency. */
export function createBatch(
  db: Database.Database,
  input: CreateBatchInput,
  now: Date,
  operatorId: number | null,
): BatchDto {
  assertBatchTypeFits(input);
  assertPayTypeEnabled(input, payTypeEnabled(db, input.payType));
  const fields = batchWrite(input, exponentOf(db, input.currency), now, operatorId);
  return db.transaction((): BatchDto => {
    const batchNo = batchNoOf(input, now, driverGet<{ m: number }>(db, lastBatchIdQuery())!.m);
    if (driverGet(db, batchNoTakenQuery(batchNo))) duplicateBatchNo(batchNo);
    const id = driverGet<{ id: number }>(db, batchInsertQuery({ ...fields, batchNo }))!.id;
    writeAudit(db, {
      at: fields.at,
      operatorId,
      action: 'batch.create',
      entity: 'batch',
      entityId: String(id),
      after: { ...input, batchNo },
    });
    return getBatch(db, id);
  })();
}

/** createBatch through the port (`batches:create`), checked and written in one serializable transaction. */
export function createBatchVia(
  storage: Storage,
  input: CreateBatchInput,
  now: Date,
  operatorId: number | null,
): Promise<BatchDto> {
  return storage.transaction((tx) => createBatchIn(tx, input, now, operatorId), WRITE);
}

/** createBatch in a port transaction. */
export async function createBatchIn(
  tx: Tx,
  input: CreateBatchInput,
  now: Date,
  operatorId: number | null,
): Promise<BatchDto> {
  assertBatchTypeFits(input);
  assertPayTypeEnabled(
    input,
    (await tx.get<{ enabled: number }>(payTypeEnabledQuery(input.payType)))?.enabled === 1,
  );
  const fields = batchWrite(input, await exponentOfIn(tx, input.currency), now, operatorId);
  const last = (await tx.get<{ m: number }>(lastBatchIdQuery()))!.m;
  const batchNo = batchNoOf(input, now, last);
  if (await tx.get(batchNoTakenQuery(batchNo))) duplicateBatchNo(batchNo);
  const id = (await tx.get<{ id: number }>(batchInsertQuery({ ...fields, batchNo })))!.id;
  await appendAudit(tx, {
    at: fields.at,
    operatorId,
    action: 'batch.create',
    entity: 'batch',
    entityId: String(id),
    after: { ...input, batchNo },
  });
  return getBatchIn(tx, id);
}

/** Batches, newest first, optionally by status: the page and its total in one snapshot. */
export function listBatches(
  storage: Storage,
  input: { status?: BatchDto['status'] | undefined; limit: number; offset: number },
): Promise<{ rows: BatchDto[]; total: number }> {
  return storage.transaction(async (tx) => {
    const total = (await tx.get<{ n: number }>(batchCountQuery(input.status)))!.n;
    const ids = await tx.all<{ id: number }>(batchIdsPageQuery(input.status, input.limit, input.offset));
    const rows: BatchDto[] = [];
    for (const r of ids) rows.push(await getBatchIn(tx, r.id));
    return { rows, total };
  }, READ);
}

type EntryRow = EntryRecord;

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

/** Entries whose custom field holds a value: the whole value (`exact`) or a part of it, ignoring case (`contains`). */
export type EntryCustomFilter = { field: string; value: string; match?: 'exact' | 'contains' | undefined };

/** Input of a grid page of entries. */
export type EntriesPageInput = {
  batchId: number;
  startRow: number;
  endRow: number;
  sortBy?: string | undefined;
  sortDir?: 'asc' | 'desc' | undefined;
  status?: EntryStatusDto[] | undefined;
  totals?: boolean | undefined;
  custom?: EntryCustomFilter | undefined;
};

/**
 * SQLite: sorting a large batch by a column pages through an index on (batch_id, column), and an exact
 * custom-field search looks one up; each is made the first time someone needs it (once per ledger), so imports do
 * not pay for indexes nobody uses. The index is written in a transaction of its own before the page is read; when
 * a job keeps the write lock past the port's wait, it is left for a later page and this one is read without it
 * rather than refused. PostgreSQL sorts one batch's rows (found by its batch index) without one: building an
 * index there would hold every clerk's entry writes until it is built.
 */
async function ensureEntryIndexes(
  storage: Storage,
  sortColumn: string,
  custom: EntryCustomFilter | undefined,
): Promise<void> {
  if (storage.dialect !== 'sqlite') return;
  const wanted: { index: { name: string; create: SQL }; key?: string }[] = [];
  if (sortColumn !== 'seq' && sortColumn !== 'status') wanted.push({ index: entrySortIndex(sortColumn) });
  if (custom && custom.match === 'exact' && CUSTOM_KEY_PATTERN.test(custom.field))
    wanted.push({ index: entryCustomIndex(custom.field), key: custom.field });
  for (const w of wanted) {
    if (await storage.transaction((tx) => tx.get(sqliteIndexExistsQuery(w.index.name)), READ)) continue;
    try {
      await storage.transaction(async (tx) => {
        // Only a defined field's key is written into the index (an unknown one is refused by the read).
        if (w.key !== undefined && !(await tx.get(customFieldKnownQuery(w.key)))) return;
        await tx.run(w.index.create);
      });
    } catch (err) {
      if (!isSqliteBusy(err)) throw err;
    }
  }
}

/** A page of entries (rows startRow..endRow-1) for the grid, with the total count and amount of the filter. */
export async function entriesPage(storage: Storage, input: EntriesPageInput): Promise<BatchEntriesPageDto> {
  const sortBy = input.sortBy ?? 'seq';
  const sort = ENTRY_SORT_COLUMNS[sortBy];
  await ensureEntryIndexes(storage, sort?.column ?? 'seq', input.custom);
  return storage.transaction(async (tx) => {
    await loadBatchRowIn(tx, input.batchId);
    let custom: EntryFilter['custom'];
    if (input.custom) {
      // The field must be defined, so a typo is an error rather than an empty grid.
      if (
        !CUSTOM_KEY_PATTERN.test(input.custom.field) ||
        !(await tx.get(customFieldKnownQuery(input.custom.field)))
      )
        throw invalidFields(`no custom field ${input.custom.field}`, [
          { path: 'custom.field', message: `custom field "${input.custom.field}" is not defined` },
        ]);
      custom = {
        key: input.custom.field,
        value: input.custom.value.trim(),
        exact: input.custom.match === 'exact',
      };
    }
    if (!sort)
      throw invalidFields(`cannot sort by ${input.sortBy}`, [
        { path: 'sortBy', message: `one of ${Object.keys(ENTRY_SORT_COLUMNS).join(', ')}` },
      ]);
    const desc = input.sortDir === 'desc';
    const filter: EntryFilter = { batchId: input.batchId, statuses: input.status, custom };
    // Totals scan the whole filter; a grid asks for them with its first block only.
    const agg =
      input.totals === false
        ? { n: -1, s: 0 }
        : (await tx.get<{ n: number; s: number }>(entryTotalsQuery(tx, filter)))!;
    // Page through ids first (an index covers batch_id, sort column and id, so skipped rows cost little), then
    // fetch only the page's rows.
    const limit = Math.max(0, input.endRow - input.startRow);
    let ids: number[];
    if (sort.column === 'seq' && !input.status?.length && !custom) {
      const from = desc
        ? (await tx.get<{ m: number }>(lastSeqQuery(input.batchId)))!.m - input.startRow
        : input.startRow;
      ids = (await tx.all<{ id: number }>(entryIdsBySeqQuery(input.batchId, desc, from, limit))).map(
        (r) => r.id,
      );
    } else {
      ids = (
        await tx.all<{ id: number }>(entryIdsSortedQuery(tx, filter, sortBy, desc, limit, input.startRow))
      ).map((r) => r.id);
    }
    const byId = new Map((await tx.all<EntryRow>(entriesByIdsQuery(tx, ids))).map((r) => [r.id, r]));
    const rows = ids.map((id) => byId.get(id)).filter((r): r is EntryRow => r !== undefined);
    return { rows: rows.map(entryDto), total: agg.n, totalAmountMinor: agg.s };
  }, READ);
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

/** The dialect a step generator's queries are compiled for (the driver's is DRIVER). */
type On = { readonly dialect: Dialect };

/**
 * Inserts or updates entries (keyed entry). Each cell is checked as it is saved: a bad amount or date is
 * kept as typed and marks the entry invalid with its column and reason. Any change sends the batch back to
 * "open" and the entry to "new" (validation starts over). Written once as steps: the grid's save runs them in a
 * port transaction (as a hand-over file's load does in its own), an undo batch through the driver.
 */
function* saveEntriesSteps(
  on: On,
  input: { batchId: number; entries: EntryFields[] },
  now: Date,
  operatorId: number | null,
): Steps<BatchEntryDto[]> {
  yield* call(
    () => undefined,
    (tx) => lockBatchIn(tx, input.batchId),
  );
  const batch = foundBatch(yield* get<BatchRow>(batchByIdQuery(input.batchId)), input.batchId);
  assertEditable(batch);
  const exponent = yield* call(
    (db) => exponentOf(db, batch.currency),
    (tx) => exponentOfIn(tx, batch.currency),
  );
  const checkCustom = yield* call(
    (db) => customValueChecker(db, exponent),
    (tx) => customValueCheckerIn(tx, exponent),
  );
  let seq = (yield* get<{ m: number }>(lastSeqQuery(batch.id)))!.m;
  const savedIds: number[] = [];
  for (const e of input.entries) {
    let current: EntryRow | undefined;
    if (e.id !== undefined) {
      current = yield* get<EntryRow>(entryByIdQuery(on, e.id, batch.id));
      if (!current) throw notFound('entry', String(e.id));
      if (isPostedEntry(current.status)) throw conflict('entry-posted', `entry ${e.id} is posted`);
    } else {
      seq++;
      const id = (yield* get<{ id: number }>(nextEntryIdQuery(on)))!.id;
      // A keyed entry is in the batch currency.
      yield* run(
        entryInsertQuery({ id, batchId: batch.id, seq, entryKey: entryKey(id), currency: batch.currency }),
      );
      current = (yield* get<EntryRow>(entryByIdQuery(on, id, batch.id)))!;
    }
    const cur = current;
    const pick = <K extends keyof EntryFields>(k: K, was: unknown): unknown =>
      e[k] === undefined ? was : e[k];
    const amountText = blankToNull(pick('amount', cur.amountText) as string | null);
    const paymentDate = blankToNull(pick('paymentDate', cur.paymentDate) as string | null);
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
    const customCur = cur.customJson ? (JSON.parse(cur.customJson) as Record<string, string>) : {};
    const customNext = { ...customCur, ...(e.custom ?? {}) };
    // Admin-defined fields are typed (number, date, amount, code list): a bad value marks its column.
    const customBad = checkCustom(customNext);
    if (customBad) problems.push({ column: customBad.column, reason: customBad.problem });
    const problem = problems[0]?.reason ?? null;
    yield* run(
      entryValuesUpdateQuery({
        id: cur.id,
        accountNo: blankToNull(pick('accountNo', cur.accountNo) as string | null),
        billNo: blankToNull(pick('billNo', cur.billNo) as string | null),
        amountText,
        amountMinor,
        paymentDate,
        checkNo: blankToNull(pick('checkNo', cur.checkNo) as string | null),
        payerName: blankToNull(pick('payerName', cur.payerName) as string | null),
        reference: blankToNull(pick('reference', cur.reference) as string | null),
        channelId: pick('channelId', cur.channelId) as number | null,
        paymentRef: pick('paymentRef', cur.paymentRef) as number | null,
        customJson: JSON.stringify(customNext),
        status: problem ? 'invalid' : cur.manualSuspend === 1 ? 'to_be_suspended' : 'new',
        problem,
        problemColumn: problems[0]?.column ?? null,
        problemsJson: rowProblemsJson(problems),
      }),
    );
    savedIds.push(cur.id);
  }
  // One set-based refresh for the whole save; the DTOs are read after it (a changed fingerprint clears a release).
  yield* refreshFingerprintsSteps(on, batch, savedIds);
  const byId = new Map((yield* all<EntryRow>(entriesByIdsQuery(on, savedIds))).map((r) => [r.id, r]));
  const out = savedIds.map((id) => entryDto(byId.get(id)!));
  yield* run(batchTouchQuery(batch.id, now.toISOString()));
  yield* get(
    auditInsertQuery({
      at: now.toISOString(),
      operatorId,
      action: 'batch.entries.save',
      entity: 'batch',
      entityId: String(batch.id),
      after: { entries: out.length },
    }),
  );
  // Every total the batch shows must stay exact (ledger/ceiling.ts).
  assertBatchSlicesWithinCeiling(yield* all<{ s: string }>(batchAmountSlicesQuery(batch.id)), batch.batchNo);
  return out;
}

/** saveEntries through the driver, for the code that still writes there (a hand-over file's load, an undo batch). */
export function saveEntries(
  db: Database.Database,
  input: { batchId: number; entries: EntryFields[] },
  now: Date,
  operatorId: number | null,
): BatchEntryDto[] {
  return db.transaction(() => stepsOnDriver(db, saveEntriesSteps(DRIVER, input, now, operatorId)))();
}

/** saveEntries in the caller's port transaction (a hand-over file's load writes its entries with its batch). */
export function saveEntriesIn(
  tx: Tx,
  input: { batchId: number; entries: EntryFields[] },
  now: Date,
  operatorId: number | null,
): Promise<BatchEntryDto[]> {
  return stepsIn(tx, saveEntriesSteps(tx, input, now, operatorId));
}

/**
 * saveEntries through the port (`batches:save-entries`), in one serializable transaction: two clerks saving into
 * one batch at once take turns (on PostgreSQL the second is retried from the start and numbers on after the
 * first), and a save after a discard is refused `batch-discarded`.
 */
export function saveEntriesVia(
  storage: Storage,
  input: { batchId: number; entries: EntryFields[] },
  now: Date,
  operatorId: number | null,
): Promise<BatchEntryDto[]> {
  return storage.transaction((tx) => stepsIn(tx, saveEntriesSteps(tx, input, now, operatorId)), WRITE);
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
  return driverGet<{ id: number }>(db, nextEntryIdQuery(DRIVER))!.id;
}

/** Marks a batch edited: back to open, validation must run again. */
export function touchBatch(db: Database.Database, batchId: number, now: Date): void {
  driverRun(db, batchTouchQuery(batchId, now.toISOString()));
}

/** Deletes entries that are not posted (`batches:delete-entries`), in one serializable transaction. */
export function deleteEntries(
  storage: Storage,
  input: { batchId: number; ids: number[] },
  now: Date,
  operatorId: number | null,
): Promise<{ deleted: number }> {
  return storage.transaction(async (tx) => {
    const batch = await lockedBatchRowIn(tx, input.batchId);
    assertEditable(batch);
    const { changes } = await tx.run(entriesDeleteQuery(tx, batch.id, input.ids));
    await tx.run(entriesRenumberQuery(batch.id));
    await tx.run(batchTouchQuery(batch.id, now.toISOString()));
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.entries.delete',
      entity: 'batch',
      entityId: String(batch.id),
      before: { ids: input.ids },
    });
    return { deleted: changes };
  }, WRITE);
}

/**
 * Suspends an entry by hand with a suspense reason code, or returns it (reasonCode null) to be validated again
 * (`batches:suspend-entry`), in one serializable transaction.
 */
export function suspendEntry(
  storage: Storage,
  input: { batchId: number; entryId: number; reasonCode: number | null },
  now: Date,
  operatorId: number | null,
): Promise<BatchEntryDto> {
  return storage.transaction(async (tx): Promise<BatchEntryDto> => {
    const batch = await lockedBatchRowIn(tx, input.batchId);
    assertEditable(batch);
    if (batch.batchType !== 'payment')
      throw conflict('not-suspendable', 'only payment batch entries can be suspended (V11)');
    const entry = await tx.get<EntryRow>(entryByIdQuery(tx, input.entryId, batch.id));
    if (!entry) throw notFound('entry', String(input.entryId));
    if (isPostedEntry(entry.status)) throw conflict('entry-posted', `entry ${entry.id} is posted`);
    if (input.reasonCode !== null) {
      await requireReasonCodeIn(tx, REASON_DOMAIN.suspense, input.reasonCode);
      if (entry.amountMinor === null || entry.amountMinor <= 0) {
        throw conflict('not-suspendable', 'an entry needs a valid positive amount to be suspended');
      }
      await tx.run(entrySuspendQuery(entry.id, input.reasonCode));
    } else {
      await tx.run(entryUnsuspendQuery(entry.id));
    }
    await tx.run(batchTouchQuery(batch.id, now.toISOString()));
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: input.reasonCode !== null ? 'batch.entry.suspend' : 'batch.entry.unsuspend',
      entity: 'batch_entry',
      entityId: String(entry.id),
      reasonCode: input.reasonCode,
    });
    return entryDto((await tx.get<EntryRow>(entryByIdQuery(tx, entry.id)))!);
  }, WRITE);
}

/**
 * Moves every invalid, allocation-required and suspected-duplicate entry into a new batch linked to this one
 * (`batches:exception`), in one serializable transaction: two splits of one batch at once take turns, so its
 * entries end in one exception batch and the second split finds none left (`no-exceptions`).
 */
export function exceptionBatch(
  storage: Storage,
  input: { batchId: number },
  now: Date,
  operatorId: number | null,
): Promise<{ exception: BatchDto; moved: number }> {
  return storage.transaction(async (tx) => {
    const batch = await lockedBatchRowIn(tx, input.batchId);
    assertEditable(batch);
    const ids = (await tx.all<{ id: number }>(exceptionEntryIdsQuery(batch.id))).map((r) => r.id);
    if (ids.length === 0)
      throw conflict('no-exceptions', `batch ${batch.batchNo} has no invalid entries to move`);
    const earlier = (await tx.get<{ n: number }>(childBatchCountQuery(batch.id)))!.n;
    const exception = await createBatchIn(
      tx,
      {
        batchType: batch.batchType,
        payType: batch.payType,
        currency: batch.currency,
        channelId: batch.channelId,
        allocationLevel: batch.allocationLevel,
        batchNo: `${batch.batchNo}-X${earlier + 1}`,
        lockboxNo: batch.lockboxNo ?? undefined,
        batchDate: batch.batchDate,
        note: `Exception batch of ${batch.batchNo}`,
        parentBatchId: batch.id,
      },
      now,
      operatorId,
    );
    // What the batch accounts for (entered here plus earlier exception batches) does not change by the move.
    const before = await familyFiguresIn(tx, batch.id);
    await tx.run(exceptionEntriesMoveQuery(batch.id, exception.id));
    // The parent keeps its deposit-slip figures (its zero proof counts what moved); the exception batch gets
    // what the slip leaves for it once everything else is counted, so each part proves on its own.
    const moved = (await tx.get<{ n: number; s: number }>(batchFiguresQuery(exception.id)))!;
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
    await tx.run(batchControlUpdateQuery(exception.id, carried.controlCount, carried.controlTotalMinor));
    await tx.run(entriesRenumberQuery(batch.id));
    await tx.run(batchTouchQuery(batch.id, now.toISOString()));
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.exception',
      entity: 'batch',
      entityId: String(batch.id),
      after: { exceptionBatchId: exception.id, moved: ids.length, carried },
    });
    return { exception: await getBatchIn(tx, exception.id), moved: ids.length };
  }, WRITE);
}

/** Discards an unsubmitted batch (its entries stay for the record). */
export function discardBatch(
  storage: Storage,
  input: { batchId: number },
  now: Date,
  operatorId: number | null,
): Promise<BatchDto> {
  return storage.transaction(async (tx) => {
    const batch = await lockedBatchRowIn(tx, input.batchId);
    // A pushed batch lives on the server now; its local copy may be put away.
    assertUnsubmitted(batch);
    await tx.run(batchDiscardQuery(batch.id, now.toISOString()));
    // A discarded return batch gives its bank returns back: the same return may be read again later.
    if (batch.batchType === 'reversal') await tx.run(bankReturnsDiscardQuery(batch.id));
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.discard',
      entity: 'batch',
      entityId: String(batch.id),
    });
    return getBatchIn(tx, batch.id);
  }, WRITE);
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
 * The fingerprints of a payment batch's unposted entries (all, or those with the given ids) made again, computed
 * here rather than by the driver's SQL function (refreshFingerprints), which only the SQLite connection has.
 */
function* refreshFingerprintsSteps(on: On, batch: BatchRow, ids?: readonly number[]): Steps<void> {
  // Refunds send money out and reversals name the payment they undo: neither can pay the same money twice.
  if (batch.batchType !== 'payment') return;
  const changed: { id: number; fp: string | null }[] = [];
  for (const e of yield* all<FingerprintSource>(fingerprintSourcesQuery(on, batch.id, ids))) {
    const fp = paymentFingerprint(e);
    if (fp !== e.fingerprint) changed.push({ id: e.id, fp });
  }
  for (let i = 0; i < changed.length; i += FINGERPRINT_CHUNK)
    yield* run(fingerprintsUpdateQuery(on, changed.slice(i, i + FINGERPRINT_CHUNK)));
}

/** Fingerprints written per statement (bound as one JSON array). */
const FINGERPRINT_CHUNK = 5000;

/**
 * Edits a batch header. The note can change at any time (it is free text kept for the record); the lockbox
 * number and the control figures only until the batch is submitted or discarded. The control figures feed
 * only the zero-proof bar, so a validated batch stays validated.
 */
export function updateBatchHeader(
  storage: Storage,
  input: HeaderUpdate,
  now: Date,
  operatorId: number | null,
): Promise<BatchDto> {
  return storage.transaction(async (tx) => {
    const batch = await lockedBatchRowIn(tx, input.batchId);
    const figures =
      input.lockboxNo !== undefined || input.controlCount !== undefined || input.controlTotal !== undefined;
    if (figures) assertEditable(batch);
    else if (batch.status === 'discarded')
      throw conflict('batch-discarded', `batch ${batch.batchNo} was discarded`);
    let controlTotalMinor = batch.controlTotalMinor;
    if (input.controlTotal !== undefined) {
      if (input.controlTotal === null || input.controlTotal.trim() === '') controlTotalMinor = null;
      else {
        const r = parseMinor(input.controlTotal, await exponentOfIn(tx, batch.currency));
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
    await tx.run(batchHeaderUpdateQuery(batch.id, after, now.toISOString()));
    // The lockbox is part of every entry's fingerprint.
    if (after.lockboxNo !== batch.lockboxNo) await stepsIn(tx, refreshFingerprintsSteps(tx, batch));
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.header',
      entity: 'batch',
      entityId: String(batch.id),
      before,
      after,
    });
    return getBatchIn(tx, batch.id);
  }, WRITE);
}
