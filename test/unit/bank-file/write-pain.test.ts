import { XMLParser } from 'fast-xml-parser';
import SEPA from 'sepa';
import { describe, expect, it } from 'vitest';
import {
  decimalText,
  EpcTextError,
  epcIdProblem,
  toEpcText,
} from '../../../src-main/bankfiles/iso20022/epc-text';
import { writePain001, type Pain001Input } from '../../../src-main/bankfiles/iso20022/write-pain001';
import {
  pain008Blocks,
  writePain008,
  type Pain008Input,
  type Pain008Transaction,
} from '../../../src-main/bankfiles/iso20022/write-pain008';
import { tempXml, validateBoth } from '../../helpers/xsd';

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  removeNSPrefix: true,
  isArray: (name) => ['PmtInf', 'DrctDbtTxInf', 'CdtTrfTxInf'].includes(name),
});

type Node = Record<string, unknown>;
const doc = (xml: string, root: string): Node => ((parser.parse(xml) as Node).Document as Node)[root] as Node;

const CREDITOR = {
  name: 'Paydesk Energie GmbH',
  iban: 'DE87123456781234567890',
  bic: 'XMPLDEM0XXX',
  creditorId: 'DE98ZZZ09999999999',
};

function tx(i: number, over: Partial<Pain008Transaction> = {}): Pain008Transaction {
  return {
    endToEndId: `E2E-${i}`,
    amountMinor: 1000 + i * 7,
    seqType: 'RCUR',
    localInstrument: 'CORE',
    mandateId: `MNDT-${String(i).padStart(4, '0')}`,
    signedOn: '2024-01-15',
    debtorName: `Debtor ${i}`,
    debtorIban: 'DE89370400440532013000',
    debtorBic: 'COBADEFFXXX',
    remittance: `Bill B-${i}`,
    ...over,
  };
}

function input(version: Pain008Input['version'], transactions: Pain008Transaction[]): Pain008Input {
  return {
    version,
    messageId: 'PD-DD-20261215-1',
    createdAt: '2026-12-01T10:00:00.000Z',
    collectionDate: '2026-12-15',
    currency: 'EUR',
    exponent: 2,
    creditor: CREDITOR,
    transactions,
  };
}

