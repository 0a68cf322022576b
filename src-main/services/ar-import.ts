import { readUploadVia, type ResolvedUpload } from './uploads';
import type { SQL } from 'drizzle-orm';
import type { Storage, Tx } from '../../db/storage/port';
import { all, call, get, run, stepsIn, type Steps } from '../../db/storage/steps';
import { auditInsertQuery, type AuditEntry } from '../../db/repos/audit';
import {
  AR_INSERT_CHUNK,
  accountsByNoQuery,
  billCurrenciesQuery,
  billsByNoQuery,
  currencyExponentsQuery,
  defaultUnitsQuery,
  importedFileInsertQuery,
  insertAccountsQuery,
  insertBillsQuery,
  insertItemsQuery,
  insertUnitsQuery,
  itemsByNoQuery,
  itemsOfBillsQuery,
  nonpayingChildrenQuery,
  unitsByNoQuery,
  updateAccountQuery,
  updateBillQuery,
  updateItemQuery,
  updateUnitQuery,
  type ArLedgerAccount,
  type ArLedgerBill,
  type ArLedgerItem,
  type ArLedgerUnit,
} from '../../db/repos/ar-import';
import type { ArImportFileSummaryDto, ArImportSummaryDto } from '../../src-shared/dto/app';
import { formatMinor, type Minor } from '../../src-shared/money';
import { isoDate } from '../domain/dates';
import {
  createIssueSink,
  csvSourceFromBytes,
  parseAccountsCsv,
  parseBillsCsv,
  parseBillUnitsCsv,
  parseItemsCsv,
  readCsvSource,
  type ArAccountRow,
  type ArBillRow,
  type ArBillUnitRow,
  type ArItemRow,
  type CsvSource,
  type IssueSink,
  type ParsedArFile,
} from '../importers/ar-csv';
import { MAX_UPLOAD_BYTES } from '../../src-shared/api/uploads';
import { assertPathsAllowedVia, readFileAuditedVia, uploadedBytes } from './files';
import { AppFailure, invalidFileRows } from '../ledger/errors';
import type { FileIssue } from '../../src-shared/api/result';
import type { ArPreviewDto } from '../../src-shared/dto/desk-ops';
import { toMinor } from '../ledger/ceiling';
import { postJournal, postJournalIn, type JournalLine, type JournalPosting } from '../ledger/journal';

/** A receivables file the user chose in a dialog: its bytes (base64) and name, or the caller's upload. */
export type ArUpload = { content: string; fileName: string } | { uploaded: ResolvedUpload };

/**
 * The receivables files to import; any subset may be given, each as a path (command line only) or as an
 * upload (the desktop window and the bridge).
 */
export type ArImportFiles = {
  accountsFile?: string | undefined;
  billUnitsFile?: string | undefined;
  billsFile?: string | undefined;
  itemsFile?: string | undefined;
  accountsUpload?: ArUpload | undefined;
  billUnitsUpload?: ArUpload | undefined;
  billsUpload?: ArUpload | undefined;
  itemsUpload?: ArUpload | undefined;
};

/** The path fields of an AR import, which only the command line may give. */
const AR_PATH_FIELDS = ['accountsFile', 'billUnitsFile', 'billsFile', 'itemsFile'] as const;

/** The dialect a query is compiled for. */
type On = Pick<Tx, 'dialect'>;

type LedgerAccountRow = ArLedgerAccount;
type LedgerUnitRow = ArLedgerUnit;
type LedgerBillRow = ArLedgerBill;
type LedgerItemRow = ArLedgerItem;

/** Point look-ups of the ledger rows an import's files name, read beforehand by business key. */
type Lookups = {
  account: (accountNo: string) => LedgerAccountRow | undefined;
  unit: (billUnitNo: string) => LedgerUnitRow | undefined;
  bill: (billNo: string) => LedgerBillRow | undefined;
  item: (itemNo: string) => LedgerItemRow | undefined;
  itemsOfBill: (billId: number) => LedgerItemRow[];
  defaultUnits: (accountId: number) => string[];
  nonpayingChildren: (unitId: number) => string[];
};

/** Owner id -> bill unit numbers, from rows of defaultUnitsQuery or nonpayingChildrenQuery. */
function groupNos(rows: { ownerId: number; no: string }[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of rows) {
    const list = out.get(r.ownerId) ?? [];
    list.push(r.no);
    out.set(r.ownerId, list);
  }
  return out;
}

/**
 * Reads every ledger row the files can name (rows refused for their own values included) in one set query per
 * kind, so the checks and the plan below are plain code over maps: a bill's unit and account, a unit's account
 * and the items of every named bill come with them.
 */
