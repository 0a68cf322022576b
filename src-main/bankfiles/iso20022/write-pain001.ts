import { createCB } from 'xmlbuilder2';
import { decimalText, EPC_NAME_MAX, EPC_REMITTANCE_MAX, epcId, epcText, isoDateTimeText } from './epc-text';

/** One credit transfer out (a refund to the debtor's IBAN). */
export type Pain001Transaction = {
  endToEndId: string;
  amountMinor: number;
  creditorName: string;
  creditorIban: string;
  creditorBic?: string | null | undefined;
  remittance?: string | null | undefined;
};

/** Everything a pain.001.001.09 file is made of (deterministic: same input, same bytes). */
export type Pain001Input = {
  messageId: string;
  createdAt: string;
  executionDate: string;
  currency: string;
  exponent: number;
  /** Who pays: the desk's own account (the creditor of the direct debits). */
  debtor: { name: string; iban: string; bic?: string | null | undefined };
  transactions: readonly Pain001Transaction[];
};

/** The single PmtInf id of a pain.001 file written here. */
export function pain001PaymentInfoId(messageId: string): string {
  return `${messageId}-1`;
}

type Writer = ReturnType<typeof createCB>;

function leaf(w: Writer, name: string, text: string): void {
  w.ele(name).txt(text).up();
}

function agent(w: Writer, name: string, bic: string | null | undefined): void {
  w.ele(name).ele('FinInstnId');
  if (bic) leaf(w, 'BICFI', bic);
  else w.ele('Othr').ele('Id').txt('NOTPROVIDED').up().up();
  w.up().up();
}

function ibanAccount(w: Writer, name: string, iban: string): void {
  w.ele(name).ele('Id');
  leaf(w, 'IBAN', iban);
  w.up().up();
}

/**
 * Writes a SEPA credit transfer initiation pain.001.001.09 (one PmtInf, PmtMtd TRF, SvcLvl SEPA, ChrgBr
 * SLEV, ReqdExctnDt/Dt) with NbOfTxs and CtrlSum at group and payment level, amounts as decimal text from
 * minor units, names in the EPC character set (≤ 70).
 */
export function writePain001(input: Pain001Input): string {
  let total = 0;
  input.transactions.forEach((t, i) => {
    if (!Number.isSafeInteger(t.amountMinor) || t.amountMinor <= 0)
      throw new RangeError(`transactions[${i}].amountMinor ${t.amountMinor} must be a positive integer`);
    total += t.amountMinor;
  });
  if (!Number.isSafeInteger(total)) throw new RangeError('the control sum is too large');
  const amount = (minor: number): string => decimalText(minor, input.exponent);
  const msgId = epcId('MsgId', input.messageId);
  const debtorName = epcText('debtor name', input.debtor.name, EPC_NAME_MAX);
  const chunks: string[] = [];
  const w = createCB({ data: (c: string) => chunks.push(c), prettyPrint: true });
  w.dec({ version: '1.0', encoding: 'UTF-8' });
  w.ele('urn:iso:std:iso:20022:tech:xsd:pain.001.001.09', 'Document').ele('CstmrCdtTrfInitn');
  w.ele('GrpHdr');
  leaf(w, 'MsgId', msgId);
  leaf(w, 'CreDtTm', isoDateTimeText(input.createdAt));
  leaf(w, 'NbOfTxs', String(input.transactions.length));
  leaf(w, 'CtrlSum', amount(total));
  w.ele('InitgPty');
  leaf(w, 'Nm', debtorName);
  w.up().up();
  w.ele('PmtInf');
  leaf(w, 'PmtInfId', pain001PaymentInfoId(msgId));
  leaf(w, 'PmtMtd', 'TRF');
  leaf(w, 'NbOfTxs', String(input.transactions.length));
  leaf(w, 'CtrlSum', amount(total));
  w.ele('PmtTpInf').ele('SvcLvl');
  leaf(w, 'Cd', 'SEPA');
  w.up().up();
  w.ele('ReqdExctnDt');
  leaf(w, 'Dt', input.executionDate);
  w.up();
  w.ele('Dbtr');
  leaf(w, 'Nm', debtorName);
  w.up();
  ibanAccount(w, 'DbtrAcct', input.debtor.iban);
  agent(w, 'DbtrAgt', input.debtor.bic);
  leaf(w, 'ChrgBr', 'SLEV');
  input.transactions.forEach((t, i) => {
    const at = `transactions[${i}]`;
    w.ele('CdtTrfTxInf').ele('PmtId');
    leaf(w, 'EndToEndId', epcId(`${at}.endToEndId`, t.endToEndId));
    w.up().ele('Amt');
    w.ele('InstdAmt', { Ccy: input.currency }).txt(amount(t.amountMinor)).up();
    w.up();
    if (t.creditorBic) agent(w, 'CdtrAgt', t.creditorBic);
    w.ele('Cdtr');
    leaf(w, 'Nm', epcText(`${at}.creditorName`, t.creditorName, EPC_NAME_MAX));
    w.up();
    ibanAccount(w, 'CdtrAcct', t.creditorIban);
    if (t.remittance) {
      w.ele('RmtInf');
      leaf(w, 'Ustrd', epcText(`${at}.remittance`, t.remittance, EPC_REMITTANCE_MAX));
      w.up();
    }
    w.up();
  });
  w.up().up().up();
  w.end();
  return chunks.join('');
}
