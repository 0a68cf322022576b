import { writeNacha, type NachaEntryInput } from '../../bankfiles/nacha/write';
import type { FileHeader } from './select';
import type { RenderInput } from './render';

type AchHeader = Extract<FileHeader, { scheme: 'ach' }>;

/** NACHA alphanumeric fields: upper case, printable ASCII only, cut to the field width. */
function achText(text: string, max: number): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, ' ')
    .toUpperCase()
    .slice(0, max)
    .trimEnd();
}

/**
 * Renders a NACHA file from registry data: one batch per SEC code in item order (the run orders items so
 * each SEC code is contiguous), debit codes 27/37 or credit codes 22/32 by account type; returns the text
 * and each item's trace number as the writer assigned it.
 */
export function renderNacha(
  input: RenderInput,
  h: AchHeader,
): { text: string; traceNumbers: (string | null)[] } {
  const batches: { secCode: 'PPD' | 'CCD' | 'WEB' | 'TEL'; indexes: number[]; entries: NachaEntryInput[] }[] =
    [];
  input.items.forEach((item, i) => {
    const s = item.snapshot;
    const secCode = s.secCode ?? 'PPD';
    let batch = batches[batches.length - 1];
    if (!batch || batch.secCode !== secCode) batches.push((batch = { secCode, indexes: [], entries: [] }));
    const savings = s.accountType === 'savings';
    const transactionCode = input.kind === 'debit' ? (savings ? 37 : 27) : savings ? 32 : 22;
    batch.indexes.push(i);
    batch.entries.push({
      transactionCode,
      routingNo: s.routingNo ?? '',
      accountNo: s.accountNo ?? '',
      amountMinor: item.amountMinor,
      individualId: achText(s.individualId, 15),
      name: achText(s.name, 22),
    });
  });
  const out = writeNacha({
    immediateDestination: h.destinationRouting,
    immediateDestinationName: achText(h.destinationName, 23),
    immediateOrigin: h.originId,
    immediateOriginName: achText(h.originName, 23),
    createdAt: input.createdAt,
    fileIdModifier: h.fileIdModifier,
    batches: batches.map((b) => ({
      secCode: b.secCode,
      companyName: achText(h.companyName, 16),
      companyId: h.companyId,
      entryDescription: achText(h.entryDescription, 10),
      effectiveDate: input.collectionDate,
      odfiRouting: h.odfiRouting,
      entries: b.entries,
    })),
  });
  const traces: (string | null)[] = input.items.map(() => null);
  batches.forEach((b, bi) => b.indexes.forEach((i, ei) => (traces[i] = out.traceNumbers[bi]?.[ei] ?? null)));
  return { text: out.text, traceNumbers: traces };
}
