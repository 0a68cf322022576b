import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SEPA from 'sepa';
import { describe, expect, it } from 'vitest';
import {
  camt053Reader,
  camt054Reader,
  checkPain,
  decimalToMinor,
  pain002Reader,
  readCamtCredits,
  readCamtReturns,
  readPain002Returns,
  type PainFormat,
} from '../../src-main/bankfiles/iso20022';
import { detectReader } from '../../src-main/bankfiles/readers';
import { buildCamt } from '../helpers/camt';

const STANDARDS = resolve(process.cwd(), '../shared/standards/iso20022');
const sample = (dir: string, name: string): string =>
  readFileSync(join(STANDARDS, 'samples', dir, name), 'utf8');
const xsd = (format: string): string => join(STANDARDS, 'xsd', `${format}.xsd`);

/** A file as sepa.js (an independent generator) writes it: one payment information block, three transactions. */
function sepaFile(format: PainFormat): string {
  const doc = new SEPA.Document(format);
  doc.grpHdr.id = 'MSG-1';
  doc.grpHdr.created = new Date('2026-11-20T10:00:00Z');
  doc.grpHdr.initiatorName = 'Example GmbH';
  const info = doc.createPaymentInfo();
  if (format.startsWith('pain.008')) {
    info.collectionDate = new Date('2026-12-01');
    info.creditorIBAN = 'DE87123456781234567890';
    info.creditorBIC = 'XMPLDEM0XXX';
    info.creditorName = 'Example GmbH';
    info.creditorId = 'DE98ZZZ09999999999';
    info.sequenceType = 'FRST';
    info.batchBooking = true;
  } else {
    info.requestedExecutionDate = new Date('2026-12-01');
    info.debtorIBAN = 'DE87123456781234567890';
    info.debtorBIC = 'XMPLDEM0XXX';
    info.debtorName = 'Example GmbH';
  }
  doc.addPaymentInfo(info);
  const amounts = [12.34, 24.68, 37.02];
  amounts.forEach((amount, i) => {
    const tx = info.createTransaction();
    if (format.startsWith('pain.008')) {
      tx.debtorName = 'John Doe';
      tx.debtorIBAN = 'DE89370400440532013000';
      tx.debtorBIC = 'COBADEFFXXX';
      tx.mandateId = `MNDT-000${i + 1}`;
      tx.mandateSignatureDate = new Date('2023-12-01');
    } else {
      tx.creditorName = 'John Doe';
      tx.creditorIBAN = 'DE89370400440532013000';
      tx.creditorBIC = 'COBADEFFXXX';
    }
    tx.amount = amount;
    tx.end2endId = `E2E-${i + 1}`;
    tx.remittanceInfo = `Bill B${i + 1}`;
    info.addTransaction(tx);
  });
  return doc.toString();
}

const FORMATS: PainFormat[] = ['pain.008.001.08', 'pain.008.001.02', 'pain.001.001.09', 'pain.001.001.03'];