function* readLookups(on: On, parsed: Parsed): Steps<Lookups> {
  const accountNos = new Set<string>();
  const unitNos = new Set<string>();
  const billNos = new Set<string>();
  const named = (set: Set<string>, value: string | null): void => {
    if (value !== null && value !== '') set.add(value);
  };
  for (const r of parsed.accounts?.rows ?? []) named(accountNos, r.accountNo);
  for (const r of parsed.units?.rows ?? []) {
    named(unitNos, r.billUnitNo);
    named(unitNos, r.parentBillUnitNo);
    named(accountNos, r.accountNo);
  }
  for (const bad of parsed.units?.badRows ?? []) {
    named(accountNos, bad.value('account_no'));
    named(unitNos, bad.value('parent_bill_unit_no'));
  }
  for (const r of parsed.bills?.rows ?? []) {
    named(billNos, r.billNo);
    named(unitNos, r.billUnitNo);
  }
  for (const bad of parsed.bills?.badRows ?? []) named(unitNos, bad.value('bill_unit_no'));
  for (const r of parsed.items?.rows ?? []) named(billNos, r.billNo);
  for (const bad of parsed.items?.badRows ?? []) named(billNos, bad.value('bill_no'));

  const bills = billNos.size > 0 ? yield* all<LedgerBillRow>(billsByNoQuery(on, [...billNos])) : [];
  for (const b of bills) named(unitNos, b.billUnitNo);
  const units = unitNos.size > 0 ? yield* all<LedgerUnitRow>(unitsByNoQuery(on, [...unitNos])) : [];
  for (const b of bills) named(accountNos, b.accountNo);
  for (const u of units) named(accountNos, u.accountNo);
  const accounts =
    accountNos.size > 0 ? yield* all<LedgerAccountRow>(accountsByNoQuery(on, [...accountNos])) : [];
  const billItems = new Map<number, LedgerItemRow[]>(bills.map((b) => [b.id, []]));
  const itemMap = new Map<string, LedgerItemRow>();
  if (bills.length > 0) {
    const billIds = bills.map((b) => b.id);
    for (const i of yield* all<LedgerItemRow>(itemsOfBillsQuery(on, billIds))) {
      billItems.get(i.billId)?.push(i);
      itemMap.set(i.itemNo, i);
    }
  }
  // Items usually stay on their bill, read above; the rest (new ones, or one named under another bill) by number.
  const itemNos = (parsed.items?.rows ?? []).map((r) => r.itemNo).filter((no) => !itemMap.has(no));
  if (itemNos.length > 0)
    for (const i of yield* all<LedgerItemRow>(itemsByNoQuery(on, itemNos))) itemMap.set(i.itemNo, i);
  const fileUnits = new Set((parsed.units?.rows ?? []).map((r) => r.billUnitNo));
  const fileAccounts = new Set((parsed.units?.rows ?? []).map((r) => r.accountNo));
  const defaultOwners = accounts.filter((a) => fileAccounts.has(a.accountNo)).map((a) => a.id);
  const payerOwners = units.filter((u) => fileUnits.has(u.billUnitNo)).map((u) => u.id);
  const defaults = groupNos(defaultOwners.length > 0 ? yield* all(defaultUnitsQuery(on, defaultOwners)) : []);
  const children = groupNos(
    payerOwners.length > 0 ? yield* all(nonpayingChildrenQuery(on, payerOwners)) : [],
  );

  const byKey = <T, K>(rows: T[], key: (r: T) => K): Map<K, T> => new Map(rows.map((r) => [key(r), r]));
  const accountMap = byKey(accounts, (a) => a.accountNo);
  const unitMap = byKey(units, (u) => u.billUnitNo);
  const billMap = byKey(bills, (b) => b.billNo);
  return {
    account: (no) => accountMap.get(no),
    unit: (no) => unitMap.get(no),
    bill: (no) => billMap.get(no),
    item: (no) => itemMap.get(no),
    itemsOfBill: (id) => billItems.get(id) ?? [],
    defaultUnits: (id) => defaults.get(id) ?? [],
    nonpayingChildren: (id) => children.get(id) ?? [],
  };
}

/** The parsed files of one import (absent when the file was not given). */
type Parsed = {
  accounts?: ParsedArFile<ArAccountRow>;
  units?: ParsedArFile<ArBillUnitRow>;
  bills?: ParsedArFile<ArBillRow>;
  items?: ParsedArFile<ArItemRow> & { billsOfBadRows: Set<string> };
};

/** A row a reference resolves to, 'broken' when it names a row of this import that failed validation. */
type Ref<T> = T | 'broken' | undefined;

/** What the item file does to one item, with the values the ledger will hold afterwards. */
type ItemPlan = {
  row: ArItemRow;
  existing: LedgerItemRow | undefined;
  action: 'insert' | 'update' | 'unchanged';
  /** True when the file differs but the item has allocations, so the ledger keeps its values. */
  kept: boolean;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
};

/** Values a touched bill holds after the import. */
type BillFinal = { accountNo: string; currency: string; totalMinor: Minor; amountDueMinor: Minor };

/** The changed columns between two images, or null when nothing changed. */
function diff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  let changed = false;
  for (const key of Object.keys(after)) {
    if (before[key] !== after[key]) {
      b[key] = before[key];
      a[key] = after[key];
      changed = true;
    }
  }
  return changed ? { before: b, after: a } : null;
}

function emptyCounts(file: string, rows: number): ArImportFileSummaryDto {
  return { file, rows, inserted: 0, updated: 0, unchanged: 0 };
}

/** The validation failure of the receivables files, with the count of every problem (the list is capped). */
class ArFileProblems extends AppFailure {
  constructor(
    message: string,
    readonly issues: FileIssue[],
    readonly count: number,
  ) {
    super(invalidFileRows(message, issues).error);
  }
}

function failWith(sink: IssueSink): never {
  // Read order: files in the order they were first reported, lines ascending (stable within a line).
  const fileOrder = new Map<string, number>();
  for (const i of sink.issues) if (!fileOrder.has(i.file)) fileOrder.set(i.file, fileOrder.size);
  sink.issues.sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line);
  const shown = sink.issues.length < sink.count ? ` (the first ${sink.issues.length} are listed)` : '';
  throw new ArFileProblems(
    `${sink.count} problem${sink.count === 1 ? '' : 's'} in the receivables files${shown}; nothing was imported`,
    sink.issues,
    sink.count,
  );
}

/**
 * Loads a receivables snapshot (accounts, bill units, bills, items; any subset) into the ledger. Every file is
 * validated in full first; any bad row throws a validation error listing every problem and nothing is written.
 * Otherwise new rows are inserted, changed ones updated (items with allocations keep their ledger amounts), the
 * open-amount changes posted as one balanced 'ar_snapshot' journal with one 'ar.import' audit row; a snapshot that
 * changes nothing writes nothing. The files are read (and their `file.read` rows committed) and parsed with no
 * transaction open, then the checks, the plan and the writes run in one serializable
 * transaction, so two imports naming the same accounts at once end as one after the other (on PostgreSQL the
 * second is retried from the start and finds the first's rows).
 */
