import { bicProblem, creditorIdProblem, ibanProblem } from '../../domain/mandate-rules';
import type { CheckOptions } from '../readers';
import type { BankFileCheck } from '../types';
import { formatMinor } from '../../../src-shared/money';
import { currencyExponent, decimalToMinor } from './amount';
import {
  EPC_NAME,
  Findings,
  MAX140,
  MAX35,
  Totals,
  identifierProblem,
  isoDateProblem,
  isoDateTimeProblem,
  unreadable,
} from './rules';
import { xsdProblems } from './xsd';
import { all, at, indexed, parseXml, rootInfo, textAt, type El } from './xml';

/** The initiation messages Paydesk writes and reads back. */
export type PainFormat = 'pain.008.001.08' | 'pain.008.001.02' | 'pain.001.001.09' | 'pain.001.001.03';

type Variant = {
  format: PainFormat;
  kind: 'debit' | 'credit';
  root: string;
  tx: string;
  bic: 'BIC' | 'BICFI';
  sequenceTypes: string[];
  /**
   * Paydesk writes this message: its check is the gate before a file goes to the bank, so a bad IBAN is a
   * problem. In a message Paydesk only reads (pain.001.001.03 from other systems) it is a warning: the file is
   * well-formed and adds up, and the bank will judge the account.
   */
  written: boolean;
};

const VARIANTS: Record<PainFormat, Variant> = {
  'pain.008.001.08': {
    format: 'pain.008.001.08',
    written: true,
    kind: 'debit',
    root: 'CstmrDrctDbtInitn',
    tx: 'DrctDbtTxInf',
    bic: 'BICFI',
    sequenceTypes: ['FRST', 'RCUR', 'FNAL', 'OOFF', 'RPRE'],
  },
  'pain.008.001.02': {
    format: 'pain.008.001.02',
    written: true,
    kind: 'debit',
    root: 'CstmrDrctDbtInitn',
    tx: 'DrctDbtTxInf',
    bic: 'BIC',
    sequenceTypes: ['FRST', 'RCUR', 'FNAL', 'OOFF'],
  },
  'pain.001.001.09': {
    format: 'pain.001.001.09',
    written: true,
    kind: 'credit',
    root: 'CstmrCdtTrfInitn',
    tx: 'CdtTrfTxInf',
    bic: 'BICFI',
    sequenceTypes: [],
  },
  'pain.001.001.03': {
    format: 'pain.001.001.03',
    written: false,
    kind: 'credit',
    root: 'CstmrCdtTrfInitn',
    tx: 'CdtTrfTxInf',
    bic: 'BIC',
    sequenceTypes: [],
  },
};

/** SEPA amounts: 0.01 to 999,999,999.99 EUR (EPC implementation guidelines). */
const SEPA_MAX_MINOR = 99_999_999_999;

/** True when the text's root namespace is exactly this pain message. */
export function isPain(text: string, format: PainFormat): boolean {
  const info = rootInfo(text);
  return info?.message === format && !info.looseNamespace;
}

type Ctx = { f: Findings; v: Variant; endToEnd: Map<string, string> };

function checkBic(ctx: Ctx, agent: El | undefined, base: string): void {
  const fin = at(agent, 'FinInstnId');
  const bic = at(fin, ctx.v.bic);
  if (bic) {
    const problem = bicProblem(bic.text);
    if (problem) ctx.f.problem(`${base}/FinInstnId/${ctx.v.bic}`, problem);
  } else if (agent && !at(fin, 'Othr/Id')) {
    ctx.f.problem(`${base}/FinInstnId`, `${ctx.v.bic} or Othr/Id (NOTPROVIDED) is required`);
  }
}

function checkIban(ctx: Ctx, acct: El | undefined, base: string, sepa: boolean): void {
  const path = `${base}/Id/IBAN`;
  const iban = at(acct, 'Id/IBAN');
  if (!iban) {
    if (sepa) ctx.f.problem(path, acct ? 'an IBAN is required in a SEPA payment' : `${base} is required`);
    else if (!acct) ctx.f.problem(base, `${base.split('/').pop() ?? 'account'} is required`);
    return;
  }
  const { problem } = ibanProblem(iban.text);
  if (problem && ctx.v.written) ctx.f.problem(path, problem);
  else if (problem) ctx.f.warn(path, `${problem}; the bank will refuse this payment`);
}

