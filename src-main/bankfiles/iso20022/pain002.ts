import type { BankFileReader } from '../readers';
import type { BankFileCheck, BankReturnItem, ParsedReturns } from '../types';
import { decimalToMinor } from './amount';
import { Findings, MAX35, Totals, isoDateTimeProblem, unreadable } from './rules';
import { xsdProblems } from './xsd';
import { all, at, indexed, parseXml, rootInfo, textAt, type El } from './xml';

/** Transaction and group statuses that mean accepted, settled or in progress towards it (nothing to undo). */
export const ACCEPTED_STATUSES = new Set([
  'ACCP',
  'ACSC',
  'ACSP',
  'ACTC',
  'ACWC',
  'ACCC',
  'ACFC',
  'ACWP',
  'ACIS',
  'ACPD',
]);

/** Every ExternalPaymentTransactionStatus1Code / group status (shared external code sets). */
const KNOWN_STATUSES = new Set([
  ...ACCEPTED_STATUSES,
  'RJCT',
  'PART',
  'PDNG',
  'RCVD',
  'CANC',
  'BLCK',
  'PATC',
  'PRES',
]);

/** The reason code used when a reject carries none: MS03 "reason has not been specified by agent". */
export const NO_REASON_CODE = 'MS03';

const ROOT = 'CstmrPmtStsRpt';

/** True when the text is a pain.002 of any version (by its root namespace, or a lenient `Xmlns` declaration). */
function detectPain002(text: string): boolean {
  const info = rootInfo(text);
  if (!info) return false;
  if (info.message?.startsWith('pain.002.')) return true;
  // No ISO namespace at all, but the message element says what it is: detected so the check can refuse it
  // with the right reason rather than "unknown format".
  return info.message === null && info.messageElement === ROOT;
}

/** The first status reason: the code (Rsn/Cd, else Rsn/Prtry) and the additional text lines joined. */
function reasonOf(holder: El | undefined): { code: string | null; text: string | undefined } {
  for (const rsn of all(holder, 'StsRsnInf')) {
    const code = textAt(rsn, 'Rsn/Cd') ?? textAt(rsn, 'Rsn/Prtry') ?? null;
    const text = all(rsn, 'AddtlInf')
      .map((a) => a.text)
      .filter((t) => t !== '')
      .join(' ');
    if (code !== null || text !== '') return { code, text: text === '' ? undefined : text };
  }
  return { code: null, text: undefined };
}

type Walk = {
  f: Findings;
  format: 'pain.002';
  messageId: string | undefined;
  items: BankReturnItem[];
  accepted: number;
  statuses: number;
  totals: Totals;
};

function statusProblem(w: Walk, status: string | undefined, path: string): void {
  if (status !== undefined && !KNOWN_STATUSES.has(status))
    w.f.problem(path, `"${status}" is not a payment status code (${[...KNOWN_STATUSES].join(', ')})`);
}

function reject(
  w: Walk,
  ref: BankReturnItem['ref'],
  reason: { code: string | null; text: string | undefined },
  path: string,
  amount?: { minor: number; currency: string },
  date?: string,
): void {
  if (reason.code === null)
    w.f.warn(path, `the reject gives no reason code; ${NO_REASON_CODE} (reason not specified) is used`);
  w.items.push({
    ref,
    amountMinor: amount?.minor ?? null,
    currency: amount?.currency ?? null,
    kind: 'reject',
    code: reason.code ?? NO_REASON_CODE,
    text: reason.text,
    date,
    path,
  });
}

/** Reads the original amount of a transaction status (InstdAmt, else the interbank settlement amount). */
function originalAmount(w: Walk, tx: El, base: string): { minor: number; currency: string } | undefined {
  const amt = at(tx, 'OrgnlTxRef/Amt/InstdAmt') ?? at(tx, 'OrgnlTxRef/IntrBkSttlmAmt');
  if (!amt) return undefined;
  const ccy = amt.attrs.Ccy;
  const path = `${base}/OrgnlTxRef/${amt.name === 'InstdAmt' ? 'Amt/InstdAmt' : 'IntrBkSttlmAmt'}`;
  if (!ccy) {
    w.f.problem(path, 'the amount has no currency (Ccy)');
    return undefined;
  }
  const r = decimalToMinor(amt.text, ccy);
  if (!r.ok) {
    w.f.problem(path, r.reason);
    return undefined;
  }
  return { minor: r.minor, currency: ccy };
}

