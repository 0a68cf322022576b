import { readUpload, type ResolvedUpload } from './uploads';
import type Database from 'better-sqlite3';
import type { Ledger } from '../../db/client';
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
import { writeAudit } from '../ledger/audit';
import { MAX_UPLOAD_BYTES } from '../../src-shared/api/uploads';
import { assertPathsAllowed, readFileAudited, uploadedBytes } from './files';
import { AppFailure, invalidFileRows } from '../ledger/errors';
import type { FileIssue } from '../../src-shared/api/result';
import type { ArPreviewDto } from '../../src-shared/dto/desk-ops';
import { toMinor } from '../ledger/ceiling';
import { postJournal, type JournalLine } from '../ledger/journal';

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

type LedgerAccountRow = {
  id: number;
  accountNo: string;
  name: string;
  status: string;
  currency: string;
  defaultPayType: number;
  isSuspense: number;
};

type LedgerUnitRow = {
  id: number;
  billUnitNo: string;
  accountId: number;
  accountNo: string;
  name: string;
  accountingType: string;
  payType: number;
  paymentTerm: string;
  paying: number;
  parentNo: string | null;
  isDefault: number;
  billCycleDay: number;
  nextBillDate: string | null;
};

type LedgerBillRow = {
  id: number;
  billNo: string;
  billUnitNo: string;
  accountId: number;
  accountNo: string;
  billDate: string;
  dueDate: string;
  currency: string;
  totalMinor: Minor;
  amountDueMinor: Minor;
  status: string;
};

type LedgerItemRow = {
  id: number;
  itemNo: string;
  billId: number;
  billNo: string;
  type: string;
  amountMinor: Minor;
  openMinor: Minor;
  glId: number;
  /** 1 when a payment was allocated to the item or, at bill level, to its bill. */
  allocated: number;
};

/** An item of the file whose amounts the ledger keeps: it has allocations. */
const ALLOCATED = `EXISTS (SELECT 1 FROM allocations al
  WHERE al.item_id = i.id OR (al.item_id IS NULL AND al.bill_id = i.bill_id))`;

/** Memoised point look-ups of ledger rows by business key (misses are remembered too). */
function ledgerLookups(db: Database.Database) {
  const memo = <T>(sql: string) => {
    const stmt = db.prepare(sql);
    const cache = new Map<string, T | undefined>();
    const get = (key: string): T | undefined => {
      if (cache.has(key)) return cache.get(key);
      const row = stmt.get(key) as T | undefined;
      cache.set(key, row);
      return row;
    };
    return Object.assign(get, { prime: (key: string, row: T) => void cache.set(key, row) });
  };
  const itemsOfBillStmt = db.prepare(
    `SELECT i.id, i.item_no AS itemNo, i.bill_id AS billId, b.bill_no AS billNo, i.type, i.amount_minor AS amountMinor,
            i.open_minor AS openMinor, i.gl_id AS glId, ${ALLOCATED} AS allocated
     FROM bill_items i JOIN bills b ON b.id = i.bill_id WHERE i.bill_id = ?`,
  );
  const defaultUnits = db.prepare(
    `SELECT bill_unit_no AS no FROM bill_units WHERE account_id = ? AND is_default = 1`,
  );
  const nonpayingChildren = db.prepare(
    `SELECT bill_unit_no AS no FROM bill_units WHERE parent_bill_unit_id = ? AND paying = 0`,
  );
  const item = memo<LedgerItemRow>(
    `SELECT i.id, i.item_no AS itemNo, i.bill_id AS billId, b.bill_no AS billNo, i.type,
            i.amount_minor AS amountMinor, i.open_minor AS openMinor, i.gl_id AS glId, ${ALLOCATED} AS allocated
     FROM bill_items i JOIN bills b ON b.id = i.bill_id WHERE i.item_no = ?`,
  );
  const billItems = new Map<number, LedgerItemRow[]>();
  /** All items of a ledger bill; they also fill the item cache, which saves a query per item on re-imports. */
  const itemsOfBill = (billId: number): LedgerItemRow[] => {
    let rows = billItems.get(billId);
    if (!rows) {
      rows = itemsOfBillStmt.all(billId) as LedgerItemRow[];
      billItems.set(billId, rows);
      for (const r of rows) item.prime(r.itemNo, r);
    }
    return rows;
  };
  return {
    account: memo<LedgerAccountRow>(
      `SELECT id, account_no AS accountNo, name, status, currency, default_pay_type AS defaultPayType,
              is_suspense AS isSuspense
       FROM accounts WHERE account_no = ?`,
    ),
    unit: memo<LedgerUnitRow>(
      `SELECT u.id, u.bill_unit_no AS billUnitNo, u.account_id AS accountId, a.account_no AS accountNo, u.name,
              u.accounting_type AS accountingType, u.pay_type AS payType, u.payment_term AS paymentTerm, u.paying,
              p.bill_unit_no AS parentNo, u.is_default AS isDefault, u.bill_cycle_day AS billCycleDay,
              u.next_bill_date AS nextBillDate
       FROM bill_units u JOIN accounts a ON a.id = u.account_id
       LEFT JOIN bill_units p ON p.id = u.parent_bill_unit_id
       WHERE u.bill_unit_no = ?`,
    ),
    bill: memo<LedgerBillRow>(
      `SELECT b.id, b.bill_no AS billNo, u.bill_unit_no AS billUnitNo, b.account_id AS accountId,
              a.account_no AS accountNo, b.bill_date AS billDate, b.due_date AS dueDate, b.currency,
              b.total_minor AS totalMinor, b.amount_due_minor AS amountDueMinor, b.status
       FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id JOIN accounts a ON a.id = b.account_id
       WHERE b.bill_no = ?`,
    ),
    item,
    itemsOfBill,
    defaultUnits: (accountId: number) => (defaultUnits.all(accountId) as { no: string }[]).map((r) => r.no),
    nonpayingChildren: (unitId: number) =>
      (nonpayingChildren.all(unitId) as { no: string }[]).map((r) => r.no),
  };
}