export async function importReceivablesVia(
  storage: Storage,
  files: ArImportFiles,
  now: Date,
  operatorId: number | null,
): Promise<ArImportSummaryDto> {
  return loadVia(storage, files, now, operatorId, false);
}

/** Thrown inside a preview's transaction so that everything the import wrote is rolled back. */
class PreviewRollback extends Error {
  constructor(readonly summary: ArImportSummaryDto) {
    super('preview');
  }
}

/** A preview's answer from how its dry run ended. */
function previewOutcome(err: unknown): ArPreviewDto {
  if (err instanceof PreviewRollback) return { ok: true, ...err.summary, problems: [], problemCount: 0 };
  if (err instanceof ArFileProblems)
    return { ok: false, adjustedOpenMinor: 0, problems: err.issues, problemCount: err.count };
  throw err;
}

/**
 * The dry run of importReceivablesVia: the same reading, checks and writes inside one transaction that is then
 * rolled back, so the counts are exactly what the import would report and the ledger is left as it was. Problems
 * are returned (every one, file, line, column, reason), not thrown.
 */
export async function previewReceivablesVia(
  storage: Storage,
  files: ArImportFiles,
  now: Date,
  operatorId: number | null,
): Promise<ArPreviewDto> {
  try {
    await loadVia(storage, files, now, operatorId, true);
  } catch (err) {
    return previewOutcome(err);
  }
  throw new Error('a receivables preview must roll back');
}

/** The files of an import in hand: a path's read error is kept to be reported as the driver reports it. */
type FileBytes = { path: string; bytes: Buffer } | { path: string; error: unknown } | { upload: UploadBytes };
type UploadBytes = { bytes: Buffer; name: string };

/** The sources from the bytes in hand, problems (missing, unreadable, not UTF-8) reported to the sink. */
function toSource(got: FileBytes | undefined, sink: IssueSink): CsvSource | undefined {
  if (got === undefined) return undefined;
  if ('upload' in got) return csvSourceFromBytes(got.upload.bytes, got.upload.name, sink);
  return readCsvSource(got.path, sink, () => {
    if ('error' in got) throw got.error;
    return got.bytes;
  });
}

type FileReaders<R> = {
  path: (path: string) => R;
  uploaded: (up: ResolvedUpload) => R;
};

/** The four files in import order, each to be read (when asked) by its path or upload with the given readers. */
function eachFile<R>(
  files: ArImportFiles,
  read: FileReaders<R>,
): Record<keyof typeof FILE_KINDS, (() => R | FileBytes) | undefined> {
  const one = (path: string | undefined, up: ArUpload | undefined): (() => R | FileBytes) | undefined => {
    if (up !== undefined) {
      if ('uploaded' in up) {
        const uploaded = up.uploaded;
        return () => read.uploaded(uploaded);
      }
      return () => ({ upload: uploadedBytes(up.content, up.fileName, MAX_UPLOAD_BYTES) });
    }
    return path === undefined ? undefined : () => read.path(path);
  };
  return {
    accounts: one(files.accountsFile, files.accountsUpload),
    units: one(files.billUnitsFile, files.billUnitsUpload),
    bills: one(files.billsFile, files.billsUpload),
    items: one(files.itemsFile, files.itemsUpload),
  };
}

const FILE_KEYS = ['accounts', 'units', 'bills', 'items'] as const;
type Sources = Record<keyof typeof FILE_KINDS, CsvSource | undefined>;

async function loadVia(
  storage: Storage,
  files: ArImportFiles,
  now: Date,
  operatorId: number | null,
  dryRun: boolean,
): Promise<ArImportSummaryDto> {
  const started = performance.now();
  const sink = createIssueSink();
  const who = { at: now, operatorId };
  await assertPathsAllowedVia(storage, who, 'ar:import', files, AR_PATH_FIELDS);
  const readers = eachFile<Promise<FileBytes>>(files, {
    path: async (path) => {
      try {
        return {
          path,
          bytes: await readFileAuditedVia(storage, who, 'ar:import', path, MAX_UPLOAD_BYTES * 8),
        };
      } catch (error) {
        return { path, error };
      }
    },
    uploaded: async (up) => ({
      upload: await readUploadVia(storage, who, 'ar:import', up, MAX_UPLOAD_BYTES * 8),
    }),
  });
  const sources = {} as Sources;
  for (const k of FILE_KEYS) {
    const r = readers[k];
    sources[k] = toSource(r === undefined ? undefined : await r(), sink);
  }
  if (sink.count > 0) failWith(sink);
  const { parsed, exponents } = await storage.transaction(
    (tx) => stepsIn(tx, parseSteps(tx, sources, sink)),
    { readOnly: true },
  );
  const parseCount = sink.count;
  const parseIssues = [...sink.issues];
  return storage.transaction(
    (tx) => {
      // A retried attempt starts from the parse's problems, not from the last attempt's.
      sink.count = parseCount;
      sink.issues.splice(0, sink.issues.length, ...parseIssues);
      return stepsIn(tx, importSteps(tx, parsed, sources, exponents, sink, now, operatorId, started, dryRun));
    },
    { serializable: true },
  );
}

