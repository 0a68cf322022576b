import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';

/** One entry of a test statement: amount as decimal text, side, and what its transaction details carry. */
export type TestEntry = {
  amount: string;
  currency?: string;
  side: 'CRDT' | 'DBIT';
  status?: string;
  bookingDate?: string;
  ustrd?: string[];
  creditorRef?: string;
  endToEndId?: string;
  mandateId?: string;
  debtorName?: string;
  debtorIban?: string;
  /** RtrInf reason code (a returned payment). */
  returnCode?: string;
  returnText?: string;
  /** Bank transaction code family / sub-family (PMNT domain). */
  family?: string;
  subFamily?: string;
};

/** Options of a test camt document. */
export type TestCamt = {
  kind?: 'camt.053' | 'camt.054';
  version?: '02' | '08';
  msgId?: string;
  iban?: string;
  currency?: string;
  /** Statements (camt.053) or notifications (camt.054), each a list of entries. */
  blocks: TestEntry[][];
};

function entry(parent: XMLBuilder, e: TestEntry, v8: boolean, ccy: string): void {
  const n = parent.ele('Ntry');
  n.ele('Amt', { Ccy: e.currency ?? ccy }).txt(e.amount);
  n.ele('CdtDbtInd').txt(e.side);
  if (v8)
    n.ele('Sts')
      .ele('Cd')
      .txt(e.status ?? 'BOOK');
  else n.ele('Sts').txt(e.status ?? 'BOOK');
  n.ele('BookgDt')
    .ele('Dt')
    .txt(e.bookingDate ?? '2026-11-20');
  n.ele('ValDt')
    .ele('Dt')
    .txt(e.bookingDate ?? '2026-11-20');
  const dom = n.ele('BkTxCd').ele('Domn');
  dom.ele('Cd').txt('PMNT');
  const fm = dom.ele('Fmly');
  fm.ele('Cd').txt(e.family ?? (e.side === 'CRDT' ? 'RCDT' : 'IDDT'));
  fm.ele('SubFmlyCd').txt(e.subFamily ?? (e.side === 'CRDT' ? 'ESCT' : 'ESDD'));
  const tx = n.ele('NtryDtls').ele('TxDtls');
  if (e.endToEndId !== undefined || e.mandateId !== undefined) {
    const refs = tx.ele('Refs');
    if (e.endToEndId !== undefined) refs.ele('EndToEndId').txt(e.endToEndId);
    if (e.mandateId !== undefined) refs.ele('MndtId').txt(e.mandateId);
  }
  if (e.debtorName !== undefined || e.debtorIban !== undefined) {
    const rp = tx.ele('RltdPties');
    if (e.debtorName !== undefined) {
      if (v8) rp.ele('Dbtr').ele('Pty').ele('Nm').txt(e.debtorName);
      else rp.ele('Dbtr').ele('Nm').txt(e.debtorName);
    }
    if (e.debtorIban !== undefined) rp.ele('DbtrAcct').ele('Id').ele('IBAN').txt(e.debtorIban);
  }
  if (e.ustrd !== undefined || e.creditorRef !== undefined) {
    const rmt = tx.ele('RmtInf');
    for (const u of e.ustrd ?? []) rmt.ele('Ustrd').txt(u);
    if (e.creditorRef !== undefined) rmt.ele('Strd').ele('CdtrRefInf').ele('Ref').txt(e.creditorRef);
  }
  if (e.returnCode !== undefined) {
    const rtr = tx.ele('RtrInf');
    rtr.ele('Rsn').ele('Cd').txt(e.returnCode);
    if (e.returnText !== undefined) rtr.ele('AddtlInf').txt(e.returnText);
  }
}

/** A camt.053 statement or camt.054 notification built with xmlbuilder2 (schema-valid for v2 and v8). */
export function buildCamt(o: TestCamt): string {
  const kind = o.kind ?? 'camt.053';
  const version = o.version ?? '02';
  const v8 = version === '08';
  const ns = `urn:iso:std:iso:20022:tech:xsd:${kind}.001.${version}`;
  const ccy = o.currency ?? 'EUR';
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele(ns, 'Document');
  const root = doc.ele(kind === 'camt.053' ? 'BkToCstmrStmt' : 'BkToCstmrDbtCdtNtfctn');
  const hdr = root.ele('GrpHdr');
  hdr.ele('MsgId').txt(o.msgId ?? 'STMT-TEST-1');
  hdr.ele('CreDtTm').txt('2026-11-21T06:00:00');
  o.blocks.forEach((entries, i) => {
    const b = root.ele(kind === 'camt.053' ? 'Stmt' : 'Ntfctn');
    b.ele('Id').txt(`S-${i + 1}`);
    b.ele('CreDtTm').txt('2026-11-21T06:00:00');
    const acct = b.ele('Acct');
    acct
      .ele('Id')
      .ele('IBAN')
      .txt(o.iban ?? 'DE87123456781234567890');
    acct.ele('Ccy').txt(ccy);
    if (kind === 'camt.053') {
      for (const [code, ind] of [
        ['OPBD', 'CRDT'],
        ['CLBD', 'CRDT'],
      ] as const) {
        const bal = b.ele('Bal');
        bal.ele('Tp').ele('CdOrPrtry').ele('Cd').txt(code);
        bal.ele('Amt', { Ccy: ccy }).txt('0.00');
        bal.ele('CdtDbtInd').txt(ind);
        bal.ele('Dt').ele('Dt').txt('2026-11-20');
      }
    }
    for (const e of entries) entry(b, e, v8, ccy);
  });
  return doc.end({ prettyPrint: true });
}