type Lookups = ReturnType<typeof ledgerLookups>;

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
 * Loads a receivables snapshot (accounts, bill units, bills, items; any subset) into the ledger. Every file
 * is validated in full first; any bad row throws a validation error listing every problem and nothing is
 * written. Otherwise one transaction inserts new rows, updates changed ones (items with allocations keep
 * their ledger amounts), posts the open-amount changes as one balanced 'ar_snapshot' journal and writes
 * one 'ar.import' audit row; a snapshot that changes nothing writes nothing.
 */
export function importReceivables(
  ledger: Ledger,
  files: ArImportFiles,
  now: Date,
  operatorId: number | null,
): ArImportSummaryDto {
  return loadReceivables(ledger, files, now, operatorId, false);
}

/** Thrown inside a preview's transaction so that everything the import wrote is rolled back. */
class PreviewRollback extends Error {
  constructor(readonly summary: ArImportSummaryDto) {
    super('preview');
  }
}

/**
 * The dry run of importReceivables: the same reading, checks and writes inside one transaction that is then
 * rolled back, so the counts are exactly what the import would report and the ledger is left as it was.
 * Problems are returned (every one, file, line, column, reason), not thrown.
 */
export function previewReceivables(
  ledger: Ledger,
  files: ArImportFiles,
  now: Date,
  operatorId: number | null,
): ArPreviewDto {
  try {
    loadReceivables(ledger, files, now, operatorId, true);
    throw new Error('a receivables preview must roll back');
  } catch (err) {
    if (err instanceof PreviewRollback) return { ok: true, ...err.summary, problems: [], problemCount: 0 };
    if (err instanceof ArFileProblems)
      return { ok: false, adjustedOpenMinor: 0, problems: err.issues, problemCount: err.count };
    throw err;
  }
}