/** Parses the files: currencies first, and for the items the currency of every ledger bill they name. */
function* parseSteps(
  on: On,
  sources: Sources,
  sink: IssueSink,
): Steps<{ parsed: Parsed; exponents: Map<string, number> }> {
  const exponents = new Map(
    (yield* all<{ code: string; exponent: number }>(currencyExponentsQuery())).map((c) => [
      c.code,
      c.exponent,
    ]),
  );
  const parsed: Parsed = {};
  if (sources.accounts)
    parsed.accounts = parseAccountsCsv(sources.accounts.text, sources.accounts.file, { exponents }, sink);
  if (sources.units) parsed.units = parseBillUnitsCsv(sources.units.text, sources.units.file, sink);
  if (sources.bills)
    parsed.bills = parseBillsCsv(sources.bills.text, sources.bills.file, { exponents }, sink);
  if (sources.items) {
    const items = sources.items;
    const billRows = new Map((parsed.bills?.rows ?? []).map((b) => [b.billNo, b]));
    const ledgerCurrency = new Map<string, string>();
    const asked = new Set<string>();
    const billCurrency = (billNo: string): string | undefined => {
      const row = billRows.get(billNo);
      if (row) return row.currency;
      if (parsed.bills?.keys.has(billNo)) return undefined;
      asked.add(billNo);
      return ledgerCurrency.get(billNo);
    };
    const before = { count: sink.count, issues: sink.issues.length };
    parsed.items = parseItemsCsv(items.text, items.file, { exponents, billCurrency }, sink);
    // The ledger's bills the items name are known only once the file is read: when there are any, their currencies
    // are read in one query and the file is read again with them (its first reading's problems dropped).
    if (asked.size > 0) {
      const rows = yield* all<{ billNo: string; currency: string }>(billCurrenciesQuery(on, [...asked]));
      if (rows.length > 0) {
        for (const b of rows) ledgerCurrency.set(b.billNo, b.currency);
        sink.count = before.count;
        sink.issues.length = before.issues;
        parsed.items = parseItemsCsv(items.text, items.file, { exponents, billCurrency }, sink);
      }
    }
  }
  const anyBroken = Object.values(parsed).some((p: ParsedArFile<unknown>) => p.broken);
  if (anyBroken) failWith(sink);
  return { parsed, exponents };
}

/** The checks against the ledger, the plan and its writes, in the caller's write transaction. */
function* importSteps(
  on: On,
  parsed: Parsed,
  sources: Sources,
  exponents: ReadonlyMap<string, number>,
  sink: IssueSink,
  now: Date,
  operatorId: number | null,
  started: number,
  dryRun: boolean,
): Steps<ArImportSummaryDto> {
  const look = yield* readLookups(on, parsed);
  const checked = crossCheck(parsed, look, exponents, sink);
  if (sink.count > 0) failWith(sink);
  const summary = yield* applyImport(on, parsed, sources, look, checked, now, operatorId, started);
  if (dryRun) throw new PreviewRollback(summary);
  return summary;
}

/** Everything the cross-file checks learn that the writer needs. */
type Checked = {
  /** Account number and currency of each bill of the import (bills.csv rows and bills named by items). */
  billAccount: Map<string, { accountNo: string; currency: string }>;
  items: ItemPlan[];
  /** Bills whose totals or amount due may change, with their values after the import. */
  billFinals: Map<string, BillFinal>;
};

