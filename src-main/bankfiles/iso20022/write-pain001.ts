import { decimalText, EPC_NAME_MAX, EPC_REMITTANCE_MAX, epcId, epcText, isoDateTimeText } from './epc-text';
import { XML } from './write-pain008';

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

type Node = Record<string, unknown>;

const agent = (bic: string | null | undefined): Node => ({
  FinInstnId: bic ? { BICFI: bic } : { Othr: { Id: 'NOTPROVIDED' } },
});
const ibanAccount = (iban: string): Node => ({ Id: { IBAN: iban } });

/**
 * Writes a SEPA credit transfer initiation pain.001.001.09 (one PmtInf, PmtMtd TRF, SvcLvl SEPA, ChrgBr
 * SLEV, ReqdExctnDt/Dt) with NbOfTxs and CtrlSum at group and payment level, amounts as decimal text from
 * minor units, names in the EPC character set (≤ 70); serialised like pain.008 (XMLBuilder).
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
  const txs = input.transactions.map((t, i) => {
    const at = `transactions[${i}]`;
    const tx: Node = {
      PmtId: { EndToEndId: epcId(`${at}.endToEndId`, t.endToEndId) },
      Amt: { InstdAmt: { '#text': amount(t.amountMinor), '@_Ccy': input.currency } },
    };
    if (t.creditorBic) tx.CdtrAgt = agent(t.creditorBic);
    tx.Cdtr = { Nm: epcText(`${at}.creditorName`, t.creditorName, EPC_NAME_MAX) };
    tx.CdtrAcct = ibanAccount(t.creditorIban);
    if (t.remittance) tx.RmtInf = { Ustrd: epcText(`${at}.remittance`, t.remittance, EPC_REMITTANCE_MAX) };
    return tx;
  });
  return XML.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    Document: {
      '@_xmlns': 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09',
      CstmrCdtTrfInitn: {
        GrpHdr: {
          MsgId: msgId,
          CreDtTm: isoDateTimeText(input.createdAt),
          NbOfTxs: String(input.transactions.length),
          CtrlSum: amount(total),
          InitgPty: { Nm: debtorName },
        },
        PmtInf: {
          PmtInfId: pain001PaymentInfoId(msgId),
          PmtMtd: 'TRF',
          NbOfTxs: String(input.transactions.length),
          CtrlSum: amount(total),
          PmtTpInf: { SvcLvl: { Cd: 'SEPA' } },
          ReqdExctnDt: { Dt: input.executionDate },
          Dbtr: { Nm: debtorName },
          DbtrAcct: ibanAccount(input.debtor.iban),
          DbtrAgt: agent(input.debtor.bic),
          ChrgBr: 'SLEV',
          CdtTrfTxInf: txs,
        },
      },
    },
  });
}
