import type Database from 'better-sqlite3';
import { SUSPENSE_ACCOUNT_QUERY, suspendedInsertQuery } from '../../db/repos/journals';
import { paymentBySourceKeyQuery, paymentInsertQuery, type PostedBySource } from '../../db/repos/payments';
import type { Tx } from '../../db/storage/port';
import { applyItemLinesIn } from './allocation';
import { allocationWriter, billLineExpander, expandBillLinesIn } from './bulk-allocation';
import { assertSuspenseWithinCeilingIn } from './ceiling';
import { postJournalIn, type JournalLine } from './journal';
import { paymentPoster, type BulkPaymentRow, type PaymentPoster } from './payments';
import { suspendedPoster, type SuspendedPaymentRow, type SuspendedPoster } from './suspense-posting';

/** An allocation line decided by validation: a bill (bill-level batch) or an item (item-level batch). */
export type EntryAllocationLine = { targetId: number; billId: number; amountMinor: number };

/**
 * One batch entry to post: to its account (a payment with the allocation decided for it; bill-level lines are
 * spread over the bill's open items) or to the payment suspense account.
 */
export type EntryToPost =
  | {
      to: 'account';
      payment: BulkPaymentRow;
      level: 'bill' | 'item';
      lines: readonly EntryAllocationLine[];
    }
  | { to: 'suspense'; payment: SuspendedPaymentRow };

/**
 * What posting an entry did: where it went, the payment that holds it (found under the entry's key when it was
 * posted before), and whether it was posted now (`fresh`) or before.
 */
export type PostedEntry = { to: 'account' | 'suspense'; paymentId: number | null; fresh: boolean };

/** Posts entries chunk by chunk; `finish` writes the journal lines and moves items, bills and balances once. */
export type EntryPoster = {
  /** Posts a chunk of entries; returns what happened to each, in input order. */
  post(entries: readonly EntryToPost[]): PostedEntry[];
  /** Completes the postings (journal lines, allocated items and bills, account balances). */
  finish(): void;
};

/** Journal of an entry posting: entries to accounts post under `<idemKey>:payments`, to suspense under `<idemKey>:suspense`. */
export type EntryJournal = { idemKey: string; effectiveDate: string; auditId: number };

/**
 * The posting steps of batch entries, written once: the payment row, its journal (AR credit, CASH and FX
 * debit), the decided allocation (items and bills closed), or the suspended payment with its suspense journal.
 * All entries of one poster share one journal per destination, so a million-entry submit stays set-based.
 * Source keys make it idempotent: an entry posted before is reported with its payment and not posted again.
 * Runs inside the caller's transaction.
 */
export function entryPoster(
  db: Database.Database,
  journal: EntryJournal,
  at: string,
  operatorId: number | null,
): EntryPoster {
  let payments: PaymentPoster | null = null;
  let suspended: SuspendedPoster | null = null;
  const expand = billLineExpander(db);
  const allocations = allocationWriter(db, at, operatorId);
  const existing = db.prepare('SELECT id FROM payments WHERE source_key = ?').pluck();
  const earlier = (key: string): number | null => (existing.get(key) as number | undefined) ?? null;

  const post = (entries: readonly EntryToPost[]): PostedEntry[] => {
    const out: PostedEntry[] = new Array<PostedEntry>(entries.length);
    const toAccount: { i: number; e: Extract<EntryToPost, { to: 'account' }> }[] = [];
    const toSuspense: { i: number; e: Extract<EntryToPost, { to: 'suspense' }> }[] = [];
    entries.forEach((e, i) => (e.to === 'account' ? toAccount.push({ i, e }) : toSuspense.push({ i, e })));
    // Until the payment journal is open, entries posted before are answered without opening one (a repeat of
    // an entry must leave no empty journal behind); once it is open, the insert itself skips them.
    if (
      payments === null &&
      toAccount.length > 0 &&
      toAccount.every(({ e }) => earlier(e.payment.sourceKey) !== null)
    ) {
      for (const { i, e } of toAccount)
        out[i] = { to: 'account', paymentId: earlier(e.payment.sourceKey), fresh: false };
      toAccount.length = 0;
    }
    if (toAccount.length > 0) {
      payments ??= paymentPoster(
        db,
        {
          kind: 'payment',
          idemKey: `${journal.idemKey}:payments`,
          effectiveDate: journal.effectiveDate,
          auditId: journal.auditId,
        },
        at,
        operatorId,
      );
      const ids = payments.post(toAccount.map((x) => x.e.payment));
      // Bill-level lines go to the bill's open items in item order; later chunks see what earlier ones took.
      // One expansion per chunk (one read of the bills' items), in entry order.
      const billLevel = toAccount.filter(({ e }) => e.level === 'bill');
      const expanded =
        billLevel.length === 0
          ? []
          : expand(
              billLevel.map(({ e }) =>
                e.lines.map((l) => ({ billId: l.billId, amountMinor: l.amountMinor })),
              ),
            );
      let b = 0;
      const itemLines = toAccount.map(({ e }) =>
        e.level === 'bill'
          ? (expanded[b++] ?? [])
          : e.lines.map((l) => ({ itemId: l.targetId, billId: l.billId, amountMinor: l.amountMinor })),
      );
      allocations.write(
        toAccount.flatMap(({ e }, n) => {
          const id = ids[n];
          return id == null
            ? []
            : [
                {
                  paymentId: id,
                  accountId: e.payment.accountId,
                  ratePpm: e.payment.ratePpm,
                  lines: itemLines[n] ?? [],
                },
              ];
        }),
      );
      toAccount.forEach(({ i, e }, n) => {
        const id = ids[n];
        out[i] =
          id == null
            ? { to: 'account', paymentId: earlier(e.payment.sourceKey), fresh: false }
            : { to: 'account', paymentId: id, fresh: true };
      });
    }
    if (toSuspense.length > 0) {
      suspended ??= suspendedPoster(
        db,
        {
          idemKey: `${journal.idemKey}:suspense`,
          effectiveDate: journal.effectiveDate,
          auditId: journal.auditId,
        },
        at,
        operatorId,
      );
      const ids = suspended.post(toSuspense.map((x) => x.e.payment));
      toSuspense.forEach(({ i, e }, n) => {
        const id = ids[n];
        out[i] =
          id == null
            ? { to: 'suspense', paymentId: earlier(e.payment.sourceKey), fresh: false }
            : { to: 'suspense', paymentId: id, fresh: true };
      });
    }
    return out;
  };

  const finish = (): void => {
    allocations.finish();
    payments?.finish();
    suspended?.finish();
  };
  return { post, finish };
}