describe('pain.008 / pain.001 read-back check', () => {
  it.each(FORMATS)(
    '%s written by sepa.js is valid (own checks and the XSD) with its totals',
    async (format) => {
      const text = sepaFile(format);
      expect(detectReader(text)?.format).toBe(format);
      const c = await checkPain(text, format, { xsdFile: xsd(format) });
      expect(c.problems).toEqual([]);
      expect(c).toMatchObject({ format, valid: true, entries: 3 });
      const side = format.startsWith('pain.008') ? 'debitMinor' : 'creditMinor';
      expect(c.totals).toMatchObject({ count: 3, totalMinor: 7404, [side]: 7404, currency: 'EUR' });
    },
  );

  const tx = (format: PainFormat, n: number): string =>
    `/Document/${format.startsWith('pain.008') ? 'CstmrDrctDbtInitn' : 'CstmrCdtTrfInitn'}/PmtInf[1]/${format.startsWith('pain.008') ? 'DrctDbtTxInf' : 'CdtTrfTxInf'}[${n}]`;

  it.each(FORMATS)('%s: each tampering is found at its path', async (format) => {
    const good = sepaFile(format);
    const debit = format.startsWith('pain.008');
    const check = async (bad: string) => {
      expect(bad).not.toBe(good);
      const c = await checkPain(bad, format);
      expect(c.valid).toBe(false);
      return c.problems;
    };
    // Wrong control sums, at group and payment-information level.
    const ctrl = await check(good.replace('<CtrlSum>74.04</CtrlSum>', '<CtrlSum>74.05</CtrlSum>'));
    expect(ctrl).toContainEqual({
      path: `/Document/${debit ? 'CstmrDrctDbtInitn' : 'CstmrCdtTrfInitn'}/GrpHdr/CtrlSum`,
      reason: 'CtrlSum says 74.05 but the amounts add up to 74.04',
    });
    const both = await check(good.replaceAll('<CtrlSum>74.04</CtrlSum>', '<CtrlSum>70.00</CtrlSum>'));
    expect(both.map((p) => p.path)).toContain(
      `/Document/${debit ? 'CstmrDrctDbtInitn' : 'CstmrCdtTrfInitn'}/PmtInf[1]/CtrlSum`,
    );
    const count = await check(good.replace('<NbOfTxs>3</NbOfTxs>', '<NbOfTxs>4</NbOfTxs>'));
    expect(count[0]?.reason).toBe('NbOfTxs says 4 but there are 3 transactions');
    // A bad IBAN (one digit changed) on the second transaction.
    const iban = good.replace(
      /DE89370400440532013000(?=[\s\S]*DE89370400440532013000[\s\S]*DE89370400440532013000)/,
      'DE89370400440532013000',
    );
    const secondBad = iban.replace(
      /(<IBAN>DE89370400440532013000<\/IBAN>[\s\S]*?)<IBAN>DE89370400440532013000<\/IBAN>/,
      '$1<IBAN>DE89370400440532013001</IBAN>',
    );
    const ibanFinding = {
      path: `${tx(format, 2)}/${debit ? 'DbtrAcct' : 'CdtrAcct'}/Id/IBAN`,
      reason: 'IBAN DE89370400440532013001 is not valid (wrong check digits)',
    };
    if (format === 'pain.001.001.03') {
      // A message Paydesk only reads: a bad IBAN is a warning, the file is still well-formed and adds up.
      const read = await checkPain(secondBad, format);
      expect(read.valid).toBe(true);
      expect(read.warnings).toContainEqual({
        ...ibanFinding,
        reason: `${ibanFinding.reason}; the bank will refuse this payment`,
      });
    } else expect(await check(secondBad)).toEqual([ibanFinding]);
    // A missing required element, also refused by the XSD with its line.
    const noE2e = good.replace('<EndToEndId>E2E-3</EndToEndId>', '');
    expect(await check(noE2e)).toContainEqual({
      path: `${tx(format, 3)}/PmtId/EndToEndId`,
      reason: 'EndToEndId is required',
    });
    const withXsd = await checkPain(noE2e, format, { xsdFile: xsd(format) });
    const xsdProblem = withXsd.problems.find((p) => p.reason.startsWith('XSD'));
    expect(xsdProblem?.line).toBe(1);
    expect(xsdProblem?.reason).toMatch(/PmtId.*Missing child element|EndToEndId/);
    // Duplicate EndToEndIds, '//' in an identifier, three decimals, a zero amount, a bad BIC, a long name.
    expect(await check(good.replace('E2E-2', 'E2E-1'))).toContainEqual({
      path: `${tx(format, 2)}/PmtId/EndToEndId`,
      reason: `EndToEndId E2E-1 is used twice (first at ${tx(format, 1)})`,
    });
    expect(await check(good.replace('E2E-2', 'E2E//2'))).toContainEqual({
      path: `${tx(format, 2)}/PmtId/EndToEndId`,
      reason: `"E2E//2" contains '//'`,
    });
    expect(await check(good.replace('>12.34<', '>12.345<').replaceAll('74.04', '74.045'))).toContainEqual({
      path: `${tx(format, 1)}/${debit ? 'InstdAmt' : 'Amt/InstdAmt'}`,
      reason: '"12.345" has 3 decimals; EUR has 2',
    });
    expect(await check(good.replace('>12.34<', '>0.00<').replaceAll('74.04', '61.70'))).toContainEqual({
      path: `${tx(format, 1)}/${debit ? 'InstdAmt' : 'Amt/InstdAmt'}`,
      reason: 'the amount must be greater than zero, not 0.00',
    });
    const bic = await check(good.replace('COBADEFFXXX', 'COBA1EFFXXX'));
    expect(bic[0]?.reason).toBe('BIC COBA1EFFXXX is not valid');
    const long = await check(good.replace('<Nm>John Doe</Nm>', `<Nm>${'J'.repeat(71)}</Nm>`));
    expect(long[0]?.reason).toBe('name is 71 characters long; SEPA allows 70');
    expect(
      await check(good.replace('<Ccy', '<Ccy').replace('Ccy="EUR">12.34', 'Ccy="USD">12.34')),
    ).toContainEqual({
      path: `${tx(format, 1)}/${debit ? 'InstdAmt' : 'Amt/InstdAmt'}`,
      reason: 'SEPA amounts are in EUR, not USD',
    });
  });

  it('pain.008: sequence type, service level, local instrument and creditor identifier', async () => {
    const good = sepaFile('pain.008.001.08');
    const base = '/Document/CstmrDrctDbtInitn/PmtInf[1]';
    const probs = async (bad: string) => (await checkPain(bad, 'pain.008.001.08')).problems;
    expect(await probs(good.replace('<SeqTp>FRST</SeqTp>', '<SeqTp>LAST</SeqTp>'))).toEqual([
      {
        path: `${base}/PmtTpInf/SeqTp`,
        reason: '"LAST" is not a sequence type (FRST, RCUR, FNAL, OOFF, RPRE)',
      },
    ]);
    expect(await probs(good.replace('<Cd>SEPA</Cd>', '<Cd>NURG</Cd>'))).toEqual([
      { path: `${base}/PmtTpInf/SvcLvl/Cd`, reason: 'must be SEPA, not NURG' },
    ]);
    expect(await probs(good.replace('<Cd>CORE</Cd>', '<Cd>COR1</Cd>'))).toEqual([
      { path: `${base}/PmtTpInf/LclInstrm/Cd`, reason: 'must be CORE or B2B, not COR1' },
    ]);
    expect(await probs(good.replace('DE98ZZZ09999999999', 'DE97ZZZ09999999999'))).toEqual([
      {
        path: `${base}/CdtrSchmeId/Id/PrvtId/Othr/Id`,
        reason: 'creditor identifier check digits are 97, expected 98',
      },
    ]);
    expect(await probs(good.replace('<ReqdColltnDt>2026-12-01', '<ReqdColltnDt>2026-02-30'))).toEqual([
      { path: `${base}/ReqdColltnDt`, reason: '"2026-02-30" is not an ISO date (YYYY-MM-DD)' },
    ]);
    expect(
      await probs(good.replace('<MndtId>MNDT-0002</MndtId>', `<MndtId>${'M'.repeat(36)}</MndtId>`)),
    ).toEqual([
      {
        path: `${base}/DrctDbtTxInf[2]/DrctDbtTx/MndtRltdInf/MndtId`,
        reason: 'text is 36 characters long; at most 35 are allowed',
      },
    ]);
    expect(await probs(good.replace('<Nm>Example GmbH</Nm>', `<Nm>${'E'.repeat(71)}</Nm>`))).toEqual([
      {
        path: '/Document/CstmrDrctDbtInitn/GrpHdr/InitgPty/Nm',
        reason: 'name is 71 characters long; SEPA allows 70',
      },
    ]);
    // A non-SEPA credit transfer (service level NURG, USD) keeps the ISO limits: a 100-character name is fine.
    const usd = sample('valid', 'moov_International_payment_USD_naujas_1.xml')
      .replace('<Nm>IMONE X</Nm>', `<Nm>${'I'.repeat(100)}</Nm>`)
      .replace('LT007180000000000000', 'LT601010012345678901');
    expect((await checkPain(usd, 'pain.001.001.03')).problems).toEqual([]);
    // pain.008.001.02 does not know RPRE.
    const v02 = sepaFile('pain.008.001.02').replace('<SeqTp>FRST</SeqTp>', '<SeqTp>RPRE</SeqTp>');
    expect((await checkPain(v02, 'pain.008.001.02')).problems[0]?.reason).toBe(
      '"RPRE" is not a sequence type (FRST, RCUR, FNAL, OOFF)',
    );
  });

  it('a wrong namespace and malformed XML are problems, not crashes', async () => {
    const good = sepaFile('pain.008.001.08');
    expect((await checkPain(good, 'pain.008.001.02')).problems[0]).toEqual({
      path: '/Document',
      reason: 'the namespace is pain.008.001.08, expected urn:iso:std:iso:20022:tech:xsd:pain.008.001.02',
    });
    const broken = await checkPain(good.replace('</GrpHdr>', ''), 'pain.008.001.08');
    expect(broken.valid).toBe(false);
    expect(broken.problems[0]?.reason).toMatch(/^not well-formed XML at line 1/);
  });
});

