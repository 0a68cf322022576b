import { createHash } from 'node:crypto';
import type { DdFileFormat } from '../../../src-shared/dto/directdebit';
import { writePain001 } from '../../bankfiles/iso20022/write-pain001';
import { pain008Blocks, writePain008 } from '../../bankfiles/iso20022/write-pain008';
import type { SequenceType } from '../../domain/mandate-rules';
import { renderNacha } from './render-ach';
import type { FileHeader, ItemSnapshot } from './select';

/** Everything a file's bytes are made of: the registry row and its items with their snapshots. */
export type RenderInput = {
  kind: 'debit' | 'credit';
  format: DdFileFormat;
  messageId: string;
  createdAt: string;
  collectionDate: string;
  currency: string;
  exponent: number;
  header: FileHeader;
  items: readonly {
    amountMinor: number;
    endToEndId: string;
    seqType: SequenceType | null;
    snapshot: ItemSnapshot;
  }[];
};

/** A rendered file: its text, sha256, and per item the PmtInfId (SEPA) or trace number (ACH) it went out with. */
export type Rendered = {
  text: string;
  sha256: string;
  paymentInfoIds: (string | null)[];
  traceNumbers: (string | null)[];
};

/** sha256 (hex) of a file's UTF-8 bytes. */
export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** File name of a written file: the message id and the format's extension. */
export function fileNameOf(messageId: string, format: DdFileFormat): string {
  return `${messageId}${format === 'nacha' ? '.ach' : '.xml'}`;
}

/**
 * Renders a file's bytes from its registry data only (pure and deterministic), so a file written by a
 * run and one regenerated later from bank_files_out + bank_file_items are byte-identical.
 */
export function renderFile(input: RenderInput): Rendered {
  const h = input.header;
  if (input.format === 'nacha') {
    if (h.scheme !== 'ach') throw new Error('a NACHA file needs an ACH header');
    const r = renderNacha(input, h);
    return { ...r, sha256: sha256Text(r.text), paymentInfoIds: input.items.map(() => null) };
  }
  if (h.scheme !== 'sepa') throw new Error('a SEPA file needs a SEPA header');
  if (input.format === 'pain.001.001.09') {
    const text = writePain001({
      messageId: input.messageId,
      createdAt: input.createdAt,
      executionDate: input.collectionDate,
      currency: input.currency,
      exponent: input.exponent,
      debtor: { name: h.name, iban: h.iban, bic: h.bic },
      transactions: input.items.map((i) => ({
        endToEndId: i.endToEndId,
        amountMinor: i.amountMinor,
        creditorName: i.snapshot.name,
        creditorIban: i.snapshot.iban ?? '',
        creditorBic: i.snapshot.bic,
        remittance: i.snapshot.remittance,
      })),
    });
    return {
      text,
      sha256: sha256Text(text),
      paymentInfoIds: input.items.map(() => `${input.messageId}-1`),
      traceNumbers: input.items.map(() => null),
    };
  }
  const transactions = input.items.map((i) => ({
    endToEndId: i.endToEndId,
    amountMinor: i.amountMinor,
    seqType: i.seqType ?? 'RCUR',
    localInstrument: i.snapshot.scheme === 'sepa_b2b' ? ('B2B' as const) : ('CORE' as const),
    mandateId: i.snapshot.reference ?? '',
    signedOn: i.snapshot.signedOn ?? '',
    amendment: i.snapshot.amendment,
    debtorName: i.snapshot.name,
    debtorIban: i.snapshot.iban ?? '',
    debtorBic: i.snapshot.bic,
    remittance: i.snapshot.remittance,
  }));
  const text = writePain008({
    version: input.format,
    messageId: input.messageId,
    createdAt: input.createdAt,
    collectionDate: input.collectionDate,
    currency: input.currency,
    exponent: input.exponent,
    creditor: { name: h.name, iban: h.iban, bic: h.bic, creditorId: h.creditorId },
    transactions,
  });
  const ids: (string | null)[] = input.items.map(() => null);
  for (const b of pain008Blocks(input.messageId, transactions))
    for (const i of b.indexes) ids[i] = b.paymentInfoId;
  return { text, sha256: sha256Text(text), paymentInfoIds: ids, traceNumbers: input.items.map(() => null) };
}
