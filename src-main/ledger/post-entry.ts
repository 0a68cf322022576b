import type Database from 'better-sqlite3';
import { allocationWriter, billLineExpander } from './bulk-allocation';
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