describe('shared ISO 20022 samples', () => {
  const BAD_IBAN_SAMPLES: Record<string, string[]> = {
    // Schema-valid, but their IBANs fail mod-97. pain.001.001.03 is a message Paydesk only reads, so the check
    // accepts the files and warns (a bank would reject those payments); in a message Paydesk writes it is a problem.
    'iso20022js_example_sepa_pain_001_v3.xml': [
      'IBAN ES8201822200150201504058 is not valid (wrong national check digits, wrong check digits)',
    ],
    'moov_International_payment_USD_naujas_1.xml': [
      'IBAN LT007180000000000000 is not valid (wrong check digits)',
    ],
    'moov_sepa_payment_naujas_1.xml': [
      'IBAN LT007180000000000000 is not valid (wrong check digits)',
      'IBAN LT007400000000000000 is not valid (wrong check digits)',
    ],
  };

  it('every valid sample is detected and accepted; bad IBANs are flagged as warnings', async () => {
    const files = readdirSync(join(STANDARDS, 'samples/valid'));
    expect(files.length).toBeGreaterThanOrEqual(20);
    for (const name of files) {
      const text = sample('valid', name);
      const reader = detectReader(text);
      expect(reader, name).toBeDefined();
      const c = await reader!.check(text);
      expect(c.valid, name).toBe(true);
      expect(c.problems, name).toEqual([]);
      expect(
        c.warnings.filter((w) => w.reason.startsWith('IBAN')).map((w) => w.reason),
        name,
      ).toEqual((BAD_IBAN_SAMPLES[name] ?? []).map((r) => `${r}; the bank will refuse this payment`));
      expect(c.entries, name).toBe(c.totals.count);
    }
  });

  it('the in-process XSD validation agrees that one sample of each message validates', async () => {
    const one = [
      'sepaking_pain.001.001.03.xml',
      'moov_valid_pain.002.001.11.xml',
      'genkgo_camt053.v8.xml',
      'moov_FI_camt_054_sample.xml',
      'genkgo_camt052.v2.xml',
    ];
    for (const name of one) {
      const text = sample('valid', name);
      const ns = /xsd:([a-z]{4}\.\d{3}\.\d{3}\.\d{2})/.exec(text)?.[1] ?? '';
      const c = await detectReader(text)!.check(text, { xsdFile: xsd(ns) });
      expect(
        c.problems.filter((p) => p.reason.startsWith('XSD')),
        name,
      ).toEqual([]);
    }
  });

  it('sample totals: sepa_king pain.001, genkgo camt.053 minimal / multi-statement / five decimals, Goldman UK', async () => {
    const king = await detectReader(sample('valid', 'sepaking_pain.001.001.03.xml'))!.check(
      sample('valid', 'sepaking_pain.001.001.03.xml'),
    );
    expect(king).toMatchObject({
      valid: true,
      entries: 2,
      totals: { count: 2, creditMinor: 665586, currency: 'EUR' },
    });
    const minimal = await camt053Reader.check(sample('valid', 'genkgo_camt053.v2.minimal.xml'));
    expect(minimal).toMatchObject({ valid: true, entries: 1, totals: { creditMinor: 885, debitMinor: 0 } });
    const multi = await camt053Reader.check(sample('valid', 'genkgo_camt053.v2.multi.statement.xml'));
    expect(multi).toMatchObject({ valid: true, entries: 2, totals: { creditMinor: 885, debitMinor: 700 } });
    const five = await camt053Reader.check(sample('valid', 'genkgo_camt053.v2.five.decimals.xml'));
    expect(five).toMatchObject({ valid: true, totals: { creditMinor: 885 } });
    expect(five.warnings[0]?.reason).toBe(
      '"8.850" has more decimals than EUR; the extra digits are zeros and were dropped',
    );
    const gs = await camt053Reader.check(sample('valid', 'iso20022js_goldman_sachs_camt_053_uk_v2_1.xml'));
    expect(gs.totals.byCurrency).toEqual([
      { currency: 'GBP', count: 6, debitMinor: 40000, creditMinor: 20000 },
    ]);
  });

  it('invalid samples are refused with the right reason', async () => {
    const wrong = sample('invalid', 'genkgo_camt053.v2.wrong.xml');
    const c = await detectReader(wrong)!.check(wrong);
    expect(c.valid).toBe(false);
    expect(c.problems).toEqual([
      {
        path: '/Document/BkToCstmrStmt/Stmt',
        reason: 'BkToCstmrStmt has no Stmt: at least one statement is required',
      },
    ]);
    const noNs = sample('invalid', 'moov_invalid_pain_v11_no_namespace.xml');
    const n = await detectReader(noNs)!.check(noNs);
    expect(n.valid).toBe(false);
    expect(n.problems[0]?.reason).toBe(
      'the Document has no ISO 20022 namespace (expected xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.xx")',
    );
    expect(readPain002Returns(noNs).problems).toHaveLength(1);
  });

  it('the ABN AMRO statement with a 204-character Ustrd is read with a warning', async () => {
    const text = sample('real-world-unvalidated', 'iso20022js_abn_amro_example_camt.xml');
    const c = await camt053Reader.check(text);
    expect(c.valid).toBe(true);
    expect(
      c.warnings.some(
        (w) => w.reason === 'Ustrd is 204 characters long; Max140Text allows 140 (read in full)',
      ),
    ).toBe(true);
    const { credits, problems } = readCamtCredits(text, 'camt.053');
    expect(problems).toEqual([]);
    expect(credits.some((cr) => cr.remittance.some((u) => u.length === 204))).toBe(true);
  });
});