function originalDate(tx: El): string | undefined {
  return (
    textAt(tx, 'OrgnlTxRef/ReqdColltnDt') ??
    textAt(tx, 'OrgnlTxRef/ReqdExctnDt/Dt') ??
    textAt(tx, 'OrgnlTxRef/ReqdExctnDt')
  );
}

/**
 * Walks a pain.002 document: group status, payment-information statuses and transaction statuses (DOMAIN.md
 * §3.13). A group-level RJCT rejects every transaction of the original message and a payment-information RJCT
 * every transaction of that block: they are single items carrying only ref.messageId / ref.paymentInfoId (the
 * file does not list the transactions; the returns service expands them). A transaction RJCT is one item with
 * its EndToEndId; a rejected block may list some of its transactions as well, each then also an item of its
 * own with its own reason (the expansion of the block item covers the others). Accepted statuses are
 * counted; PDNG/RCVD are neither.
 */
function walk(text: string, lenient: boolean): { w: Walk; ok: boolean } {
  const w: Walk = {
    f: new Findings(lenient),
    format: 'pain.002',
    messageId: undefined,
    items: [],
    accepted: 0,
    statuses: 0,
    totals: new Totals(),
  };
  const parsed = parseXml(text);
  if (!parsed.ok) {
    w.f.problems.push(parsed.problem);
    return { w, ok: false };
  }
  const info = rootInfo(text);
  if (!info || info.message === null) {
    w.f.fatal(
      '/Document',
      'the Document has no ISO 20022 namespace (expected xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.xx")',
    );
    return { w, ok: false };
  }
  if (info.looseNamespace)
    w.f.warn(
      '/Document',
      `the namespace ${info.message} is declared with an attribute other than xmlns; read leniently`,
    );
  const base = `/Document/${ROOT}`;
  const msg = at(parsed.root, ROOT);
  if (parsed.root.name !== 'Document' || !msg) {
    w.f.fatal(base, `${ROOT} is required under Document`);
    return { w, ok: false };
  }
  const hdr = at(msg, 'GrpHdr');
  if (!hdr) w.f.problem(`${base}/GrpHdr`, 'GrpHdr is required');
  else {
    w.messageId = w.f.required(hdr, 'MsgId', `${base}/GrpHdr`, MAX35);
    const created = w.f.required(hdr, 'CreDtTm', `${base}/GrpHdr`);
    if (created !== undefined) {
      const p = isoDateTimeProblem(created);
      if (p) w.f.problem(`${base}/GrpHdr/CreDtTm`, p);
    }
  }
  const grp = at(msg, 'OrgnlGrpInfAndSts');
  const gBase = `${base}/OrgnlGrpInfAndSts`;
  if (!grp) {
    w.f.fatal(gBase, 'OrgnlGrpInfAndSts is required');
    return { w, ok: true };
  }
  const originalMsgId = textAt(grp, 'OrgnlMsgId');
  if (originalMsgId === undefined || originalMsgId === '')
    w.f.problem(
      `${gBase}/OrgnlMsgId`,
      'OrgnlMsgId is required: without it the rejected message cannot be identified',
    );
  const originalName = textAt(grp, 'OrgnlMsgNmId');
  if (originalName === undefined) w.f.problem(`${gBase}/OrgnlMsgNmId`, 'OrgnlMsgNmId is required');
  const side: 'debit' | 'credit' = originalName?.startsWith('pain.008') ? 'debit' : 'credit';
  const groupStatus = textAt(grp, 'GrpSts');
  statusProblem(w, groupStatus, `${gBase}/GrpSts`);
  const groupReason = reasonOf(grp);
  const blocks = [...all(msg, 'OrgnlPmtInfAndSts'), ...all(grp, 'OrgnlPmtInfAndSts')];
  if (groupStatus === 'RJCT') {
    w.statuses++;
    reject(w, { messageId: originalMsgId }, groupReason, gBase);
    // The whole message is rejected: lower levels add nothing (their transactions are in the group reject).
    return { w, ok: true };
  }
  blocks.forEach((pmt, pi) => {
    const pBase = indexed(base, 'OrgnlPmtInfAndSts', pi);
    const pmtInfId = textAt(pmt, 'OrgnlPmtInfId');
    if (pmtInfId === undefined) w.f.problem(`${pBase}/OrgnlPmtInfId`, 'OrgnlPmtInfId is required');
    const pmtStatus = textAt(pmt, 'PmtInfSts');
    statusProblem(w, pmtStatus, `${pBase}/PmtInfSts`);
    const pmtReason = reasonOf(pmt);
    const txs = all(pmt, 'TxInfAndSts');
    if (pmtStatus === 'RJCT') {
      w.statuses++;
      // The block's reason, else the group's, else the first listed transaction's (banks put it there).
      const given = (r: ReturnType<typeof reasonOf>) => r.code !== null || r.text !== undefined;
      const fromTx = txs.map(reasonOf).find(given);
      const reason = given(pmtReason) ? pmtReason : given(groupReason) ? groupReason : (fromTx ?? pmtReason);
      reject(w, { messageId: originalMsgId, paymentInfoId: pmtInfId }, reason, pBase);
    }
    if (txs.length === 0 && pmtStatus !== undefined && pmtStatus !== 'RJCT') w.statuses++;
    if (txs.length === 0 && pmtStatus !== undefined && ACCEPTED_STATUSES.has(pmtStatus)) {
      const n = textAt(pmt, 'OrgnlNbOfTxs');
      w.accepted += n !== undefined && /^\d+$/.test(n) ? Number(n) : 1;
    }
    txs.forEach((tx, ti) => {
      const tBase = indexed(pBase, 'TxInfAndSts', ti);
      w.statuses++;
      const status = textAt(tx, 'TxSts') ?? pmtStatus ?? groupStatus;
      if (textAt(tx, 'TxSts') === undefined && status === undefined)
        w.f.problem(`${tBase}/TxSts`, 'TxSts is required');
      statusProblem(w, textAt(tx, 'TxSts'), `${tBase}/TxSts`);
      const e2e = textAt(tx, 'OrgnlEndToEndId');
      if (e2e === undefined || e2e === '')
        w.f.problem(`${tBase}/OrgnlEndToEndId`, 'OrgnlEndToEndId is required');
      const amount = originalAmount(w, tx, tBase);
      if (amount) w.totals.add(amount.currency, amount.minor, side);
      if (status === 'RJCT') {
        const reason = reasonOf(tx);
        reject(
          w,
          {
            messageId: originalMsgId,
            paymentInfoId: pmtInfId,
            endToEndId: e2e,
            instructionId: textAt(tx, 'OrgnlInstrId'),
            mandateId: textAt(tx, 'OrgnlTxRef/MndtRltdInf/MndtId'),
          },
          reason.code !== null || reason.text ? reason : pmtReason,
          tBase,
          amount,
          originalDate(tx),
        );
      } else if (status !== undefined && ACCEPTED_STATUSES.has(status)) w.accepted++;
    });
  });
  if (blocks.length === 0 && groupStatus !== undefined && ACCEPTED_STATUSES.has(groupStatus)) {
    w.statuses++;
    const n = textAt(grp, 'OrgnlNbOfTxs');
    w.accepted += n !== undefined && /^\d+$/.test(n) ? Number(n) : 0;
  }
  if (blocks.length === 0 && groupStatus === undefined)
    w.f.warn(gBase, 'the report gives no group status and no payment-information or transaction status');
  return { w, ok: true };
}

