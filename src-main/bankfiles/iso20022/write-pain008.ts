import { createCB } from 'xmlbuilder2';
import type { SequenceType } from '../../domain/mandate-rules';
import { decimalText, EPC_NAME_MAX, EPC_REMITTANCE_MAX, epcId, epcText, isoDateTimeText } from './epc-text';

/** The pain.008 versions Paydesk writes (FORMATS.md §1.2: .08 says BICFI where .02 says BIC). */
export type Pain008Version = 'pain.008.001.08' | 'pain.008.001.02';

/** A mandate amendment presented with the next collection (AmdmntInfDtls). */
export type MandateAmendment = {
  originalReference?: string | undefined;
  originalIban?: string | undefined;
  /** The debtor moved to another bank (OrgnlDbtrAgt/FinInstnId/Othr/Id = SMNDA). */
  smnda?: boolean | undefined;
  originalCreditorId?: string | undefined;
  originalCreditorName?: string | undefined;
};

/** One direct debit: a bill collected under a mandate. */
export type Pain008Transaction = {
  endToEndId: string;
  amountMinor: number;
  seqType: SequenceType;
  localInstrument: 'CORE' | 'B2B';
  mandateId: string;
  signedOn: string;
  amendment?: MandateAmendment | null | undefined;
  debtorName: string;
  debtorIban: string;
  debtorBic?: string | null | undefined;
  remittance?: string | null | undefined;
};

/** Everything a pain.008 file is made of; the writer adds nothing that is not here (deterministic). */
export type Pain008Input = {
  version: Pain008Version;
  messageId: string;
  /** ISO timestamp stored with the file, written as CreDtTm. */
  createdAt: string;
  collectionDate: string;
  currency: string;
  /** Fraction digits of the currency (2 for EUR). */
  exponent: number;
  creditor: { name: string; iban: string; bic?: string | null | undefined; creditorId: string };
  /** Transactions in file order; they are grouped into PmtInf blocks by local instrument and sequence type. */
  transactions: readonly Pain008Transaction[];
};

/** One PmtInf block: its id, type and the indexes (into the input's transactions) it holds. */
export type Pain008Block = {
  paymentInfoId: string;
  localInstrument: 'CORE' | 'B2B';
  seqType: SequenceType;
  indexes: number[];
  controlSumMinor: number;
};

const INSTRUMENT_ORDER = ['CORE', 'B2B'] as const;
const SEQ_ORDER: readonly SequenceType[] = ['FRST', 'RCUR', 'FNAL', 'OOFF'];

/**
 * The PmtInf blocks of a file: one per local instrument and sequence type that occurs (CORE before B2B,
 * then FRST, RCUR, FNAL, OOFF), numbered `<MsgId>-1`, `<MsgId>-2`, ...; transactions keep their input order.
 */
export function pain008Blocks(
  messageId: string,
  transactions: readonly Pick<Pain008Transaction, 'seqType' | 'localInstrument' | 'amountMinor'>[],
): Pain008Block[] {
  const blocks: Pain008Block[] = [];
  for (const instrument of INSTRUMENT_ORDER)
    for (const seq of SEQ_ORDER) {
      const indexes: number[] = [];
      let sum = 0;
      transactions.forEach((t, i) => {
        if (t.localInstrument === instrument && t.seqType === seq) {
          indexes.push(i);
          sum += t.amountMinor;
        }
      });
      if (indexes.length > 0)
        blocks.push({
          paymentInfoId: `${messageId}-${blocks.length + 1}`,
          localInstrument: instrument,
          seqType: seq,
          indexes,
          controlSumMinor: sum,
        });
    }
  return blocks;
}

type Writer = ReturnType<typeof createCB>;

/** `<name>text</name>`. */
function leaf(w: Writer, name: string, text: string): void {
  w.ele(name).txt(text).up();
}

/** FinInstnId with the BIC (BIC in .02, BICFI in .08), or Othr/Id NOTPROVIDED when there is none. */
function agent(w: Writer, name: string, bic: string | null | undefined, bicTag: string): void {
  w.ele(name).ele('FinInstnId');
  if (bic) leaf(w, bicTag, bic);
  else w.ele('Othr').ele('Id').txt('NOTPROVIDED').up().up();
  w.up().up();
}

function ibanAccount(w: Writer, name: string, iban: string): void {
  w.ele(name).ele('Id');
  leaf(w, 'IBAN', iban);
  w.up().up();
}

/** CdtrSchmeId-shaped party: Nm?, then Id/PrvtId/Othr/{Id, SchmeNm/Prtry=SEPA}. */
function schemeId(w: Writer, name: string, creditorId: string | undefined, creditorName?: string): void {
  w.ele(name);
  if (creditorName !== undefined) leaf(w, 'Nm', creditorName);
  if (creditorId !== undefined) {
    w.ele('Id').ele('PrvtId').ele('Othr');
    leaf(w, 'Id', creditorId);
    w.ele('SchmeNm');
    leaf(w, 'Prtry', 'SEPA');
    w.up().up().up().up();
  }
  w.up();
}

/** Checks the money of a file: positive whole minor units, totals within a safe integer. */
function checkAmounts(input: Pain008Input): number {
  let total = 0;
  input.transactions.forEach((t, i) => {
    if (!Number.isSafeInteger(t.amountMinor) || t.amountMinor <= 0)
      throw new RangeError(`transactions[${i}].amountMinor ${t.amountMinor} must be a positive integer`);
    total += t.amountMinor;
  });
  if (!Number.isSafeInteger(total)) throw new RangeError('the control sum is too large');
  return total;
}