describe('pain.002 status reports', () => {
  const read = (name: string) => readPain002Returns(sample('real-world-unvalidated', name));

  it('a group reject is one item naming the original message', () => {
    const r = read('iso20022js_nordea_pain_002_v3_group_reject.xml');
    expect(r.problems).toEqual([]);
    expect(r.items).toEqual([
      {
        ref: { messageId: 'MSGID-PS-TEST-0708-01' },
        amountMinor: null,
        currency: null,
        kind: 'reject',
        code: 'DU01',
        text: 'ISO Duplicate Message ID',
        date: undefined,
        path: '/Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts',
      },
    ]);
  });

  it('a payment-information reject names the block; listed transactions are items of their own', () => {
    const p = read('iso20022js_nordea_pain_002_v3_payment_reject.xml');
    expect(p.items).toHaveLength(1);
    expect(p.items[0]).toMatchObject({
      ref: { messageId: 'MSGID-COM-SCE25-1707-01', paymentInfoId: 'PMTINFID-COM-SCE25-1707-01' },
      code: 'NARR',
      text: 'CAP Invalid code or combinations in CategoryPurpose or ServiceLevel',
    });
    expect(p.items[0]?.ref.endToEndId).toBeUndefined();
    const t = read('iso20022js_nordea_pain_002_v3_txn_reject.xml');
    expect(t.items.map((i) => i.ref.endToEndId)).toEqual([
      undefined,
      'ENDTOENDID-950-TEST2-2807-02',
      'ENDTOENDID-950-TEST2-2807-01',
    ]);
    expect(t.items[1]).toMatchObject({ code: 'NARR', ref: { instructionId: 'INSTRID-950-TEST2-2807-02' } });
  });

  it('Cross River files (Xmlns attribute) are read leniently; Goldman accepted gives no items', () => {
    const batch = read('iso20022js_cross_river_pain_002_batch_rejected.xml');
    expect(batch.problems).toEqual([]);
    expect(batch.items).toHaveLength(1);
    expect(batch.items[0]).toMatchObject({ code: 'NARR', kind: 'reject' });
    expect(batch.warnings.map((w) => w.reason)).toContain(
      'OrgnlMsgId is required: without it the rejected message cannot be identified',
    );
    const tx = read('iso20022js_cross_river_pain_002_transaction_rejected.xml');
    expect(tx.items.filter((i) => i.ref.endToEndId !== undefined).map((i) => i.text)).toEqual([
      'Instruction ID example01234567 already exist',
      'Instruction ID example01234567 already exist',
      'Instruction ID example012345678 already exist',
    ]);
    const gs = read('iso20022js_goldman_sachs_pain_002_v3_accepted.xml');
    expect(gs.items).toEqual([]);
    expect(gs.accepted).toBe(1);
    expect(gs.problems).toEqual([]);
  });

  it('a transaction reject carries the original amount, mandate and date; a missing reason is MS03', async () => {
    const xml = sample('valid', 'moov_valid_pain.002.001.11.xml').replace(
      '</OrgnlGrpInfAndSts>',
      `</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>PI-1</OrgnlPmtInfId>
        <TxInfAndSts><OrgnlEndToEndId>E2E-9</OrgnlEndToEndId><TxSts>RJCT</TxSts>
          <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn><AddtlInf>insufficient funds</AddtlInf></StsRsnInf>
          <OrgnlTxRef><Amt><InstdAmt Ccy="EUR">19.95</InstdAmt></Amt><ReqdColltnDt>2026-11-02</ReqdColltnDt>
            <MndtRltdInf><MndtId>M-7</MndtId></MndtRltdInf></OrgnlTxRef></TxInfAndSts>
        <TxInfAndSts><OrgnlEndToEndId>E2E-10</OrgnlEndToEndId><TxSts>RJCT</TxSts></TxInfAndSts>
        <TxInfAndSts><OrgnlEndToEndId>E2E-11</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
      </OrgnlPmtInfAndSts>`,
    );
    const r = pain002Reader.returns!(xml);
    expect(r.accepted).toBe(1);
    expect(r.items[0]).toMatchObject({
      ref: { endToEndId: 'E2E-9', paymentInfoId: 'PI-1', mandateId: 'M-7', messageId: 'OrgnlMsgId' },
      amountMinor: 1995,
      currency: 'EUR',
      code: 'AM04',
      text: 'insufficient funds',
      date: '2026-11-02',
    });
    expect(r.items[1]).toMatchObject({ ref: { endToEndId: 'E2E-10' }, code: 'MS03', amountMinor: null });
    const c = await pain002Reader.check(xml, { xsdFile: xsd('pain.002.001.11') });
    expect(c.problems.filter((p) => !p.reason.startsWith('XSD'))).toEqual([]);
    expect(c.entries).toBe(3);
    const bad = await pain002Reader.check(xml.replace('<TxSts>ACSC</TxSts>', '<TxSts>OKAY</TxSts>'));
    expect(bad.problems[0]?.reason).toMatch(/^"OKAY" is not a payment status code/);
  });
});