/** Reads the failed payments a pain.002 reports (see walk) and how many it accepted. */
export function readPain002Returns(text: string): ParsedReturns {
  const { w } = walk(text, true);
  return {
    format: 'pain.002',
    messageId: w.messageId,
    items: w.items,
    changes: [],
    accepted: w.accepted,
    problems: w.f.problems,
    warnings: w.f.warnings,
  };
}

/**
 * The structural check of a pain.002 status report, in code (there is no generic pain.002.001.03 XSD; with
 * `xsdFile` the .10/.11 ones can be used as well). Entries are the statuses read; totals sum the original
 * amounts the report repeats.
 */
export async function checkPain002(text: string, xsdFile?: string): Promise<BankFileCheck> {
  const { w, ok } = walk(text, false);
  const first = w.f.problems[0];
  if (!ok && first && w.statuses === 0) return unreadable('pain.002', first);
  if (xsdFile !== undefined) w.f.problems.push(...(await xsdProblems(text, xsdFile)));
  const totals = w.totals.result();
  totals.count = w.statuses;
  return {
    format: 'pain.002',
    valid: w.f.problems.length === 0,
    entries: w.statuses,
    totals,
    problems: w.f.problems,
    warnings: w.f.warnings,
  };
}

/** The pain.002 (any version) reader: check and returns. */
export const pain002Reader: BankFileReader = {
  format: 'pain.002',
  detect: detectPain002,
  check: (text, opts) => checkPain002(text, opts?.xsdFile),
  returns: readPain002Returns,
};