describe('EPC text rules', () => {
  it('transliterates to the EPC set, refuses what it cannot, writes amounts from integers', () => {
    expect(toEpcText('Jürgen Müßig & Söhne')).toBe('Jurgen Mussig + Sohne');
    expect(toEpcText('Øster   Ærø')).toBe('Oster AEro');
    expect(toEpcText('Иван')).toBeNull();
    expect(epcIdProblem('EndToEndId', 'A//B')).toMatch(/\/\//);
    expect(epcIdProblem('EndToEndId', '/AB')).toMatch(/start or end/);
    expect(epcIdProblem('EndToEndId', 'x'.repeat(36))).toMatch(/1 to 35/);
    expect(epcIdProblem('EndToEndId', 'PD-1.2')).toBeNull();
    expect(decimalText(5, 2)).toBe('0.05');
    expect(decimalText(123456, 2)).toBe('1234.56');
    expect(decimalText(7, 0)).toBe('7');
    expect(() => decimalText(1.5, 2)).toThrow();
  });
});

describe('pain.008 writer', () => {
  const txs = [
    tx(1, { seqType: 'FRST' }),
    tx(2),
    tx(3, { localInstrument: 'B2B', debtorBic: null }),
    tx(4, {
      amendment: { originalReference: 'OLD-MNDT-4', originalIban: 'DE02120300000000202051' },
    }),
    tx(5, {
      amendment: {
        smnda: true,
        originalCreditorName: 'Old Name AG',
        originalCreditorId: 'DE98ZZZ09999999999',
      },
    }),
    tx(6, { seqType: 'OOFF', debtorName: 'Zoë Ångström-Ñúñez', remittance: null }),
  ];

  it('groups one PmtInf per local instrument and sequence type, with ids <MsgId>-n', () => {
    const blocks = pain008Blocks('M', txs);
    expect(blocks.map((b) => [b.paymentInfoId, b.localInstrument, b.seqType, b.indexes])).toEqual([
      ['M-1', 'CORE', 'FRST', [0]],
      ['M-2', 'CORE', 'RCUR', [1, 3, 4]],
      ['M-3', 'CORE', 'OOFF', [5]],
      ['M-4', 'B2B', 'RCUR', [2]],
    ]);
  });

  it('writes .08 and .02 files that both XSD engines accept, with sums that add up', () => {
    const files: Record<string, string[]> = { 'pain.008.001.08': [], 'pain.008.001.02': [] };
    for (const version of ['pain.008.001.08', 'pain.008.001.02'] as const) {
      const xml = writePain008(input(version, txs));
      expect(writePain008(input(version, txs))).toBe(xml);
      files[version]!.push(tempXml(xml, `${version}.xml`));
      const d = doc(xml, 'CstmrDrctDbtInitn');
      const hdr = d.GrpHdr as Node;
      expect(hdr.NbOfTxs).toBe('6');
      const sum = txs.reduce((s, t) => s + t.amountMinor, 0);
      expect(hdr.CtrlSum).toBe(decimalText(sum, 2));
      const pmts = d.PmtInf as Node[];
      expect(pmts).toHaveLength(4);
      for (const p of pmts) {
        const items = p.DrctDbtTxInf as Node[];
        expect(p.NbOfTxs).toBe(String(items.length));
        const cents = items.reduce((s, t) => {
          const text = ((t.InstdAmt as Node)['#text'] as string).replace('.', '');
          return s + Number(text);
        }, 0);
        expect(p.CtrlSum).toBe(decimalText(cents, 2));
        expect(p.ChrgBr).toBe('SLEV');
        expect(((p.PmtTpInf as Node).SvcLvl as Node).Cd).toBe('SEPA');
      }
      const bicTag = version === 'pain.008.001.08' ? 'BICFI' : 'BIC';
      expect(((pmts[0]!.CdtrAgt as Node).FinInstnId as Node)[bicTag]).toBe('XMPLDEM0XXX');
      // The B2B debtor without a BIC: Othr/Id NOTPROVIDED.
      const b2b = (pmts[3]!.DrctDbtTxInf as Node[])[0]!;
      expect((((b2b.DbtrAgt as Node).FinInstnId as Node).Othr as Node).Id).toBe('NOTPROVIDED');
      const rcur = pmts[1]!.DrctDbtTxInf as Node[];
      const m4 = (rcur[1]!.DrctDbtTx as Node).MndtRltdInf as Node;
      expect(m4.AmdmntInd).toBe('true');
      expect((m4.AmdmntInfDtls as Node).OrgnlMndtId).toBe('OLD-MNDT-4');
      const m5 = (rcur[2]!.DrctDbtTx as Node).MndtRltdInf as Node;
      const d5 = m5.AmdmntInfDtls as Node;
      expect((((d5.OrgnlDbtrAgt as Node).FinInstnId as Node).Othr as Node).Id).toBe('SMNDA');
      expect((d5.OrgnlCdtrSchmeId as Node).Nm).toBe('Old Name AG');
      expect(((rcur[0]!.DrctDbtTx as Node).MndtRltdInf as Node).AmdmntInd).toBe('false');
      const ooff = (pmts[2]!.DrctDbtTxInf as Node[])[0]!;
      expect((ooff.Dbtr as Node).Nm).toBe('Zoe Angstrom-Nunez');
    }
    for (const [version, list] of Object.entries(files))
      expect(validateBoth(`${version}.xsd`, list)).toEqual({ xmllint: null, xmlschema: null });
  });

  it('cuts names to 70, refuses text outside the EPC set and bad identifiers', () => {
    const long = writePain008(input('pain.008.001.08', [tx(1, { debtorName: 'N'.repeat(90) })]));
    expect(long).toContain(`<Nm>${'N'.repeat(70)}</Nm>`);
    expect(() => writePain008(input('pain.008.001.08', [tx(1, { debtorName: 'Иван' })]))).toThrow(
      EpcTextError,
    );
    expect(() => writePain008(input('pain.008.001.08', [tx(1, { endToEndId: 'A//B' })]))).toThrow(
      /endToEndId/,
    );
    expect(() => writePain008(input('pain.008.001.08', [tx(1, { amountMinor: 0 })]))).toThrow(/positive/);
  });

  it('agrees with sepa.js (an independent generator) on every element value', () => {
    for (const version of ['pain.008.001.08', 'pain.008.001.02'] as const) {
      const list = [tx(1, { seqType: 'FRST' }), tx(2, { seqType: 'FRST', amountMinor: 99_999 })];
      const ours = writePain008(input(version, list));
      const oracle = new SEPA.Document(version);
      oracle.grpHdr.id = 'PD-DD-20261215-1';
      oracle.grpHdr.created = new Date('2026-12-01T10:00:00Z');
      oracle.grpHdr.initiatorName = CREDITOR.name;
      const info = oracle.createPaymentInfo();
      info.collectionDate = new Date('2026-12-15');
      info.creditorIBAN = CREDITOR.iban;
      info.creditorBIC = CREDITOR.bic;
      info.creditorName = CREDITOR.name;
      info.creditorId = CREDITOR.creditorId;
      info.sequenceType = 'FRST';
      info.localInstrumentation = 'CORE';
      oracle.addPaymentInfo(info);
      for (const t of list) {
        const o = info.createTransaction();
        o.debtorName = t.debtorName;
        o.debtorIBAN = t.debtorIban;
        o.debtorBIC = t.debtorBic ?? '';
        o.mandateId = t.mandateId;
        o.mandateSignatureDate = new Date(t.signedOn);
        // The oracle takes a JS number; fine for a test, never for the ledger.
        o.amount = t.amountMinor / 100;
        o.end2endId = t.endToEndId;
        o.remittanceInfo = t.remittance ?? '';
        info.addTransaction(o);
      }
      const theirs = oracle.toString();
      expect(validateBoth(`${version}.xsd`, [tempXml(theirs)])).toEqual({ xmllint: null, xmlschema: null });
      const a = doc(ours, 'CstmrDrctDbtInitn');
      const b = doc(theirs, 'CstmrDrctDbtInitn');
      // Ids the oracle numbers its own way (PmtInfId, InstrId) and its optional BtchBookg are left out.
      const strip = (d: Node): unknown =>
        JSON.parse(
          JSON.stringify(d, (k, v: unknown) =>
            k === 'PmtInfId' || k === 'InstrId' || k === 'BtchBookg' ? undefined : v,
          ),
        );
      expect(strip(a)).toEqual(strip(b));
    }
  });
});

describe('pain.001.001.09 writer', () => {
  const base: Pain001Input = {
    messageId: 'PD-CT-20261215-1',
    createdAt: '2026-12-01T10:00:00.000Z',
    executionDate: '2026-12-15',
    currency: 'EUR',
    exponent: 2,
    debtor: { name: CREDITOR.name, iban: CREDITOR.iban, bic: CREDITOR.bic },
    transactions: [
      {
        endToEndId: 'E2E-R1',
        amountMinor: 2550,
        creditorName: 'Jürgen Weiß',
        creditorIban: 'DE89370400440532013000',
        creditorBic: 'COBADEFFXXX',
        remittance: 'Refund of credit balance A-1',
      },
      {
        endToEndId: 'E2E-R2',
        amountMinor: 1,
        creditorName: 'Ana Lopez',
        creditorIban: 'DE02120300000000202051',
        remittance: null,
      },
    ],
  };

  it('passes both XSD engines, sums add up, agrees with sepa.js', () => {
    const xml = writePain001(base);
    expect(writePain001(base)).toBe(xml);
    const d = doc(xml, 'CstmrCdtTrfInitn');
    expect((d.GrpHdr as Node).CtrlSum).toBe('25.51');
    expect((d.PmtInf as Node[])[0]!.NbOfTxs).toBe('2');
    const oracle = new SEPA.Document('pain.001.001.09');
    oracle.grpHdr.id = base.messageId;
    oracle.grpHdr.created = new Date('2026-12-01T10:00:00Z');
    oracle.grpHdr.initiatorName = 'Paydesk Energie GmbH';
    const info = oracle.createPaymentInfo();
    info.requestedExecutionDate = new Date('2026-12-15');
    info.debtorIBAN = CREDITOR.iban;
    info.debtorBIC = CREDITOR.bic;
    info.debtorName = CREDITOR.name;
    oracle.addPaymentInfo(info);
    const o = info.createTransaction();
    o.creditorName = 'Jurgen Weiss';
    o.creditorIBAN = 'DE89370400440532013000';
    o.creditorBIC = 'COBADEFFXXX';
    o.amount = 25.5;
    o.end2endId = 'E2E-R1';
    o.remittanceInfo = 'Refund of credit balance A-1';
    info.addTransaction(o);
    const theirs = oracle.toString();
    const one = writePain001({ ...base, transactions: base.transactions.slice(0, 1) });
    expect(validateBoth('pain.001.001.09.xsd', [tempXml(xml), tempXml(one), tempXml(theirs)])).toEqual({
      xmllint: null,
      xmlschema: null,
    });
    const strip = (x: string): unknown =>
      JSON.parse(
        JSON.stringify(doc(x, 'CstmrCdtTrfInitn'), (k, v: unknown) =>
          k === 'PmtInfId' || k === 'InstrId' || k === 'BtchBookg' ? undefined : v,
        ),
      );
    expect(strip(one)).toEqual(strip(theirs));
  });
});