describe('camt returns and credits', () => {
  it('camt.054 debit entries with RtrInf or an unpaid-DD code become returns matched by EndToEndId', () => {
    const text = buildCamt({
      kind: 'camt.054',
      blocks: [
        [
          {
            amount: '19.95',
            side: 'DBIT',
            endToEndId: 'E2E-1',
            mandateId: 'M-1',
            returnCode: 'AM04',
            returnText: 'no funds',
            subFamily: 'UPDD',
          },
          { amount: '5.00', side: 'DBIT', endToEndId: 'E2E-2', family: 'IDDT', subFamily: 'UPDD' },
          { amount: '7.50', side: 'DBIT', endToEndId: 'E2E-3', returnCode: 'MD06' },
          { amount: '8.00', side: 'DBIT', endToEndId: 'E2E-4', returnCode: 'AC04', status: 'PDNG' },
          { amount: '9.00', side: 'DBIT', endToEndId: 'FEE-1', family: 'CCRD', subFamily: 'CHRG' },
          { amount: '50.00', side: 'CRDT', endToEndId: 'IN-1', ustrd: ['Bill 1'] },
        ],
      ],
    });
    expect(detectReader(text)).toBe(camt054Reader);
    const r = readCamtReturns(text, 'camt.054');
    expect(r.problems).toEqual([]);
    expect(r.items.map((i) => [i.ref.endToEndId, i.kind, i.code, i.amountMinor])).toEqual([
      ['E2E-1', 'return', 'AM04', 1995],
      ['E2E-2', 'return', 'MS03', 500],
      ['E2E-3', 'refund', 'MD06', 750],
    ]);
    expect(r.items[0]).toMatchObject({
      ref: { mandateId: 'M-1' },
      text: 'no funds',
      date: '2026-11-20',
      currency: 'EUR',
    });
    expect(r.warnings.map((w) => w.reason)).toContain(
      'a returned payment with status PDNG is not booked yet; not read',
    );
  });

  it('camt.053 v2 and v8 credits carry remittance, debtor and references; debits and pending ones are not credits', async () => {
    for (const version of ['02', '08'] as const) {
      const text = buildCamt({
        version,
        blocks: [
          [
            {
              amount: '19.95',
              side: 'CRDT',
              ustrd: ['Invoice B100', 'thanks'],
              debtorName: 'Mia Wolf',
              debtorIban: 'DE89370400440532013000',
              endToEndId: 'E-1',
            },
            { amount: '5.00', side: 'DBIT' },
          ],
          [
            { amount: '12.00', side: 'CRDT', creditorRef: 'RF18539007547034' },
            { amount: '3.00', side: 'CRDT', status: 'PDNG' },
          ],
        ],
      });
      const check = await camt053Reader.check(text, { xsdFile: xsd(`camt.053.001.${version}`) });
      expect(check.problems).toEqual([]);
      expect(check.totals).toMatchObject({ count: 4, creditMinor: 3495, debitMinor: 500 });
      const { credits, warnings } = readCamtCredits(text, 'camt.053');
      expect(credits).toHaveLength(2);
      expect(credits[0]).toEqual({
        amountMinor: 1995,
        currency: 'EUR',
        bookingDate: '2026-11-20',
        valueDate: '2026-11-20',
        debtorName: 'Mia Wolf',
        debtorIban: 'DE89370400440532013000',
        remittance: ['Invoice B100', 'thanks'],
        creditorReference: null,
        endToEndId: 'E-1',
        bankReference: null,
        path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/NtryDtls/TxDtls[1]',
      });
      expect(credits[1]).toMatchObject({
        amountMinor: 1200,
        creditorReference: 'RF18539007547034',
        path: '/Document/BkToCstmrStmt/Stmt[2]/Ntry[1]/NtryDtls/TxDtls[1]',
      });
      expect(warnings.map((w) => w.reason)).toEqual(['credit with status PDNG is not booked; not read']);
    }
  });

  it('a batch-booked credit is split into its transactions, which must add up to the entry', () => {
    const one = buildCamt({ blocks: [[{ amount: '30.00', side: 'CRDT', ustrd: ['B1'] }]] });
    const split = (second: string) =>
      one.replace(
        /<NtryDtls>[\s\S]*<\/NtryDtls>/,
        `<NtryDtls><TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls><RmtInf><Ustrd>B1</Ustrd></RmtInf></TxDtls>` +
          `<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">${second}</Amt></TxAmt></AmtDtls><RmtInf><Ustrd>B2</Ustrd></RmtInf></TxDtls></NtryDtls>`,
      );
    const good = readCamtCredits(split('20.00'), 'camt.053');
    expect(good.problems).toEqual([]);
    expect(good.credits.map((c) => [c.amountMinor, c.remittance[0]])).toEqual([
      [1000, 'B1'],
      [2000, 'B2'],
    ]);
    expect(readCamtCredits(split('19.00'), 'camt.053').problems).toEqual([
      {
        path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/NtryDtls',
        reason: 'the 2 transactions add up to 29.00 but the entry is 30.00',
      },
    ]);
  });

  it('multi-statement sample credits', () => {
    const { credits } = readCamtCredits(sample('valid', 'genkgo_camt053.v2.multi.statement.xml'), 'camt.053');
    expect(credits.map((c) => [c.amountMinor, c.remittance])).toEqual([[885, ['Transaction Description 1']]]);
  });
});

