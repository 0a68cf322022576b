import type { AllocationRowDto } from '../../../../src-shared/dto/allocation';

/** One line an undo would reverse. */
export type UndoLine = { billNo: string; itemNo: string; amountMinor: number };

/** What an undo would reverse: the net allocation per bill and item (undo rows already cancel earlier ones). */
export function netByItem(rows: readonly AllocationRowDto[]): UndoLine[] {
  const net = new Map<string, UndoLine>();
  for (const r of rows) {
    const key = `${r.billNo ?? ''}\u0000${r.itemNo ?? ''}`;
    const cur = net.get(key) ?? { billNo: r.billNo ?? '—', itemNo: r.itemNo ?? '—', amountMinor: 0 };
    cur.amountMinor += r.amountMinor;
    net.set(key, cur);
  }
  return [...net.values()].filter((n) => n.amountMinor !== 0);
}
