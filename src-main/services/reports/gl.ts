import { glRepo, type GlScope, type JournalPayment } from '../../../db/repos/reports-gl';
import type { Storage, Tx } from '../../../db/storage/port';
import type {
  GlLineDto,
  GlLinesDto,
  GlSummaryDto,
  GlSummaryRowDto,
  GlTotalsDto,
} from '../../../src-shared/dto/reports';

/** G/L ID of recycling to and from suspense: it has no ledger side of its own, so no row in gl_chart. */
export const GL_RECYCLED = 113;
/** The label of G/L 113. */
export const GL_RECYCLED_LABEL = 'Recycled payments (suspense)';

/**
 * A period of posting dates (inclusive, YYYY-MM-DD), optionally one currency, and the report filters that select
 * journals by what they posted: the operator who posted them (their audit row), and a batch, channel or pay type of
 * a payment they posted or reversed.
 */
export type GlPeriod = {
  from: string;
  to: string;
  currency?: string | undefined;
  operator?: string | undefined;
  batchId?: number | undefined;
  channelId?: number | undefined;
  payType?: number | undefined;
};

/** The day after a YYYY-MM-DD day. */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The journal scope of a period: every posting instant from the first day's start to the start of the day after. */
function scopeOf(p: GlPeriod): GlScope {
  return {
    start: p.from,
    end: nextDay(p.to),
    currency: p.currency,
    operator: p.operator,
    batchId: p.batchId,
    channelId: p.channelId,
    payType: p.payType,
  };
}

/** A sum as an exact number; one beyond 2^53 - 1 is refused, never rounded. */
function exact(v: bigint): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`a G/L sum (${String(v)}) is beyond 2^53 - 1 minor units`);
  return n;
}

/** The label of every G/L ID the chart knows, plus 113. */
export async function glLabels(tx: Tx): Promise<Map<number, string>> {
  const labels = new Map((await glRepo.labels(tx)).map((r) => [r.glId, r.label]));
  if (!labels.has(GL_RECYCLED)) labels.set(GL_RECYCLED, GL_RECYCLED_LABEL);
  return labels;
}

/** The label of a G/L ID: the chart's, 113's own, "Unmapped" for 0, else "G/L <id>". */
export function glLabel(labels: Map<number, string>, glId: number): string {
  return labels.get(glId) ?? (glId === 0 ? 'Unmapped (no G/L ID)' : `G/L ${glId}`);
}

type SumRow = { currency: string; debit: bigint; credit: bigint };

function totalsOf(rows: SumRow[]): GlTotalsDto[] {
  return rows.map((r) => ({
    currency: r.currency,
    debitMinor: exact(r.debit),
    creditMinor: exact(r.credit),
    netMinor: exact(r.debit - r.credit),
  }));
}

/**
 * Debits, credits and net per G/L ID and currency of the journal lines posted in a period (posting date, so a
 * back-dated payment never changes a closed period), with their grand totals per currency and the journal's own
 * totals of the same lines summed without the G/L mapping: `tiesOut` when they agree in every currency.
 */
export function glSummary(storage: Storage, p: GlPeriod): Promise<GlSummaryDto> {
  return storage.transaction((tx) => readGlSummary(tx, p), { readOnly: true });
}

/** The G/L summary, read in an open transaction. */
export async function readGlSummary(tx: Tx, p: GlPeriod): Promise<GlSummaryDto> {
  const scope = scopeOf(p);
  const rows = await glRepo.sums(tx, scope);
  const labels = await glLabels(tx);
  const out: GlSummaryRowDto[] = rows.map((r) => ({
    glId: r.glId,
    label: glLabel(labels, r.glId),
    currency: r.currency,
    debitMinor: r.debit,
    creditMinor: r.credit,
    netMinor: r.debit - r.credit,
    lines: r.lines,
  }));
  // Grand totals: the rows summed per currency, exactly.
  const grand = new Map<string, SumRow>();
  for (const r of rows) {
    const g = grand.get(r.currency) ?? { currency: r.currency, debit: 0n, credit: 0n };
    g.debit += BigInt(r.debit);
    g.credit += BigInt(r.credit);
    grand.set(r.currency, g);
  }
  const totals = totalsOf([...grand.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)));
  const journalTotals = totalsOf(
    (await glRepo.journalSums(tx, scope)).map((r) => ({
      currency: r.currency,
      debit: BigInt(r.debit),
      credit: BigInt(r.credit),
    })),
  );
  return {
    from: p.from,
    to: p.to,
    currency: p.currency ?? null,
    rows: out,
    totals,
    journalTotals,
    tiesOut: JSON.stringify(totals) === JSON.stringify(journalTotals),
  };
}

/** A drill-down request: one G/L ID's lines in a period (one currency or all), a page of them. */
export type GlLinesQuery = GlPeriod & { glId: number; offset: number; limit: number };

/**
 * The journal lines behind one G/L summary row, in posting order: journal kind and dates, ledger side, account
 * number, amount, currency, reason code and the payment the journal belongs to (a payment posted by it, or the
 * payment a reversal in it reverses), with the total count for paging.
 */
export function glLines(storage: Storage, q: GlLinesQuery): Promise<GlLinesDto> {
  return storage.transaction(
    async (tx) => {
      const scope = scopeOf(q);
      const total = await glRepo.lineCount(tx, scope, q.glId);
      const rows = await glRepo.lines(tx, scope, q.glId, q);
      const owners = await paymentsOfJournals(tx, [...new Set(rows.map((r) => r.journalId))]);
      // A SUSPENSE line carries no account: its payments sit on the suspense account.
      const suspenseId = (await glRepo.suspenseAccountId(tx)) ?? null;
      const accountOf = (r: { accountId: number | null; glAccount: string }): number | null =>
        r.accountId ?? (r.glAccount === 'SUSPENSE' ? suspenseId : null);
      return {
        glId: q.glId,
        currency: q.currency ?? null,
        rows: rows.map(({ accountId, ...r }): GlLineDto => ({
          ...r,
          paymentId: paymentOfLine(owners, r.journalId, accountOf({ accountId, glAccount: r.glAccount })),
        })),
        total,
      };
    },
    { readOnly: true },
  );
}

/** The payments posted by (payments.journal_id) or reversed in (reversals.journal_id) each of some journals. */
export async function paymentsOfJournals(
  tx: Tx,
  journalIds: number[],
): Promise<Map<number, JournalPayment[]>> {
  const out = new Map<number, JournalPayment[]>();
  if (journalIds.length === 0) return out;
  for (const r of await glRepo.paymentsOfJournals(tx, journalIds)) {
    const list = out.get(r.journalId) ?? [];
    list.push(r);
    out.set(r.journalId, list);
  }
  return out;
}

/**
 * The payment one journal line belongs to: the one payment of its journal on the line's account (or the journal's
 * only payment, for a line on no account); null when none or several fit.
 */
export function paymentOfLine(
  owners: Map<number, JournalPayment[]>,
  journalId: number,
  accountId: number | null,
): number | null {
  const all = owners.get(journalId) ?? [];
  const fit = accountId === null ? all : all.filter((p) => p.accountId === accountId);
  const ids = new Set((fit.length > 0 ? fit : all).map((p) => p.paymentId));
  return ids.size === 1 ? [...ids][0]! : null;
}