/**
 * Writes a SEPA direct-debit initiation (pain.008.001.08 or .02) with xmlbuilder2's streaming builder:
 * GrpHdr with NbOfTxs/CtrlSum, one PmtInf per local instrument and sequence type (SvcLvl SEPA, ChrgBr SLEV,
 * CdtrSchmeId SEPA) with its own NbOfTxs/CtrlSum, and each debit with its mandate (and amendment). Pure and
 * deterministic: the same input gives the same bytes. Names are transliterated to the EPC set and cut to 70;
 * text that cannot be transliterated throws EpcTextError.
 */
export function writePain008(input: Pain008Input): string {
  const total = checkAmounts(input);
  const bicTag = input.version === 'pain.008.001.08' ? 'BICFI' : 'BIC';
  const ns = `urn:iso:std:iso:20022:tech:xsd:${input.version}`;
  const msgId = epcId('MsgId', input.messageId);
  const creditorName = epcText('creditor name', input.creditor.name, EPC_NAME_MAX);
  const amount = (minor: number): string => decimalText(minor, input.exponent);
  const chunks: string[] = [];
  const w = createCB({ data: (c: string) => chunks.push(c), prettyPrint: true });
  w.dec({ version: '1.0', encoding: 'UTF-8' });
  w.ele(ns, 'Document').ele('CstmrDrctDbtInitn');
  w.ele('GrpHdr');
  leaf(w, 'MsgId', msgId);
  leaf(w, 'CreDtTm', isoDateTimeText(input.createdAt));
  leaf(w, 'NbOfTxs', String(input.transactions.length));
  leaf(w, 'CtrlSum', amount(total));
  w.ele('InitgPty');
  leaf(w, 'Nm', creditorName);
  w.up().up();
  for (const block of pain008Blocks(msgId, input.transactions)) {
    w.ele('PmtInf');
    leaf(w, 'PmtInfId', block.paymentInfoId);
    leaf(w, 'PmtMtd', 'DD');
    leaf(w, 'NbOfTxs', String(block.indexes.length));
    leaf(w, 'CtrlSum', amount(block.controlSumMinor));
    w.ele('PmtTpInf').ele('SvcLvl');
    leaf(w, 'Cd', 'SEPA');
    w.up().ele('LclInstrm');
    leaf(w, 'Cd', block.localInstrument);
    w.up();
    leaf(w, 'SeqTp', block.seqType);
    w.up();
    leaf(w, 'ReqdColltnDt', input.collectionDate);
    w.ele('Cdtr');
    leaf(w, 'Nm', creditorName);
    w.up();
    ibanAccount(w, 'CdtrAcct', input.creditor.iban);
    agent(w, 'CdtrAgt', input.creditor.bic, bicTag);
    leaf(w, 'ChrgBr', 'SLEV');
    schemeId(w, 'CdtrSchmeId', input.creditor.creditorId);
    for (const i of block.indexes) writeDebit(w, input.transactions[i]!, i, amount, input.currency, bicTag);
    w.up();
  }
  w.up().up();
  w.end();
  return chunks.join('');
}

function writeDebit(
  w: Writer,
  t: Pain008Transaction,
  i: number,
  amount: (minor: number) => string,
  currency: string,
  bicTag: string,
): void {
  const at = `transactions[${i}]`;
  w.ele('DrctDbtTxInf').ele('PmtId');
  leaf(w, 'EndToEndId', epcId(`${at}.endToEndId`, t.endToEndId));
  w.up();
  w.ele('InstdAmt', { Ccy: currency }).txt(amount(t.amountMinor)).up();
  w.ele('DrctDbtTx').ele('MndtRltdInf');
  leaf(w, 'MndtId', epcId(`${at}.mandateId`, t.mandateId));
  leaf(w, 'DtOfSgntr', t.signedOn);
  const a = t.amendment;
  const amended =
    !!a &&
    (a.originalReference !== undefined ||
      a.originalIban !== undefined ||
      a.smnda === true ||
      a.originalCreditorId !== undefined ||
      a.originalCreditorName !== undefined);
  leaf(w, 'AmdmntInd', amended ? 'true' : 'false');
  if (amended && a) {
    w.ele('AmdmntInfDtls');
    if (a.originalReference !== undefined)
      leaf(w, 'OrgnlMndtId', epcId(`${at}.amendment.originalReference`, a.originalReference));
    if (a.originalCreditorId !== undefined || a.originalCreditorName !== undefined)
      schemeId(
        w,
        'OrgnlCdtrSchmeId',
        a.originalCreditorId,
        a.originalCreditorName === undefined
          ? undefined
          : epcText(`${at}.amendment.originalCreditorName`, a.originalCreditorName, EPC_NAME_MAX),
      );
    if (a.originalIban !== undefined && a.smnda !== true) ibanAccount(w, 'OrgnlDbtrAcct', a.originalIban);
    if (a.smnda === true) {
      w.ele('OrgnlDbtrAgt').ele('FinInstnId').ele('Othr');
      leaf(w, 'Id', 'SMNDA');
      w.up().up().up();
    }
    w.up();
  }
  w.up().up();
  agent(w, 'DbtrAgt', t.debtorBic, bicTag);
  w.ele('Dbtr');
  leaf(w, 'Nm', epcText(`${at}.debtorName`, t.debtorName, EPC_NAME_MAX));
  w.up();
  ibanAccount(w, 'DbtrAcct', t.debtorIban);
  if (t.remittance) {
    w.ele('RmtInf');
    leaf(w, 'Ustrd', epcText(`${at}.remittance`, t.remittance, EPC_REMITTANCE_MAX));
    w.up();
  }
  w.up();
}