/** Checks references across the files and against the ledger, and the bill totals; reports to the sink. */
function crossCheck(
  parsed: Parsed,
  look: Lookups,
  exponents: ReadonlyMap<string, number>,
  sink: IssueSink,
): Checked {
  const accountRows = new Map((parsed.accounts?.rows ?? []).map((r) => [r.accountNo, r]));
  const unitRows = new Map((parsed.units?.rows ?? []).map((r) => [r.billUnitNo, r]));
  const billRows = new Map((parsed.bills?.rows ?? []).map((r) => [r.billNo, r]));

  const resolveAccount = (no: string): Ref<{ currency: string; ledger?: LedgerAccountRow }> => {
    const row = accountRows.get(no);
    const ledger = look.account(no);
    if (row) return { currency: ledger?.currency ?? row.currency, ...(ledger ? { ledger } : {}) };
    if (parsed.accounts?.keys.has(no)) return 'broken';
    return ledger && ledger.isSuspense === 0 ? { currency: ledger.currency, ledger } : undefined;
  };
  const resolveUnit = (no: string): Ref<{ accountNo: string; paying: number }> => {
    const row = unitRows.get(no);
    if (row) return { accountNo: row.accountNo, paying: row.paying };
    if (parsed.units?.keys.has(no)) return 'broken';
    const ledger = look.unit(no);
    return ledger ? { accountNo: ledger.accountNo, paying: ledger.paying } : undefined;
  };
  const billAccount = new Map<string, { accountNo: string; currency: string }>();
  const resolveBill = (no: string): Ref<{ accountNo: string; currency: string }> => {
    const known = billAccount.get(no);
    if (known) return known;
    const row = billRows.get(no);
    if (row) {
      const unit = resolveUnit(row.billUnitNo);
      return typeof unit === 'object' ? { accountNo: unit.accountNo, currency: row.currency } : 'broken';
    }
    if (parsed.bills?.keys.has(no)) return 'broken';
    const ledger = look.bill(no);
    return ledger ? { accountNo: ledger.accountNo, currency: ledger.currency } : undefined;
  };
  const unknown = (what: string, value: string): string =>
    `unknown ${what} "${value}": it is neither in this import nor in the ledger`;

  if (parsed.accounts) {
    const { file } = parsed.accounts;
    for (const row of parsed.accounts.rows) {
      const ledger = look.account(row.accountNo);
      if (ledger?.isSuspense) {
        sink.add(
          file,
          row.line,
          'account_no',
          `${row.accountNo} is the payment suspense account; it cannot be imported`,
        );
      } else if (ledger && ledger.currency !== row.currency) {
        sink.add(
          file,
          row.line,
          'currency',
          `account ${row.accountNo} is kept in ${ledger.currency} in the ledger; its currency cannot change to ${row.currency}`,
        );
      }
    }
  }

  if (parsed.units) {
    const { file } = parsed.units;
    const defaultsByAccount = new Map<string, ArBillUnitRow[]>();
    for (const row of parsed.units.rows) {
      const account = resolveAccount(row.accountNo);
      if (account === undefined) sink.add(file, row.line, 'account_no', unknown('account_no', row.accountNo));
      const ledger = look.unit(row.billUnitNo);
      if (ledger && ledger.accountNo !== row.accountNo) {
        sink.add(
          file,
          row.line,
          'account_no',
          `bill unit ${row.billUnitNo} belongs to account ${ledger.accountNo} in the ledger; it cannot move to ${row.accountNo}`,
        );
      }
      if (row.parentBillUnitNo !== null) {
        const parent = resolveUnit(row.parentBillUnitNo);
        if (parent === undefined) {
          sink.add(
            file,
            row.line,
            'parent_bill_unit_no',
            unknown('parent_bill_unit_no', row.parentBillUnitNo),
          );
        } else if (parent !== 'broken' && row.paying === 0 && parent.paying === 0) {
          sink.add(
            file,
            row.line,
            'parent_bill_unit_no',
            `parent bill unit ${row.parentBillUnitNo} is nonpaying; a nonpaying unit must be paid by a paying parent`,
          );
        }
      }
      if (ledger && ledger.paying === 1 && row.paying === 0) {
        // Nonpaying children in the file are checked on their own rows; the ledger's others would lose their payer.
        const orphans = look.nonpayingChildren(ledger.id).filter((no) => !parsed.units?.keys.has(no));
        if (orphans.length > 0) {
          sink.add(
            file,
            row.line,
            'paying',
            `bill unit ${row.billUnitNo} pays for nonpaying unit(s) ${orphans.join(', ')}; it cannot become nonpaying`,
          );
        }
      }
      if (row.isDefault === 1) {
        const list = defaultsByAccount.get(row.accountNo) ?? [];
        list.push(row);
        defaultsByAccount.set(row.accountNo, list);
      }
    }
    for (const [accountNo, rows] of defaultsByAccount) {
      const ledgerAccount = look.account(accountNo);
      const ledgerDefaults = ledgerAccount
        ? look.defaultUnits(ledgerAccount.id).filter((no) => !parsed.units?.keys.has(no))
        : [];
      const all = [...ledgerDefaults, ...rows.map((r) => r.billUnitNo)];
      if (all.length <= 1) continue;
      for (const row of ledgerDefaults.length > 0 ? rows : rows.slice(1)) {
        sink.add(
          file,
          row.line,
          'is_default',
          `account ${accountNo} would have ${all.length} default bill units (${all.join(', ')}); at most one is allowed`,
        );
      }
    }
  }

  if (parsed.bills) {
    const { file } = parsed.bills;
    for (const row of parsed.bills.rows) {
      const unit = resolveUnit(row.billUnitNo);
      if (unit === undefined) {
        sink.add(file, row.line, 'bill_unit_no', unknown('bill_unit_no', row.billUnitNo));
        continue;
      }
      if (unit === 'broken') continue;
      const account = resolveAccount(unit.accountNo);
      if (typeof account === 'object' && account.currency !== row.currency) {
        sink.add(
          file,
          row.line,
          'currency',
          `bill currency ${row.currency} differs from account ${unit.accountNo}'s currency ${account.currency}`,
        );
      }
      const ledger = look.bill(row.billNo);
      if (ledger && ledger.accountNo !== unit.accountNo) {
        sink.add(
          file,
          row.line,
          'bill_unit_no',
          `bill ${row.billNo} belongs to account ${ledger.accountNo} in the ledger; bill unit ${row.billUnitNo} of account ${unit.accountNo} cannot take it`,
        );
      }
      billAccount.set(row.billNo, { accountNo: unit.accountNo, currency: row.currency });
    }
  }

  // Rows refused for their own values still name accounts, bill units and bills: an unknown one is reported
  // now too, unless the row already has a problem on that column.
  const reported = new Set(sink.issues.map((i) => `${i.file}\u0000${i.line}\u0000${i.column}`));
  const checkRefs = (
    part: ParsedArFile<unknown> | undefined,
    refs: readonly [column: string, resolve: (no: string) => unknown][],
  ): void => {
    if (!part) return;
    for (const bad of part.badRows) {
      for (const [column, resolve] of refs) {
        const no = bad.value(column);
        if (no === '' || reported.has(`${part.file}\u0000${bad.line}\u0000${column}`)) continue;
        if (resolve(no) === undefined) sink.add(part.file, bad.line, column, unknown(column, no));
      }
    }
  };
  checkRefs(parsed.units, [
    ['account_no', resolveAccount],
    ['parent_bill_unit_no', resolveUnit],
  ]);
  checkRefs(parsed.bills, [['bill_unit_no', resolveUnit]]);
  checkRefs(parsed.items, [['bill_no', resolveBill]]);

  const itemsByBill = new Map<string, ArItemRow[]>();
  const items: ItemPlan[] = [];
  if (parsed.items) {
    const { file } = parsed.items;
    for (const row of parsed.items.rows) {
      const bill = resolveBill(row.billNo);
      if (bill === undefined) {
        sink.add(file, row.line, 'bill_no', unknown('bill_no', row.billNo));
        continue;
      }
      if (bill === 'broken') continue;
      billAccount.set(row.billNo, bill);
      const ledgerBill = look.bill(row.billNo);
      if (ledgerBill) look.itemsOfBill(ledgerBill.id);
      const existing = look.item(row.itemNo);
      if (existing && existing.billNo !== row.billNo) {
        sink.add(
          file,
          row.line,
          'bill_no',
          `item ${row.itemNo} belongs to bill ${existing.billNo} in the ledger; it cannot move to ${row.billNo}`,
        );
        continue;
      }
      const list = itemsByBill.get(row.billNo) ?? [];
      list.push(row);
      itemsByBill.set(row.billNo, list);
      items.push(planItem(row, existing));
    }
  }

  // Bill totals: the file's (or ledger's) total must equal the sum of the bill's items after the import.
  const billFinals = new Map<string, BillFinal>();
  const skipTotals = (parsed.items?.unreadableRows ?? 0) > 0;
  const finalsByItemNo = new Map(items.map((p) => [p.row.itemNo, p]));
  const touched = new Set([...billRows.keys(), ...itemsByBill.keys()]);
  for (const billNo of touched) {
    const account = billAccount.get(billNo);
    if (!account || skipTotals || parsed.items?.billsOfBadRows.has(billNo)) continue;
    const row = billRows.get(billNo);
    const ledger = look.bill(billNo);
    const fileItems = itemsByBill.get(billNo) ?? [];
    const effective = new Map<string, Minor>();
    let totalMinor = 0;
    let amountDueMinor = 0;
    for (const li of ledger ? look.itemsOfBill(ledger.id) : []) {
      effective.set(li.itemNo, li.amountMinor);
      const plan = finalsByItemNo.get(li.itemNo);
      if (!plan) {
        totalMinor += li.amountMinor;
        amountDueMinor += li.openMinor;
      }
    }
    for (const fi of fileItems) {
      effective.set(fi.itemNo, fi.amountMinor);
      // An unchanged item holds the ledger's values: equal to the file's, or kept because of allocations.
      const kept =
        (finalsByItemNo.get(fi.itemNo) as ItemPlan).action === 'unchanged' ? look.item(fi.itemNo) : undefined;
      totalMinor += kept ? kept.amountMinor : fi.amountMinor;
      amountDueMinor += kept ? kept.openMinor : fi.openMinor;
    }
    let itemSumMinor = 0;
    for (const v of effective.values()) itemSumMinor += v;
    const expectedMinor = row ? row.totalMinor : (ledger?.totalMinor ?? 0);
    if (itemSumMinor !== expectedMinor) {
      const exp = exponents.get(account.currency) ?? 0;
      const items = formatMinor(itemSumMinor, exp);
      const total = formatMinor(expectedMinor, exp);
      if (row && parsed.bills) {
        sink.add(
          parsed.bills.file,
          row.line,
          'total',
          `bill ${billNo} has total ${total} but its items sum to ${items}`,
        );
      } else if (parsed.items && fileItems[0]) {
        sink.add(
          parsed.items.file,
          fileItems[0].line,
          'amount',
          `the items of bill ${billNo} would sum to ${items} but the bill's total in the ledger is ${total}`,
        );
      }
      continue;
    }
    billFinals.set(billNo, { ...account, totalMinor, amountDueMinor });
  }
  return { billAccount, items, billFinals };
}

