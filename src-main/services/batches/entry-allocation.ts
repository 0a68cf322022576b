import type Database from 'better-sqlite3';
import { isPostedEntry, type EntryAllocationViewDto } from '../../../src-shared/dto/batches';
import { parseMinor } from '../../../src-shared/money';
import { allocationView } from '../../ledger/allocation';
import { writeAudit } from '../../ledger/audit';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { exponentOf } from '../../ledger/rates';
import { assertEditable, loadBatchRow, touchBatch } from './batch-store';
import { computeVerdicts } from './validate';

type EntryRow = {
  id: number;
  accountNo: string | null;
  billNo: string | null;
  allocationJson: string | null;
  status: string;
};

function loadEntry(db: Database.Database, batchId: number, entryId: number): EntryRow {
  const e = db
    .prepare(
      `SELECT id, account_no AS accountNo, bill_no AS billNo, allocation_json AS allocationJson, status FROM batch_entries WHERE id = ? AND batch_id = ?`,
    )
    .get(entryId, batchId) as EntryRow | undefined;
  if (!e) throw notFound('entry', String(entryId));
  return e;
}

/** The entry's verdict as validation would give it now (resolved account and converted amount). */
function currentVerdict(
  db: Database.Database,
  batchId: number,
  entryId: number,
): { accountId: number; accountAmountMinor: number } {
  const v = computeVerdicts(db, batchId).find((x) => x.id === entryId);
  if (!v || v.accountId === null || v.accountAmountMinor === null) {
    throw conflict(
      'entry-not-resolved',
      'the entry has no account yet (fix its account or bill number, then validate)',
    );
  }
  return { accountId: v.accountId, accountAmountMinor: v.accountAmountMinor };
}

/** What the allocation dialog needs for a batch entry before submit. */
export function entryAllocationView(
  db: Database.Database,
  input: { batchId: number; entryId: number },
): EntryAllocationViewDto {
  const batch = loadBatchRow(db, input.batchId);
  if (batch.batchType !== 'payment')
    throw conflict('not-allocatable', 'only payment batch entries are allocated');
  loadEntry(db, batch.id, input.entryId);
  const v = currentVerdict(db, batch.id, input.entryId);
  const accountNo = (
    db.prepare('SELECT account_no AS no FROM accounts WHERE id = ?').get(v.accountId) as { no: string }
  ).no;
  const entry = loadEntry(db, batch.id, input.entryId);
  const stored = entry.allocationJson
    ? (JSON.parse(entry.allocationJson) as {
        manual?: boolean;
        lines?: { targetId: number; amountMinor: number }[];
      })
    : null;
  const names =
    batch.allocationLevel === 'bill'
      ? db.prepare('SELECT bill_no AS n FROM bills WHERE id = ?')
      : db.prepare('SELECT item_no AS n FROM bill_items WHERE id = ?');
  const manual = stored?.manual
    ? (stored.lines ?? []).map((l) => {
        const n = (names.get(l.targetId) as { n: string } | undefined)?.n ?? '';
        return batch.allocationLevel === 'bill'
          ? { billNo: n, amountMinor: l.amountMinor }
          : { itemNo: n, amountMinor: l.amountMinor };
      })
    : [];
  return {
    view: allocationView(db, { accountNo }),
    entryId: entry.id,
    allocationLevel: batch.allocationLevel,
    amountMinor: v.accountAmountMinor,
    manual,
  };
}

/**
 * Sets (or clears, with no lines) the manual allocation of a batch entry before submit. A bill-level batch
 * takes bills, an item-level batch items (V2); targets must be open, payable and of the entry's account, and
 * the lines may not exceed what is open or the entry's amount. Validation runs again afterwards.
 */