describe('xs:decimal amounts', () => {
  it('reads minor units exactly and refuses extra non-zero decimals', () => {
    expect(decimalToMinor('8.850', 'EUR')).toEqual({ ok: true, minor: 885, paddedZeros: true });
    expect(decimalToMinor('8.85000', 'EUR')).toEqual({ ok: true, minor: 885, paddedZeros: true });
    expect(decimalToMinor('0.07', 'EUR')).toEqual({ ok: true, minor: 7, paddedZeros: false });
    expect(decimalToMinor('334432492.92', 'USD')).toEqual({
      ok: true,
      minor: 33443249292,
      paddedZeros: false,
    });
    expect(decimalToMinor('8.855', 'EUR')).toEqual({
      ok: false,
      reason: '"8.855" has 3 decimals; EUR has 2',
    });
    expect(decimalToMinor('100.5', 'JPY')).toEqual({
      ok: false,
      reason: '"100.5" has 1 decimals; JPY has 0',
    });
    expect(decimalToMinor('1.234', 'KWD')).toEqual({ ok: true, minor: 1234, paddedZeros: false });
    expect(decimalToMinor('-1.00', 'EUR').ok).toBe(false);
    expect(decimalToMinor('1e3', 'EUR').ok).toBe(false);
    expect(decimalToMinor('1.00', 'XYZ')).toEqual({
      ok: false,
      reason: 'currency "XYZ" is not a known ISO 4217 code',
    });
  });
});