function checkName(ctx: Ctx, party: El | undefined, base: string, sepa: boolean): void {
  if (!party) {
    ctx.f.problem(base, `${base.split('/').pop() ?? 'party'} is required`);
    return;
  }
  const name = ctx.f.required(party, 'Nm', base, MAX140);
  if (sepa && name !== undefined && [...name].length > EPC_NAME)
    ctx.f.problem(`${base}/Nm`, `name is ${[...name].length} characters long; SEPA allows ${EPC_NAME}`);
}

function checkIdentifier(ctx: Ctx, text: string | undefined, path: string): void {
  if (text === undefined) return;
  const problem = identifierProblem(text);
  if (problem) ctx.f.problem(path, problem);
}

function checkCreditorId(ctx: Ctx, scheme: El | undefined, base: string): void {
  const idPath = `${base}/Id/PrvtId/Othr/Id`;
  const id = at(scheme, 'Id/PrvtId/Othr/Id');
  if (!id) {
    ctx.f.problem(idPath, 'the creditor identifier is required');
    return;
  }
  const problem = creditorIdProblem(id.text);
  if (problem) ctx.f.problem(idPath, problem);
  const prtry = at(scheme, 'Id/PrvtId/Othr/SchmeNm/Prtry')?.text;
  if (prtry !== 'SEPA')
    ctx.f.problem(`${base}/Id/PrvtId/Othr/SchmeNm/Prtry`, `must be SEPA, not ${prtry ?? 'absent'}`);
}

function checkRemittance(ctx: Ctx, tx: El, base: string): void {
  const rmt = at(tx, 'RmtInf');
  if (!rmt) return;
  const lines = all(rmt, 'Ustrd');
  lines.forEach((u, i) =>
    ctx.f.length(
      u.text,
      lines.length > 1 ? indexed(`${base}/RmtInf`, 'Ustrd', i) : `${base}/RmtInf/Ustrd`,
      MAX140,
      'Ustrd',
    ),
  );
}