/**
 * Posts one batch entry (to its account with its allocation, or to suspense) inside the caller's transaction:
 * the one-entry form of entryPoster, used where each entry commits on its own (lock per account).
 */
export function postEntry(
  db: Database.Database,
  entry: EntryToPost,
  journal: EntryJournal,
  at: string,
  operatorId: number | null,
): PostedEntry {
  const poster = entryPoster(db, journal, at, operatorId);
  const [posted] = poster.post([entry]);
  poster.finish();
  return posted as PostedEntry;
}

/**
 * postEntry in a port transaction (SQLite or PostgreSQL): the same rows as the driver's one-entry poster (the
 * payment under the entry's key, its journal `<idemKey>:payments` with CASH, FX and AR lines, the allocation with
 * bill-level lines spread over the bill's open items; or the suspended payment with its `<idemKey>:suspense`
 * journal), written statement by statement. An entry posted before is answered with its payment.
 */
export async function postEntryIn(
  tx: Tx,
  entry: EntryToPost,
  journal: EntryJournal,
  at: string,
  operatorId: number | null,
): Promise<PostedEntry> {
  const earlier = await tx.get<PostedBySource>(paymentBySourceKeyQuery(entry.payment.sourceKey));
  if (earlier) return { to: entry.to, paymentId: earlier.id, fresh: false };
  const p = entry.payment;
  if (entry.to === 'suspense') {
    const s = entry.payment;
    const journalId = await postJournalIn(tx, {
      kind: 'suspense_in',
      at,
      effectiveDate: journal.effectiveDate,
      idemKey: `${journal.idemKey}:suspense`,
      auditId: journal.auditId,
      lines: [
        { gl: 'CASH', accountId: null, amountMinor: s.amountMinor, currency: s.currency },
        { gl: 'SUSPENSE', accountId: null, amountMinor: -s.amountMinor, currency: s.currency },
      ],
    });
    const suspense = await tx.get<{ id: number }>(SUSPENSE_ACCOUNT_QUERY);
    if (!suspense) throw new Error('the ledger has no payment suspense account');
    // The payment's insert trigger opens its queue row (its own case, state suspended, entered today).
    const row = await tx.get<{ id: number }>(
      suspendedInsertQuery(
        {
          kind: 'suspended',
          status: 15,
          reasonCode: s.reasonCode,
          amountMinor: s.amountMinor,
          currency: s.currency,
          effectiveDate: s.effectiveDate,
          payType: s.payType,
          channelId: s.channelId,
          externalRef: s.externalRef,
          billNo: s.billNo,
          accountHint: s.accountHint,
          actionOwner: null,
          payerName: s.payerName,
          batchId: s.batchId,
          parentPaymentId: null,
          sourceKey: s.sourceKey,
          journalId,
          rootId: 0,
          state: 'suspended',
          enteredOn: at.slice(0, 10),
        },
        suspense.id,
        at,
        operatorId,
      ),
    );
    await assertSuspenseWithinCeilingIn(tx, [s.currency]);
    return { to: 'suspense', paymentId: row!.id, fresh: true };
  }
  const a = entry.payment;
  const lines: JournalLine[] = [
    { gl: 'CASH', accountId: null, amountMinor: a.amountMinor, currency: a.currency },
  ];
  if (a.currency !== a.accountCurrency) {
    lines.push({ gl: 'FX', accountId: null, amountMinor: -a.amountMinor, currency: a.currency });
    lines.push({ gl: 'FX', accountId: null, amountMinor: a.accountAmountMinor, currency: a.accountCurrency });
  }
  lines.push({
    gl: 'AR',
    accountId: a.accountId,
    amountMinor: -a.accountAmountMinor,
    currency: a.accountCurrency,
  });
  const journalId = await postJournalIn(tx, {
    kind: 'payment',
    at,
    effectiveDate: journal.effectiveDate,
    idemKey: `${journal.idemKey}:payments`,
    auditId: journal.auditId,
    lines,
  });
  const row = await tx.get<{ id: number }>(
    paymentInsertQuery({ ...a, channelId: p.channelId, journalId, at, operatorId }),
  );
  const paymentId = row!.id;
  const itemLines =
    entry.level === 'bill'
      ? await expandBillLinesIn(
          tx,
          entry.lines.map((l) => ({ billId: l.billId, amountMinor: l.amountMinor })),
        )
      : entry.lines.map((l) => ({ itemId: l.targetId, billId: l.billId, amountMinor: l.amountMinor }));
  await applyItemLinesIn(
    tx,
    { id: paymentId, accountId: a.accountId, ratePpm: a.ratePpm },
    itemLines,
    at,
    operatorId,
  );
  return { to: 'account', paymentId, fresh: true };
}
