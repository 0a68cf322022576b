import { isPostedEntry, type EntryAllocationViewDto } from '../../../src-shared/dto/batches';
import { parseMinor } from '../../../src-shared/money';
import { appendAudit } from '../../../db/repos/audit';
import { batchTouchQuery } from '../../../db/repos/batches';
import {
  accountNoQuery,
  allocEntryQuery,
  entryAllocationUpdateQuery,
  targetByNoQuery,
  targetNoQuery,
} from '../../../db/repos/validation';
import type { Storage, Tx } from '../../../db/storage/port';
import { allocationViewIn } from '../../ledger/allocation';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { exponentOfIn } from '../../ledger/rates';
import { assertEditable, loadBatchRowIn, lockedBatchRowIn } from './batch-store';
import { computeVerdictsIn } from './validate';

// A batch entry's allocation dialog runs through the storage port (issue #17). The entry's verdict is computed as
// validation would give it now, which writes validation's keys copy (a temporary table): both databases refuse that
// in a read-only transaction, so the view reads in a serializable one (one snapshot, as a read-only one would be;
// on SQLite it takes the writer's turn).
// The set reads the entry, its verdict and the targets before it writes: serializable, so two clerks at once take
// turns and the later one's lines are what the entry keeps, checked against what the earlier left.

const SNAPSHOT = { serializable: true } as const;
const WRITE = { serializable: true } as const;

type EntryRow = {
  id: number;
  accountNo: string | null;
  billNo: string | null;
  allocationJson: string | null;
  status: string;
};

async function loadEntryIn(tx: Tx, batchId: number, entryId: number): Promise<EntryRow> {
  const e = await tx.get<EntryRow>(allocEntryQuery(batchId, entryId));
  if (!e) throw notFound('entry', String(entryId));
  return e;
}

/** The entry's verdict as validation would give it now (resolved account and converted amount). */
async function currentVerdictIn(
  tx: Tx,
  batchId: number,
  entryId: number,
): Promise<{ accountId: number; accountAmountMinor: number }> {
  const v = (await computeVerdictsIn(tx, batchId)).find((x) => x.id === entryId);
  if (!v || v.accountId === null || v.accountAmountMinor === null) {
    throw conflict(
      'entry-not-resolved',
      'the entry has no account yet (fix its account or bill number, then validate)',
    );
  }
  return { accountId: v.accountId, accountAmountMinor: v.accountAmountMinor };
}

async function entryAllocationViewIn(
  tx: Tx,
  input: { batchId: number; entryId: number },
): Promise<EntryAllocationViewDto> {
  const batch = await loadBatchRowIn(tx, input.batchId);
  if (batch.batchType !== 'payment')
    throw conflict('not-allocatable', 'only payment batch entries are allocated');
  const entry = await loadEntryIn(tx, batch.id, input.entryId);
  const v = await currentVerdictIn(tx, batch.id, input.entryId);
  const { accountNo } = (await tx.get<{ accountNo: string }>(accountNoQuery(v.accountId)))!;
  const stored = entry.allocationJson
    ? (JSON.parse(entry.allocationJson) as {
        manual?: boolean;
        lines?: { targetId: number; amountMinor: number }[];
      })
    : null;
  const manual: EntryAllocationViewDto['manual'] = [];
  if (stored?.manual)
    for (const l of stored.lines ?? []) {
      const n = (await tx.get<{ n: string }>(targetNoQuery(batch.allocationLevel, l.targetId)))?.n ?? '';
      manual.push(
        batch.allocationLevel === 'bill'
          ? { billNo: n, amountMinor: l.amountMinor }
          : { itemNo: n, amountMinor: l.amountMinor },
      );
    }
  return {
    view: await allocationViewIn(tx, { accountNo }),
    entryId: entry.id,
    allocationLevel: batch.allocationLevel,
    amountMinor: v.accountAmountMinor,
    manual,
  };
}

/** What the allocation dialog needs for a batch entry before submit (`batches:entry-allocation`). */
export function entryAllocationView(
  storage: Storage,
  input: { batchId: number; entryId: number },
): Promise<EntryAllocationViewDto> {
  return storage.transaction((tx) => entryAllocationViewIn(tx, input), SNAPSHOT);
}