/** One transaction: identifiers, amount, parties, mandate; returns its amount and currency when readable. */
function checkTx(ctx: Ctx, tx: El, base: string, sepa: boolean): { minor: number; currency: string } | null {
  const { f, v } = ctx;
  const e2e = f.required(tx, 'PmtId/EndToEndId', base, MAX35);
  checkIdentifier(ctx, e2e, `${base}/PmtId/EndToEndId`);
  if (e2e !== undefined && e2e !== 'NOTPROVIDED') {
    const first = ctx.endToEnd.get(e2e);
    if (first) f.problem(`${base}/PmtId/EndToEndId`, `EndToEndId ${e2e} is used twice (first at ${first})`);
    else ctx.endToEnd.set(e2e, base);
  }
  checkIdentifier(ctx, f.optional(tx, 'PmtId/InstrId', base, MAX35), `${base}/PmtId/InstrId`);

  const amtPath = v.kind === 'debit' ? `${base}/InstdAmt` : `${base}/Amt/InstdAmt`;
  const amt = at(tx, v.kind === 'debit' ? 'InstdAmt' : 'Amt/InstdAmt');
  let read: { minor: number; currency: string } | null = null;
  if (!amt) f.problem(amtPath, 'InstdAmt is required');
  else {
    const ccy = amt.attrs.Ccy;
    if (!ccy) f.problem(amtPath, 'the amount has no currency (Ccy)');
    else if (sepa && ccy !== 'EUR') f.problem(amtPath, `SEPA amounts are in EUR, not ${ccy}`);
    else {
      const r = decimalToMinor(amt.text, ccy);
      if (!r.ok) f.problem(amtPath, r.reason);
      else if (r.paddedZeros) f.problem(amtPath, `"${amt.text}" has more decimals than ${ccy} allows`);
      else if (r.minor <= 0) f.problem(amtPath, `the amount must be greater than zero, not ${amt.text}`);
      else if (sepa && r.minor > SEPA_MAX_MINOR)
        f.problem(amtPath, `${amt.text} is above the SEPA maximum 999999999.99`);
      else read = { minor: r.minor, currency: ccy };
    }
  }

  if (v.kind === 'debit') {
    const mandate = at(tx, 'DrctDbtTx/MndtRltdInf');
    const mBase = `${base}/DrctDbtTx/MndtRltdInf`;
    if (!mandate) f.problem(mBase, 'the mandate (MndtRltdInf) is required');
    else {
      const id = f.required(mandate, 'MndtId', mBase, MAX35);
      checkIdentifier(ctx, id, `${mBase}/MndtId`);
      const signed = f.required(mandate, 'DtOfSgntr', mBase);
      if (signed !== undefined) {
        const p = isoDateProblem(signed);
        if (p) f.problem(`${mBase}/DtOfSgntr`, p);
      }
      const amended = at(mandate, 'AmdmntInd')?.text;
      if (amended !== undefined && !['true', 'false', '1', '0'].includes(amended))
        f.problem(`${mBase}/AmdmntInd`, `"${amended}" is not true or false`);
      if ((amended === 'true' || amended === '1') && !at(mandate, 'AmdmntInfDtls'))
        f.problem(`${mBase}/AmdmntInfDtls`, 'an amended mandate (AmdmntInd true) needs AmdmntInfDtls');
    }
    checkBic(ctx, at(tx, 'DbtrAgt'), `${base}/DbtrAgt`);
    checkName(ctx, at(tx, 'Dbtr'), `${base}/Dbtr`, sepa);
    checkIban(ctx, at(tx, 'DbtrAcct'), `${base}/DbtrAcct`, true);
    const scheme = at(tx, 'DrctDbtTx/CdtrSchmeId');
    if (scheme) checkCreditorId(ctx, scheme, `${base}/DrctDbtTx/CdtrSchmeId`);
  } else {
    if (at(tx, 'CdtrAgt')) checkBic(ctx, at(tx, 'CdtrAgt'), `${base}/CdtrAgt`);
    checkName(ctx, at(tx, 'Cdtr'), `${base}/Cdtr`, sepa);
    checkIban(ctx, at(tx, 'CdtrAcct'), `${base}/CdtrAcct`, sepa);
  }
  checkRemittance(ctx, tx, base);
  return read;
}

/** Compares a declared NbOfTxs/CtrlSum with what the transactions add up to. */
function checkControls(
  f: Findings,
  el: El,
  base: string,
  count: number,
  sumMinor: number,
  currency: string | undefined,
  required: boolean,
): void {
  const nb = at(el, 'NbOfTxs')?.text;
  if (nb === undefined) {
    if (required) f.problem(`${base}/NbOfTxs`, 'NbOfTxs is required');
  } else if (!/^\d{1,15}$/.test(nb)) f.problem(`${base}/NbOfTxs`, `"${nb}" is not a number of transactions`);
  else if (Number(nb) !== count)
    f.problem(`${base}/NbOfTxs`, `NbOfTxs says ${nb} but there are ${count} transactions`);
  const ctrl = at(el, 'CtrlSum')?.text;
  if (ctrl === undefined || currency === undefined) return;
  const r = decimalToMinor(ctrl, currency);
  if (!r.ok) f.problem(`${base}/CtrlSum`, r.reason);
  else if (r.minor !== sumMinor) {
    const exponent = currencyExponent(currency) ?? 2;
    f.problem(
      `${base}/CtrlSum`,
      `CtrlSum says ${ctrl} but the amounts add up to ${formatMinor(sumMinor, exponent)}`,
    );
  }
}

/**
 * The read-back check of a pain.008 (.08/.02) or pain.001 (.09/.03) file: required elements, text lengths,
 * ISO dates, identifiers (no leading/trailing '/', no '//', unique EndToEndIds), amounts (> 0, the currency's
 * decimals; SEPA: EUR, 2 decimals), NbOfTxs and CtrlSum at group and payment-information level, IBAN, BIC,
 * creditor identifier, SvcLvl SEPA, SeqTp and local instrument of direct debits. A pain.001 payment
 * information whose service level is not SEPA is checked without the SEPA-only rules. With `opts.xsdFile` the
 * file is also validated against that XSD in process. Entries are transactions; totals are count and sum.
 */