/** Decides what happens to one item row; items with allocations keep their ledger values. */
function planItem(row: ArItemRow, existing: LedgerItemRow | undefined): ItemPlan {
  if (!existing) return { row, existing, action: 'insert', kept: false };
  const changes = diff(
    {
      type: existing.type,
      amount_minor: existing.amountMinor,
      open_minor: existing.openMinor,
      gl_id: existing.glId,
    },
    { type: row.type, amount_minor: row.amountMinor, open_minor: row.openMinor, gl_id: row.glId },
  );
  if (!changes) return { row, existing, action: 'unchanged', kept: false };
  if (existing.allocated) return { row, existing, action: 'unchanged', kept: true };
  return { row, existing, action: 'update', kept: false, ...changes };
}

const FILE_KINDS = {
  accounts: 'ar_accounts',
  units: 'ar_bill_units',
  bills: 'ar_bills',
  items: 'ar_items',
} as const;

/** A query's rows split into statements of at most AR_INSERT_CHUNK rows. */
function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += AR_INSERT_CHUNK) out.push(rows.slice(i, i + AR_INSERT_CHUNK));
  return out;
}

/** Runs an insert answering `id` and `key` per row and keeps each new row's id by its key. */
function* keyIds(query: SQL, ids: Map<string, number>): Steps<void> {
  for (const r of yield* all<{ id: number; key: string }>(query)) ids.set(r.key, r.id);
}

function* auditRow(entry: AuditEntry): Steps<number> {
  return ((yield* get<{ id: number }>(auditInsertQuery(entry))) as { id: number }).id;
}