export function allocateEntry(
  db: Database.Database,
  input: {
    batchId: number;
    entryId: number;
    bills?: { billNo: string; amount: string }[] | undefined;
    items?: { itemNo: string; amount: string }[] | undefined;
  },
  now: Date,
  operatorId: number | null,
): EntryAllocationViewDto {
  return db.transaction((): EntryAllocationViewDto => {
    const batch = loadBatchRow(db, input.batchId);
    assertEditable(batch);
    if (batch.batchType !== 'payment')
      throw conflict('not-allocatable', 'only payment batch entries are allocated');
    const entry = loadEntry(db, batch.id, input.entryId);
    if (isPostedEntry(entry.status)) throw conflict('entry-posted', `entry ${entry.id} is posted`);
    const bills = input.bills ?? [];
    const items = input.items ?? [];
    if (batch.allocationLevel === 'bill' && items.length)
      throw conflict('allocation-level', 'this batch is bill-level: allocate to bills, not items (V2)');
    if (batch.allocationLevel === 'item' && bills.length)
      throw conflict('allocation-level', 'this batch is item-level: allocate to items, not bills (V2)');
    const v = currentVerdict(db, batch.id, entry.id);
    const currency = (
      db.prepare('SELECT currency FROM accounts WHERE id = ?').get(v.accountId) as { currency: string }
    ).currency;
    const exponent = exponentOf(db, currency);
    const lines: { targetId: number; amountMinor: number }[] = [];
    const parse = (text: string, path: string): number => {
      const r = parseMinor(text, exponent);
      if (!r.ok) throw invalidFields(`${path}: ${r.error.reason}`, [{ path, message: r.error.reason }]);
      if (r.value <= 0)
        throw invalidFields(`${path}: an allocation must be positive`, [
          { path, message: 'must be positive' },
        ]);
      return r.value;
    };
    const target = (
      sql: string,
      key: string,
      what: string,
    ): { id: number; accountId: number; status: string; openMinor: number; paying: number } => {
      const t = db.prepare(sql).get(key) as
        { id: number; accountId: number; status: string; openMinor: number; paying: number } | undefined;
      if (!t) throw notFound(what, key);
      if (t.accountId !== v.accountId)
        throw conflict('other-account', `${what} ${key} belongs to another account`);
      if (t.status !== 'open') throw conflict('closed-target', `${what} ${key} is closed`);
      if (t.paying !== 1)
        throw conflict('nonpaying-bill-unit', `${what} ${key} belongs to a nonpaying bill unit (V7)`);
      return t;
    };
    bills.forEach((b, i) => {
      const amountMinor = parse(b.amount, `bills.${i}.amount`);
      const t = target(
        `SELECT b.id, b.account_id AS accountId, b.status, b.amount_due_minor AS openMinor, u.paying FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id WHERE b.bill_no = ?`,
        b.billNo.trim(),
        'bill',
      );
      if (amountMinor > t.openMinor)
        throw conflict('over-allocation', `bill ${b.billNo}: ${b.amount} is more than its amount due`);
      lines.push({ targetId: t.id, amountMinor });
    });
    items.forEach((it, i) => {
      const amountMinor = parse(it.amount, `items.${i}.amount`);
      const t = target(
        `SELECT i.id, i.account_id AS accountId, i.status, i.open_minor AS openMinor, u.paying FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id WHERE i.item_no = ?`,
        it.itemNo.trim(),
        'item',
      );
      if (amountMinor > t.openMinor)
        throw conflict('over-allocation', `item ${it.itemNo}: ${it.amount} is more than its open amount`);
      lines.push({ targetId: t.id, amountMinor });
    });
    if (new Set(lines.map((l) => l.targetId)).size !== lines.length)
      throw conflict('duplicate-target', 'each bill or item may appear once');
    const total = lines.reduce((s, l) => s + l.amountMinor, 0);
    if (total > v.accountAmountMinor)
      throw conflict(
        'over-allocation',
        `the lines allocate ${total} but the entry brings ${v.accountAmountMinor}`,
      );
    const json = lines.length ? JSON.stringify({ manual: true, lines }) : null;
    db.prepare(
      `UPDATE batch_entries SET allocation_json = ?, status = CASE WHEN status = 'invalid' THEN status ELSE 'new' END WHERE id = ?`,
    ).run(json, entry.id);
    touchBatch(db, batch.id, now);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: lines.length ? 'batch.entry.allocate' : 'batch.entry.allocate.clear',
      entity: 'batch_entry',
      entityId: String(entry.id),
      after: { lines },
    });
    return entryAllocationView(db, { batchId: batch.id, entryId: entry.id });
  })();
}