export async function checkPain(
  text: string,
  format: PainFormat,
  opts: CheckOptions = {},
): Promise<BankFileCheck> {
  const v = VARIANTS[format];
  const parsed = parseXml(text);
  if (!parsed.ok) return unreadable(format, parsed.problem);
  const f = new Findings();
  const info = rootInfo(text);
  if (info?.message !== format)
    f.problem(
      '/Document',
      `the namespace is ${info?.message ?? 'missing'}, expected urn:iso:std:iso:20022:tech:xsd:${format}`,
    );
  const doc = parsed.root;
  const base = `/Document/${v.root}`;
  const msg = at(doc, v.root);
  const totals = new Totals();
  if (doc.name !== 'Document' || !msg) {
    f.problem(base, `${v.root} is required under Document`);
    return {
      format,
      valid: false,
      entries: 0,
      totals: totals.result(),
      problems: f.problems,
      warnings: f.warnings,
    };
  }
  const ctx: Ctx = { f, v, endToEnd: new Map() };
  const hdr = at(msg, 'GrpHdr');
  const hdrBase = `${base}/GrpHdr`;
  if (!hdr) f.problem(hdrBase, 'GrpHdr is required');
  else {
    checkIdentifier(ctx, f.required(hdr, 'MsgId', hdrBase, MAX35), `${hdrBase}/MsgId`);
    const created = f.required(hdr, 'CreDtTm', hdrBase);
    if (created !== undefined) {
      const p = isoDateTimeProblem(created);
      if (p) f.problem(`${hdrBase}/CreDtTm`, p);
    }
    const initg = at(hdr, 'InitgPty');
    if (!initg) f.problem(`${hdrBase}/InitgPty`, 'InitgPty is required');
    else {
      f.optional(initg, 'Nm', `${hdrBase}/InitgPty`, MAX140);
    }
  }
  const blocks = all(msg, 'PmtInf');
  if (blocks.length === 0) f.problem(`${base}/PmtInf`, 'at least one PmtInf is required');
  const currencies = new Set<string>();
  let groupSum = 0;
  let anySepa = false;
  // A control sum is only compared when every amount could be read (an unreadable one is already a problem).
  let unreadAmounts = 0;
  blocks.forEach((pmt, pi) => {
    const pBase = indexed(base, 'PmtInf', pi);
    checkIdentifier(ctx, f.required(pmt, 'PmtInfId', pBase, MAX35), `${pBase}/PmtInfId`);
    const method = f.required(pmt, 'PmtMtd', pBase);
    const methods = v.kind === 'debit' ? ['DD'] : ['TRF', 'CHK', 'TRA'];
    if (method !== undefined && !methods.includes(method))
      f.problem(`${pBase}/PmtMtd`, `must be ${methods.join(' or ')}, not ${method}`);
    const svc = at(pmt, 'PmtTpInf/SvcLvl/Cd')?.text ?? at(tx0(pmt, v), 'PmtTpInf/SvcLvl/Cd')?.text;
    // Direct debits are SEPA by definition; a credit transfer is SEPA when its service level says so.
    const sepa = v.kind === 'debit' || svc === 'SEPA';
    anySepa ||= sepa;
    if (v.kind === 'debit') {
      if (svc !== 'SEPA') f.problem(`${pBase}/PmtTpInf/SvcLvl/Cd`, `must be SEPA, not ${svc ?? 'absent'}`);
      const lcl = at(pmt, 'PmtTpInf/LclInstrm/Cd')?.text;
      if (lcl !== 'CORE' && lcl !== 'B2B')
        f.problem(`${pBase}/PmtTpInf/LclInstrm/Cd`, `must be CORE or B2B, not ${lcl ?? 'absent'}`);
      const seq = at(pmt, 'PmtTpInf/SeqTp')?.text;
      if (seq === undefined) f.problem(`${pBase}/PmtTpInf/SeqTp`, 'SeqTp is required');
      else if (!v.sequenceTypes.includes(seq))
        f.problem(
          `${pBase}/PmtTpInf/SeqTp`,
          `"${seq}" is not a sequence type (${v.sequenceTypes.join(', ')})`,
        );
      const date = f.required(pmt, 'ReqdColltnDt', pBase);
      if (date !== undefined) {
        const p = isoDateProblem(date);
        if (p) f.problem(`${pBase}/ReqdColltnDt`, p);
      }
      checkName(ctx, at(pmt, 'Cdtr'), `${pBase}/Cdtr`, true);
      checkIban(ctx, at(pmt, 'CdtrAcct'), `${pBase}/CdtrAcct`, true);
      checkBic(ctx, at(pmt, 'CdtrAgt'), `${pBase}/CdtrAgt`);
      const scheme = at(pmt, 'CdtrSchmeId');
      if (scheme) checkCreditorId(ctx, scheme, `${pBase}/CdtrSchmeId`);
      else if (all(pmt, v.tx).some((t) => !at(t, 'DrctDbtTx/CdtrSchmeId')))
        f.problem(`${pBase}/CdtrSchmeId`, 'the creditor identifier (CdtrSchmeId) is required');
    } else {
      const datePath = v.format === 'pain.001.001.09' ? 'ReqdExctnDt/Dt' : 'ReqdExctnDt';
      const date = at(pmt, datePath)?.text;
      const dateTime = v.format === 'pain.001.001.09' ? at(pmt, 'ReqdExctnDt/DtTm')?.text : undefined;
      if (date === undefined && dateTime === undefined)
        f.problem(`${pBase}/${datePath}`, 'the requested execution date is required');
      else if (date !== undefined) {
        const p = isoDateProblem(date);
        if (p) f.problem(`${pBase}/${datePath}`, p);
      }
      checkName(ctx, at(pmt, 'Dbtr'), `${pBase}/Dbtr`, sepa);
      checkIban(ctx, at(pmt, 'DbtrAcct'), `${pBase}/DbtrAcct`, sepa);
      checkBic(ctx, at(pmt, 'DbtrAgt'), `${pBase}/DbtrAgt`);
    }
    const chrg = at(pmt, 'ChrgBr')?.text;
    if (sepa && chrg !== undefined && chrg !== 'SLEV')
      f.problem(`${pBase}/ChrgBr`, `SEPA charges are SLEV, not ${chrg}`);
    const txs = all(pmt, v.tx);
    if (txs.length === 0) f.problem(`${pBase}/${v.tx}`, `at least one ${v.tx} is required`);
    let sum = 0;
    const blockCurrencies = new Set<string>();
    txs.forEach((tx, ti) => {
      const read = checkTx(ctx, tx, indexed(pBase, v.tx, ti), sepa);
      totals.count++;
      if (!read) unreadAmounts++;
      else {
        sum += read.minor;
        blockCurrencies.add(read.currency);
        currencies.add(read.currency);
        totals.add(read.currency, read.minor, v.kind);
      }
    });
    const only = blockCurrencies.size === 1 && unreadAmounts === 0 ? [...blockCurrencies][0] : undefined;
    checkControls(f, pmt, pBase, txs.length, sum, only, false);
    groupSum += sum;
  });
  if (hdr) {
    // The initiating party's name follows the SEPA limit when the file holds a SEPA payment.
    const nm = textAt(hdr, 'InitgPty/Nm');
    if (anySepa && nm !== undefined && [...nm].length > EPC_NAME)
      f.problem(
        `${hdrBase}/InitgPty/Nm`,
        `name is ${[...nm].length} characters long; SEPA allows ${EPC_NAME}`,
      );
    const only = currencies.size === 1 && unreadAmounts === 0 ? [...currencies][0] : undefined;
    if (currencies.size > 1 && at(hdr, 'CtrlSum'))
      f.warn(`${hdrBase}/CtrlSum`, 'the amounts are in several currencies; the control sum is not compared');
    checkControls(f, hdr, hdrBase, totals.count, groupSum, only, true);
  }
  if (opts.xsdFile !== undefined) f.problems.push(...(await xsdProblems(text, opts.xsdFile)));
  const result = totals.result();
  // The CLI and services compare entries and totals with what was written; the count includes unreadable ones.
  return {
    format,
    valid: f.problems.length === 0,
    entries: totals.count,
    totals: result,
    problems: f.problems,
    warnings: f.warnings,
  };
}

/** The first transaction of a payment information block (the service level may sit there instead). */
function tx0(pmt: El, v: Variant): El | undefined {
  return all(pmt, v.tx)[0];
}