function loadReceivables(
  ledger: Ledger,
  files: ArImportFiles,
  now: Date,
  operatorId: number | null,
  dryRun: boolean,
): ArImportSummaryDto {
  const started = performance.now();
  const db = ledger.sqlite;
  const sink = createIssueSink();
  const who = { at: now, operatorId };
  assertPathsAllowed(db, who, 'ar:import', files, AR_PATH_FIELDS);
  const read = (path: string | undefined, up: ArUpload | undefined): CsvSource | undefined => {
    if (up !== undefined) {
      const { bytes, name } =
        'uploaded' in up
          ? readUpload(db, who, 'ar:import', up.uploaded, MAX_UPLOAD_BYTES * 8)
          : uploadedBytes(up.content, up.fileName, MAX_UPLOAD_BYTES);
      return csvSourceFromBytes(bytes, name, sink);
    }
    return path === undefined
      ? undefined
      : readCsvSource(path, sink, (p) => readFileAudited(db, who, 'ar:import', p, MAX_UPLOAD_BYTES * 8));
  };
  const sources = {
    accounts: read(files.accountsFile, files.accountsUpload),
    units: read(files.billUnitsFile, files.billUnitsUpload),
    bills: read(files.billsFile, files.billsUpload),
    items: read(files.itemsFile, files.itemsUpload),
  };
  if (sink.count > 0) failWith(sink);

  const exponents = new Map(
    (db.prepare('SELECT code, exponent FROM currencies').all() as { code: string; exponent: number }[]).map(
      (c) => [c.code, c.exponent],
    ),
  );
  // Parsing needs no lock: currencies and a bill's currency never change once written.
  const parsed: Parsed = {};
  if (sources.accounts)
    parsed.accounts = parseAccountsCsv(sources.accounts.text, sources.accounts.file, { exponents }, sink);
  if (sources.units) parsed.units = parseBillUnitsCsv(sources.units.text, sources.units.file, sink);
  if (sources.bills)
    parsed.bills = parseBillsCsv(sources.bills.text, sources.bills.file, { exponents }, sink);
  if (sources.items) {
    const billRows = new Map((parsed.bills?.rows ?? []).map((b) => [b.billNo, b]));
    const ledgerBillCurrency = db.prepare('SELECT currency FROM bills WHERE bill_no = ?').pluck();
    const billCurrency = (billNo: string): string | undefined => {
      const row = billRows.get(billNo);
      if (row) return row.currency;
      if (parsed.bills?.keys.has(billNo)) return undefined;
      return ledgerBillCurrency.get(billNo) as string | undefined;
    };
    parsed.items = parseItemsCsv(sources.items.text, sources.items.file, { exponents, billCurrency }, sink);
  }
  const anyBroken = Object.values(parsed).some((p: ParsedArFile<unknown>) => p.broken);
  if (anyBroken) failWith(sink);

  // Cross-checks, planning and writing share one write transaction, so no payment can land in between.
  const run = db.transaction((): ArImportSummaryDto => {
    const look = ledgerLookups(db);
    const checked = crossCheck(parsed, look, exponents, sink);
    if (sink.count > 0) failWith(sink);
    const summary = applyImport(db, parsed, sources, look, checked, now, operatorId, started);
    if (dryRun) throw new PreviewRollback(summary);
    return summary;
  });
  return run.immediate();
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

/** Plans the changes and, if there are any, writes them (inside the caller's transaction). */
function applyImport(
  db: Database.Database,
  parsed: Parsed,
  sources: Record<keyof typeof FILE_KINDS, CsvSource | undefined>,
  look: Lookups,
  checked: Checked,
  now: Date,
  operatorId: number | null,
  started: number,
): ArImportSummaryDto {
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
  const auditId = writeAudit(db, {
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
  const insFile = db.prepare(
    `INSERT INTO imported_files (kind, sha256, file_name, imported_at, audit_id) VALUES (?, ?, ?, ?, ?)`,
  );
  for (const f of fileList) insFile.run(f.kind, f.sha256, f.file, at, auditId);
  for (const u of updates) {
    writeAudit(db, {
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

  const insAccount = db.prepare(
    `INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type, is_suspense,
                           balance_minor, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)`,
  );
  for (const r of newAccounts) {
    const id = insAccount.run(
      r.accountNo,
      r.accountNo.toUpperCase(),
      r.name,
      r.name.toLowerCase(),
      r.status,
      r.currency,
      r.defaultPayType,
      at,
    ).lastInsertRowid;
    accountIds.set(r.accountNo, Number(id));
  }
  const updAccount = db.prepare(
    `UPDATE accounts SET name = ?, name_key = ?, status = ?, default_pay_type = ? WHERE id = ?`,
  );
  for (const { row: r, id } of changedAccounts)
    updAccount.run(r.name, r.name.toLowerCase(), r.status, r.defaultPayType, id);

  // Units first without parents (a parent may be a new unit further down the file), then every parent link.
  const insUnit = db.prepare(
    `INSERT INTO bill_units (bill_unit_no, account_id, name, accounting_type, pay_type, payment_term, paying,
                             parent_bill_unit_id, is_default, bill_cycle_day, next_bill_date)
     VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
  );
  for (const r of newUnits) {
    const id = insUnit.run(
      r.billUnitNo,
      accountId(r.accountNo),
      r.name,
      r.accountingType,
      r.payType,
      r.paymentTerm,
      r.paying,
      r.isDefault,
      r.billCycleDay,
      r.nextBillDate,
    ).lastInsertRowid;
    unitIds.set(r.billUnitNo, Number(id));
  }
  const updUnit = db.prepare(
    `UPDATE bill_units SET name = ?, accounting_type = ?, pay_type = ?, payment_term = ?, paying = ?,
                           parent_bill_unit_id = ?, is_default = ?, bill_cycle_day = ?, next_bill_date = ?
     WHERE id = ?`,
  );
  const linkNewUnits = newUnits
    .filter((row) => row.parentBillUnitNo !== null)
    .map((row) => ({ row, id: unitId(row.billUnitNo) }));
  for (const { row: r, id } of [...changedUnits, ...linkNewUnits]) {
    updUnit.run(
      r.name,
      r.accountingType,
      r.payType,
      r.paymentTerm,
      r.paying,
      r.parentBillUnitNo === null ? null : unitId(r.parentBillUnitNo),
      r.isDefault,
      r.billCycleDay,
      r.nextBillDate,
      id,
    );
  }

  const insBill = db.prepare(
    `INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const { row: r, final } of newBills) {
    const id = insBill.run(
      r.billNo,
      unitId(r.billUnitNo),
      accountId(final.accountNo),
      r.billDate,
      r.dueDate,
      r.currency,
      final.totalMinor,
      final.amountDueMinor,
      statusOf(final.amountDueMinor),
    ).lastInsertRowid;
    billIds.set(r.billNo, Number(id));
  }
  const updBill = db.prepare(
    `UPDATE bills SET bill_unit_id = ?, bill_date = ?, due_date = ?, total_minor = ?, amount_due_minor = ?, status = ?
     WHERE id = ?`,
  );
  for (const b of changedBills) {
    updBill.run(
      unitId(b.billUnitNo),
      b.billDate,
      b.dueDate,
      b.final.totalMinor,
      b.final.amountDueMinor,
      statusOf(b.final.amountDueMinor),
      b.id,
    );
  }

  const insItem = db.prepare(
    `INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const updItem = db.prepare(
    `UPDATE bill_items SET type = ?, amount_minor = ?, open_minor = ?, gl_id = ?, status = ? WHERE id = ?`,
  );
  for (const plan of checked.items) {
    const r = plan.row;
    if (plan.action === 'insert') {
      const { accountNo } = checked.billAccount.get(r.billNo) as { accountNo: string };
      insItem.run(
        r.itemNo,
        billId(r.billNo),
        accountId(accountNo),
        r.type,
        r.amountMinor,
        r.openMinor,
        r.glId,
        statusOf(r.openMinor),
      );
    } else if (plan.action === 'update') {
      updItem.run(
        r.type,
        r.amountMinor,
        r.openMinor,
        r.glId,
        statusOf(r.openMinor),
        (plan.existing as LedgerItemRow).id,
      );
    }
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
    postJournal(db, {
      kind: 'ar_snapshot',
      at,
      effectiveDate: isoDate(now),
      idemKey: `ar_snapshot:${auditId}`,
      auditId,
      lines,
    });
  }
  return summary();
}