type Target = { id: number; accountId: number; status: string; openMinor: number; paying: number };

/**
 * Sets (or clears, with no lines) the manual allocation of a batch entry before submit
 * (`batches:allocate-entry`). A bill-level batch takes bills, an item-level batch items (V2); targets must be
 * open, payable and of the entry's account, and the lines may not exceed what is open or the entry's amount.
 * Validation runs again afterwards.
 */
export function allocateEntry(
  storage: Storage,
  input: {
    batchId: number;
    entryId: number;
    bills?: { billNo: string; amount: string }[] | undefined;
    items?: { itemNo: string; amount: string }[] | undefined;
  },
  now: Date,
  operatorId: number | null,
): Promise<EntryAllocationViewDto> {
  return storage.transaction(async (tx): Promise<EntryAllocationViewDto> => {
    const batch = await lockedBatchRowIn(tx, input.batchId);
    assertEditable(batch);
    if (batch.batchType !== 'payment')
      throw conflict('not-allocatable', 'only payment batch entries are allocated');
    const entry = await loadEntryIn(tx, batch.id, input.entryId);
    if (isPostedEntry(entry.status)) throw conflict('entry-posted', `entry ${entry.id} is posted`);
    const bills = input.bills ?? [];
    const items = input.items ?? [];
    if (batch.allocationLevel === 'bill' && items.length)
      throw conflict('allocation-level', 'this batch is bill-level: allocate to bills, not items (V2)');
    if (batch.allocationLevel === 'item' && bills.length)
      throw conflict('allocation-level', 'this batch is item-level: allocate to items, not bills (V2)');
    const v = await currentVerdictIn(tx, batch.id, entry.id);
    const { currency } = (await tx.get<{ currency: string }>(accountNoQuery(v.accountId)))!;
    const exponent = await exponentOfIn(tx, currency);
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
    const target = async (level: 'bill' | 'item', key: string): Promise<Target> => {
      const t = await tx.get<Target>(targetByNoQuery(level, key));
      if (!t) throw notFound(level, key);
      if (t.accountId !== v.accountId)
        throw conflict('other-account', `${level} ${key} belongs to another account`);
      if (t.status !== 'open') throw conflict('closed-target', `${level} ${key} is closed`);
      if (t.paying !== 1)
        throw conflict('nonpaying-bill-unit', `${level} ${key} belongs to a nonpaying bill unit (V7)`);
      return t;
    };
    for (const [i, b] of bills.entries()) {
      const amountMinor = parse(b.amount, `bills.${i}.amount`);
      const t = await target('bill', b.billNo.trim());
      if (amountMinor > t.openMinor)
        throw conflict('over-allocation', `bill ${b.billNo}: ${b.amount} is more than its amount due`);
      lines.push({ targetId: t.id, amountMinor });
    }
    for (const [i, it] of items.entries()) {
      const amountMinor = parse(it.amount, `items.${i}.amount`);
      const t = await target('item', it.itemNo.trim());
      if (amountMinor > t.openMinor)
        throw conflict('over-allocation', `item ${it.itemNo}: ${it.amount} is more than its open amount`);
      lines.push({ targetId: t.id, amountMinor });
    }
    if (new Set(lines.map((l) => l.targetId)).size !== lines.length)
      throw conflict('duplicate-target', 'each bill or item may appear once');
    const total = lines.reduce((s, l) => s + l.amountMinor, 0);
    if (total > v.accountAmountMinor)
      throw conflict(
        'over-allocation',
        `the lines allocate ${total} but the entry brings ${v.accountAmountMinor}`,
      );
    const at = now.toISOString();
    await tx.run(
      entryAllocationUpdateQuery(entry.id, lines.length ? JSON.stringify({ manual: true, lines }) : null),
    );
    await tx.run(batchTouchQuery(batch.id, at));
    await appendAudit(tx, {
      at,
      operatorId,
      action: lines.length ? 'batch.entry.allocate' : 'batch.entry.allocate.clear',
      entity: 'batch_entry',
      entityId: String(entry.id),
      after: { lines },
    });
    return entryAllocationViewIn(tx, { batchId: batch.id, entryId: entry.id });
  }, WRITE);
}