/** Plans the changes and, if there are any, writes them (inside the caller's transaction). */
function* applyImport(
  on: On,
  parsed: Parsed,
  sources: Sources,
  look: Lookups,
  checked: Checked,
  now: Date,
  operatorId: number | null,
  started: number,
): Steps<ArImportSummaryDto> {
  const at = now.toISOString();
  type Update = {
    entity: string;
    key: string;
    before: Record<string, unknown>;
    after: Record<string, unknown>;
  };
  const updates: Update[] = [];

  // Accounts.
  const accountCounts = parsed.accounts && emptyCounts(parsed.accounts.file, parsed.accounts.rowCount);
  const newAccounts: ArAccountRow[] = [];
  const changedAccounts: { row: ArAccountRow; id: number }[] = [];
  for (const row of parsed.accounts?.rows ?? []) {
    const ledger = look.account(row.accountNo);
    const counts = accountCounts as ArImportFileSummaryDto;
    if (!ledger) {
      newAccounts.push(row);
      counts.inserted++;
      continue;
    }
    const changes = diff(
      { name: ledger.name, status: ledger.status, default_pay_type: ledger.defaultPayType },
      { name: row.name, status: row.status, default_pay_type: row.defaultPayType },
    );
    if (!changes) {
      counts.unchanged++;
      continue;
    }
    counts.updated++;
    changedAccounts.push({ row, id: ledger.id });
    updates.push({ entity: 'account', key: row.accountNo, ...changes });
  }

  // Bill units.
  const unitCounts = parsed.units && emptyCounts(parsed.units.file, parsed.units.rowCount);
  const newUnits: ArBillUnitRow[] = [];
  const changedUnits: { row: ArBillUnitRow; id: number }[] = [];
  for (const row of parsed.units?.rows ?? []) {
    const ledger = look.unit(row.billUnitNo);
    const counts = unitCounts as ArImportFileSummaryDto;
    if (!ledger) {
      newUnits.push(row);
      counts.inserted++;
      continue;
    }
    const changes = diff(
      {
        name: ledger.name,
        accounting_type: ledger.accountingType,
        pay_type: ledger.payType,
        payment_term: ledger.paymentTerm,
        paying: ledger.paying,
        parent_bill_unit_no: ledger.parentNo,
        is_default: ledger.isDefault,
        bill_cycle_day: ledger.billCycleDay,
        next_bill_date: ledger.nextBillDate,
      },
      {
        name: row.name,
        accounting_type: row.accountingType,
        pay_type: row.payType,
        payment_term: row.paymentTerm,
        paying: row.paying,
        parent_bill_unit_no: row.parentBillUnitNo,
        is_default: row.isDefault,
        bill_cycle_day: row.billCycleDay,
        next_bill_date: row.nextBillDate,
      },
    );
    if (!changes) {
      counts.unchanged++;
      continue;
    }
    counts.updated++;
    changedUnits.push({ row, id: ledger.id });
    updates.push({ entity: 'bill_unit', key: row.billUnitNo, ...changes });
  }

  // Bills: rows of bills.csv, then bills whose amounts change only through their items.
  const billCounts = parsed.bills && emptyCounts(parsed.bills.file, parsed.bills.rowCount);
  const newBills: { row: ArBillRow; final: BillFinal }[] = [];
  const changedBills: {
    id: number;
    billUnitNo: string;
    billDate: string;
    dueDate: string;
    final: BillFinal;
  }[] = [];
  const statusOf = (dueMinor: Minor): 'open' | 'closed' => (dueMinor === 0 ? 'closed' : 'open');
  const billImage = (
    b: { billUnitNo: string; billDate: string; dueDate: string },
    totalMinor: Minor,
    dueMinor: Minor,
  ) => ({
    bill_unit_no: b.billUnitNo,
    bill_date: b.billDate,
    due_date: b.dueDate,
    total_minor: totalMinor,
    amount_due_minor: dueMinor,
    status: statusOf(dueMinor),
  });
  const billsInFile = new Set<string>();
  for (const row of parsed.bills?.rows ?? []) {
    billsInFile.add(row.billNo);
    const final = checked.billFinals.get(row.billNo) as BillFinal;
    const ledger = look.bill(row.billNo);
    const counts = billCounts as ArImportFileSummaryDto;
    if (!ledger) {
      newBills.push({ row, final });
      counts.inserted++;
      continue;
    }
    const changes = diff(
      billImage(ledger, ledger.totalMinor, ledger.amountDueMinor),
      billImage(row, final.totalMinor, final.amountDueMinor),
    );
    if (!changes) {
      counts.unchanged++;
      continue;
    }
    counts.updated++;
    changedBills.push({
      id: ledger.id,
      billUnitNo: row.billUnitNo,
      billDate: row.billDate,
      dueDate: row.dueDate,
      final,
    });
    updates.push({ entity: 'bill', key: row.billNo, ...changes });
  }
  for (const [billNo, final] of checked.billFinals) {
    if (billsInFile.has(billNo)) continue;
    const ledger = look.bill(billNo) as LedgerBillRow;
    const changes = diff(
      billImage(ledger, ledger.totalMinor, ledger.amountDueMinor),
      billImage(ledger, final.totalMinor, final.amountDueMinor),
    );
    if (!changes) continue;
    changedBills.push({ ...ledger, final });
    updates.push({ entity: 'bill', key: billNo, ...changes });
  }

  // Items, and the open-amount change each brings to its account.
  const itemCounts = parsed.items && emptyCounts(parsed.items.file, parsed.items.rowCount);
  const deltas = new Map<string, { currency: string; deltaMinor: Minor }>();
  const addDelta = (billNo: string, deltaMinor: Minor): void => {
    if (deltaMinor === 0) return;
    const { accountNo, currency } = checked.billAccount.get(billNo) as {
      accountNo: string;
      currency: string;
    };
    const d = deltas.get(accountNo) ?? { currency, deltaMinor: 0 };
    d.deltaMinor += deltaMinor;
    deltas.set(accountNo, d);
  };
  // Gross changes over every account: exact, and refused (amount-ceiling) past 2^53 - 1 rather than rounded.
  let adjustedOpenExact = 0n;
  let keptAllocatedItems = 0;
  for (const plan of checked.items) {
    const counts = itemCounts as ArImportFileSummaryDto;
    if (plan.action === 'insert') {
      counts.inserted++;
      addDelta(plan.row.billNo, plan.row.openMinor);
    } else if (plan.action === 'update') {
      counts.updated++;
      const deltaMinor = plan.row.openMinor - (plan.existing as LedgerItemRow).openMinor;
      adjustedOpenExact += BigInt(Math.abs(deltaMinor));
      addDelta(plan.row.billNo, deltaMinor);
      updates.push({
        entity: 'bill_item',
        key: plan.row.itemNo,
        before: plan.before ?? {},
        after: plan.after ?? {},
      });
    } else {
      counts.unchanged++;
      if (plan.kept) keptAllocatedItems++;
    }
  }

  const adjustedOpenMinor = toMinor(adjustedOpenExact, "the receivables import's adjusted open amount");
  const summary = (): ArImportSummaryDto => ({
    ...(accountCounts ? { accounts: accountCounts } : {}),
    ...(unitCounts ? { billUnits: unitCounts } : {}),
    ...(billCounts ? { bills: billCounts } : {}),
    ...(itemCounts ? { items: itemCounts } : {}),
    adjustedOpenMinor,
    elapsedMs: Math.round(performance.now() - started),
  });
  const inserts = newAccounts.length + newUnits.length + newBills.length + (itemCounts?.inserted ?? 0);
  if (inserts === 0 && updates.length === 0 && deltas.size === 0) return summary();

  const fileList = (Object.keys(FILE_KINDS) as (keyof typeof FILE_KINDS)[]).flatMap((k) => {
    const s = sources[k];
    return s ? [{ kind: FILE_KINDS[k], file: s.file, sha256: s.sha256 }] : [];
  });
  const auditId = yield* auditRow({
    at,
    operatorId,
    action: 'ar.import',
    entity: 'ledger',
    after: {
      accounts: accountCounts,
      billUnits: unitCounts,
      bills: billCounts,
      items: itemCounts,
      adjustedOpenMinor,
      keptAllocatedItems,
      files: fileList,
    },
  });
  for (const f of fileList) yield* run(importedFileInsertQuery(f, at, auditId));
  for (const u of updates) {
    yield* auditRow({
      at,
      operatorId,
      action: 'ar.import.update',
      entity: u.entity,
      entityId: u.key,
      before: u.before,
      after: u.after,
    });
  }

  // Ids of rows inserted here; rows already in the ledger come from the look-ups.
  const accountIds = new Map<string, number>();
  const unitIds = new Map<string, number>();
  const billIds = new Map<string, number>();
  const accountId = (no: string): number => accountIds.get(no) ?? (look.account(no) as LedgerAccountRow).id;
  const unitId = (no: string): number => unitIds.get(no) ?? (look.unit(no) as LedgerUnitRow).id;
  const billId = (no: string): number => billIds.get(no) ?? (look.bill(no) as LedgerBillRow).id;

  for (const part of chunks(newAccounts)) yield* keyIds(insertAccountsQuery(on, part, at), accountIds);
  for (const { row: r, id } of changedAccounts) yield* run(updateAccountQuery(id, r));

  // Units first without parents (a parent may be a new unit further down the file), then every parent link.
  for (const part of chunks(newUnits))
    yield* keyIds(
      insertUnitsQuery(
        on,
        part.map((r) => ({ ...r, accountId: accountId(r.accountNo) })),
      ),
      unitIds,
    );
  const linkNewUnits = newUnits
    .filter((row) => row.parentBillUnitNo !== null)
    .map((row) => ({ row, id: unitId(row.billUnitNo) }));
  for (const { row: r, id } of [...changedUnits, ...linkNewUnits])
    yield* run(updateUnitQuery(id, r, r.parentBillUnitNo === null ? null : unitId(r.parentBillUnitNo)));

  for (const part of chunks(newBills)) {
    const rows = part.map(({ row: r, final }) => ({
      billNo: r.billNo,
      billUnitId: unitId(r.billUnitNo),
      accountId: accountId(final.accountNo),
      billDate: r.billDate,
      dueDate: r.dueDate,
      currency: r.currency,
      totalMinor: final.totalMinor,
      amountDueMinor: final.amountDueMinor,
      status: statusOf(final.amountDueMinor),
    }));
    yield* keyIds(insertBillsQuery(on, rows), billIds);
  }
  for (const b of changedBills) {
    yield* run(
      updateBillQuery(b.id, {
        billUnitId: unitId(b.billUnitNo),
        billDate: b.billDate,
        dueDate: b.dueDate,
        totalMinor: b.final.totalMinor,
        amountDueMinor: b.final.amountDueMinor,
        status: statusOf(b.final.amountDueMinor),
      }),
    );
  }

  const itemValues = (r: ArItemRow) => ({
    type: r.type,
    amountMinor: r.amountMinor,
    openMinor: r.openMinor,
    glId: r.glId,
    status: statusOf(r.openMinor),
  });
  const newItems = checked.items.filter((p) => p.action === 'insert').map((p) => p.row);
  for (const part of chunks(newItems)) {
    const rows = part.map((r) => ({
      ...itemValues(r),
      itemNo: r.itemNo,
      billId: billId(r.billNo),
      accountId: accountId((checked.billAccount.get(r.billNo) as { accountNo: string }).accountNo),
    }));
    yield* run(insertItemsQuery(on, rows));
  }
  for (const plan of checked.items) {
    if (plan.action === 'update')
      yield* run(updateItemQuery((plan.existing as LedgerItemRow).id, itemValues(plan.row)));
  }

  // One journal for every open-amount change: AR per account, REVENUE per currency takes the other side.
  const lines: JournalLine[] = [];
  // Exact per-currency totals: a million accounts' changes may pass 2^53 (refused as amount-ceiling).
  const revenue = new Map<string, bigint>();
  const byAccountId = [...deltas].map(([no, d]) => ({ id: accountId(no), ...d })).sort((a, b) => a.id - b.id);
  for (const d of byAccountId) {
    if (d.deltaMinor === 0) continue;
    lines.push({ gl: 'AR', accountId: d.id, amountMinor: d.deltaMinor, currency: d.currency });
    revenue.set(d.currency, (revenue.get(d.currency) ?? 0n) + BigInt(d.deltaMinor));
  }
  for (const [currency, sum] of [...revenue].sort(([a], [b]) => a.localeCompare(b))) {
    const sumMinor = toMinor(sum, `the receivables import's change in ${currency}`);
    if (sumMinor !== 0) lines.push({ gl: 'REVENUE', accountId: null, amountMinor: -sumMinor, currency });
  }
  if (lines.length > 0) {
    const posting: JournalPosting = {
      kind: 'ar_snapshot',
      at,
      effectiveDate: isoDate(now),
      idemKey: `ar_snapshot:${auditId}`,
      auditId,
      lines,
    };
    yield* call(
      (db) => postJournal(db, posting),
      (tx) => postJournalIn(tx, posting),
    );
  }
  return summary();
}
