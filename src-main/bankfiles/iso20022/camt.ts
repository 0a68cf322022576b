import { formatMinor } from '../../../src-shared/money';
import type { BankFileReader, CheckOptions } from '../readers';
import type {
  BankFileCheck,
  BankFileFormat,
  BankFileProblem,
  BankReturnItem,
  ParsedReturns,
  StatementCredit,
} from '../types';
import { currencyExponent, decimalToMinor } from './amount';
import { Findings, MAX140, MAX35, Totals, isoDateTimeProblem, unreadable } from './rules';
import { xsdProblems } from './xsd';
import { all, allAt, at, indexed, parseXml, rootInfo, textAt, type El } from './xml';

/** The three cash-management messages: statement, notification, intraday report. */
type CamtKind = 'camt.053' | 'camt.054' | 'camt.052';

const SHAPES: Record<CamtKind, { root: string; block: string; what: string }> = {
  'camt.053': { root: 'BkToCstmrStmt', block: 'Stmt', what: 'statement' },
  'camt.054': { root: 'BkToCstmrDbtCdtNtfctn', block: 'Ntfctn', what: 'notification' },
  'camt.052': { root: 'BkToCstmrAcctRpt', block: 'Rpt', what: 'report' },
};

/** Bank transaction sub-families of a returned or unpaid direct debit / payment (ISO bank transaction codes). */
const RETURN_SUBFAMILIES = new Set(['UPDD', 'RRTN', 'PRDD', 'ARET', 'RPCR']);
/** Families of issued/received direct debits. */
const DD_FAMILIES = new Set(['IDDT', 'RDDT']);
/** Return reasons that are a debtor's refund claim rather than a return (SEPA R-transactions). */
const REFUND_REASONS = new Set(['MD06']);

/** One entry (Ntry) read with what every use needs. */
type Entry = {
  el: El;
  path: string;
  amountMinor: number | null;
  currency: string | null;
  side: 'CRDT' | 'DBIT' | null;
  status: string | undefined;
  reversal: boolean;
  bookingDate: string | null;
  valueDate: string | null;
  bankReference: string | null;
  family: string | undefined;
  subFamily: string | undefined;
};

/** A day (YYYY-MM-DD) out of a DateAndDateTimeChoice (Dt or DtTm). */
function dayOf(el: El | undefined): string | null {
  const dt = textAt(el, 'Dt') ?? textAt(el, 'DtTm');
  return dt === undefined ? null : dt.slice(0, 10);
}

function readEntry(f: Findings, el: El, path: string): Entry {
  const amt = at(el, 'Amt');
  let amountMinor: number | null = null;
  const currency = amt?.attrs.Ccy ?? null;
  if (!amt) f.problem(`${path}/Amt`, 'Amt is required');
  else if (currency === null) f.problem(`${path}/Amt`, 'the amount has no currency (Ccy)');
  else {
    const r = decimalToMinor(amt.text, currency);
    if (!r.ok) f.problem(`${path}/Amt`, r.reason);
    else {
      amountMinor = r.minor;
      if (r.paddedZeros)
        f.warn(
          `${path}/Amt`,
          `"${amt.text}" has more decimals than ${currency}; the extra digits are zeros and were dropped`,
        );
    }
  }
  const ind = textAt(el, 'CdtDbtInd');
  if (ind !== 'CRDT' && ind !== 'DBIT')
    f.problem(`${path}/CdtDbtInd`, `must be CRDT or DBIT, not ${ind ?? 'absent'}`);
  const sts = at(el, 'Sts');
  const status = sts
    ? sts.kids.length > 0
      ? (textAt(sts, 'Cd') ?? textAt(sts, 'Prtry'))
      : sts.text
    : undefined;
  if (status === undefined || status === '') f.problem(`${path}/Sts`, 'the entry status (Sts) is required');
  return {
    el,
    path,
    amountMinor,
    currency,
    side: ind === 'CRDT' || ind === 'DBIT' ? ind : null,
    status,
    reversal: textAt(el, 'RvslInd') === 'true',
    bookingDate: dayOf(at(el, 'BookgDt')),
    valueDate: dayOf(at(el, 'ValDt')),
    bankReference: textAt(el, 'AcctSvcrRef') ?? textAt(el, 'NtryRef') ?? null,
    family: textAt(el, 'BkTxCd/Domn/Fmly/Cd'),
    subFamily: textAt(el, 'BkTxCd/Domn/Fmly/SubFmlyCd'),
  };
}

/** One parsed camt document: its blocks (statements/notifications/reports) and their entries. */
type CamtDoc = {
  kind: CamtKind;
  messageId: string | undefined;
  entries: Entry[];
  f: Findings;
  totals: Totals;
};

function checkRemittance(f: Findings, tx: El, base: string): void {
  const lines = allAt(tx, 'RmtInf/Ustrd');
  lines.forEach((u, i) => {
    const n = [...u.text].length;
    // Banks do send longer lines (the ABN AMRO sample has 204 characters): read them whole, but say so.
    if (n > MAX140)
      f.warn(
        lines.length > 1 ? indexed(`${base}/RmtInf`, 'Ustrd', i) : `${base}/RmtInf/Ustrd`,
        `Ustrd is ${n} characters long; Max140Text allows ${MAX140} (read in full)`,
      );
  });
}

/**
 * Compares TxsSummry (number and sum of entries, credits and debits) with the entries. A difference is a
 * warning: the entries are what is booked, and banks differ in how a summary counts reversals.
 */
function checkSummary(f: Findings, block: El, base: string, all: Entry[]): void {
  const sum = at(block, 'TxsSummry');
  if (!sum) return;
  // The summary counts the account's own currency: entries in another one (a foreign-currency item on the
  // statement) are left out when the account states its currency; with none stated, mixed entries are not compared.
  const accountCcy = textAt(block, 'Acct/Ccy');
  const entries = accountCcy === undefined ? all : all.filter((e) => e.currency === accountCcy);
  if (accountCcy === undefined && new Set(all.map((e) => e.currency)).size > 1) return;
  const ccy = entries.find((e) => e.currency)?.currency;
  const exponent = ccy ? currencyExponent(ccy) : undefined;
  const compare = (path: string, group: Entry[]): void => {
    const node = at(sum, path);
    if (!node) return;
    const nb = textAt(node, 'NbOfNtries');
    if (nb !== undefined && Number(nb) !== group.length)
      f.warn(
        `${base}/TxsSummry/${path}/NbOfNtries`,
        `NbOfNtries says ${nb} but the ${base.split('/').pop() ?? 'block'} has ${group.length} entries`,
      );
    const s = textAt(node, 'Sum');
    if (s === undefined || !ccy || exponent === undefined) return;
    if (new Set(group.map((e) => e.currency)).size > 1) return;
    const r = decimalToMinor(s, ccy);
    const actual = group.reduce((t, e) => t + (e.amountMinor ?? 0), 0);
    if (r.ok && r.minor !== actual)
      f.warn(
        `${base}/TxsSummry/${path}/Sum`,
        `Sum says ${s} but the entries add up to ${formatMinor(actual, exponent)}`,
      );
  };
  compare('TtlNtries', entries);
  compare(
    'TtlCdtNtries',
    entries.filter((e) => e.side === 'CRDT'),
  );
  compare(
    'TtlDbtNtries',
    entries.filter((e) => e.side === 'DBIT'),
  );
}

function readCamt(text: string, kind: CamtKind): CamtDoc | { unreadable: BankFileProblem } {
  const parsed = parseXml(text);
  if (!parsed.ok) return { unreadable: parsed.problem };
  const shape = SHAPES[kind];
  const f = new Findings();
  const doc: CamtDoc = { kind, messageId: undefined, entries: [], f, totals: new Totals() };
  const info = rootInfo(text);
  if (info?.looseNamespace)
    f.warn('/Document', `the namespace ${info.message ?? ''} is declared with an attribute other than xmlns`);
  const base = `/Document/${shape.root}`;
  const msg = at(parsed.root, shape.root);
  if (parsed.root.name !== 'Document' || !msg) {
    f.problem(base, `${shape.root} is required under Document`);
    return doc;
  }
  const hdr = at(msg, 'GrpHdr');
  if (!hdr) f.problem(`${base}/GrpHdr`, 'GrpHdr is required');
  else {
    doc.messageId = f.required(hdr, 'MsgId', `${base}/GrpHdr`, MAX35);
    const created = f.required(hdr, 'CreDtTm', `${base}/GrpHdr`);
    if (created !== undefined) {
      const p = isoDateTimeProblem(created);
      if (p) f.problem(`${base}/GrpHdr/CreDtTm`, p);
    }
  }
  const blocks = all(msg, shape.block);
  if (blocks.length === 0)
    f.problem(
      `${base}/${shape.block}`,
      `${shape.root} has no ${shape.block}: at least one ${shape.what} is required`,
    );
  blocks.forEach((block, bi) => {
    const bBase = indexed(base, shape.block, bi);
    f.required(block, 'Id', bBase, MAX35);
    const created = textAt(block, 'CreDtTm');
    if (created === undefined) f.problem(`${bBase}/CreDtTm`, 'CreDtTm is required');
    else {
      const p = isoDateTimeProblem(created);
      if (p) f.problem(`${bBase}/CreDtTm`, p);
    }
    const acct = at(block, 'Acct');
    if (!acct) f.problem(`${bBase}/Acct`, 'Acct is required');
    else if (!at(acct, 'Id/IBAN') && !at(acct, 'Id/Othr/Id'))
      f.problem(`${bBase}/Acct/Id`, 'the account needs an IBAN or Othr/Id');
    if (kind === 'camt.053' && all(block, 'Bal').length === 0)
      f.problem(`${bBase}/Bal`, 'a statement needs at least one balance (Bal)');
    const entries = all(block, 'Ntry').map((n, ni) => readEntry(f, n, indexed(bBase, 'Ntry', ni)));
    for (const e of entries) {
      doc.totals.count++;
      if (e.amountMinor !== null && e.currency !== null && e.side !== null)
        doc.totals.add(e.currency, e.amountMinor, e.side === 'DBIT' ? 'debit' : 'credit');
      allAt(e.el, 'NtryDtls/TxDtls').forEach((tx, ti) =>
        checkRemittance(f, tx, indexed(`${e.path}/NtryDtls`, 'TxDtls', ti)),
      );
    }
    checkSummary(f, block, bBase, entries);
    doc.entries.push(...entries);
  });
  return doc;
}

/** The transaction details of an entry with their amounts (TxDtls amount in the entry's currency, else null). */
function detailsOf(
  f: Findings,
  e: Entry,
): { tx: El | undefined; path: string; amountMinor: number | null }[] {
  const txs = allAt(e.el, 'NtryDtls/TxDtls');
  if (txs.length <= 1)
    return [
      { tx: txs[0], path: txs[0] ? `${e.path}/NtryDtls/TxDtls[1]` : e.path, amountMinor: e.amountMinor },
    ];
  const details = txs.map((tx, i) => {
    const path = indexed(`${e.path}/NtryDtls`, 'TxDtls', i);
    const amt = [at(tx, 'AmtDtls/TxAmt/Amt'), at(tx, 'AmtDtls/InstdAmt/Amt'), at(tx, 'Amt')].find(
      (a) => a !== undefined && a.attrs.Ccy === e.currency,
    );
    if (!amt || e.currency === null) {
      f.problem(
        path,
        `a batch-booked entry needs each transaction's amount in ${e.currency ?? 'the entry currency'}`,
      );
      return { tx, path, amountMinor: null };
    }
    const r = decimalToMinor(amt.text, e.currency);
    if (!r.ok) {
      f.problem(path, r.reason);
      return { tx, path, amountMinor: null };
    }
    return { tx, path, amountMinor: r.minor };
  });
  // A batch booking splits its entry: the parts must add up to it, or some payment is missing or doubled.
  const sum = details.reduce((t, d) => t + (d.amountMinor ?? 0), 0);
  const exponent = e.currency === null ? undefined : currencyExponent(e.currency);
  if (
    e.amountMinor !== null &&
    exponent !== undefined &&
    details.every((d) => d.amountMinor !== null) &&
    sum !== e.amountMinor
  )
    f.problem(
      `${e.path}/NtryDtls`,
      `the ${details.length} transactions add up to ${formatMinor(sum, exponent)} but the entry is ${formatMinor(e.amountMinor, exponent)}`,
    );
  return details;
}

function isBooked(e: Entry): boolean {
  return e.status === 'BOOK';
}

/** True when a debit entry is a returned or unpaid direct debit / payment (RtrInf, or its bank transaction code). */
function isReturn(e: Entry, tx: El | undefined): boolean {
  if (at(tx, 'RtrInf')) return true;
  if (e.subFamily !== undefined && RETURN_SUBFAMILIES.has(e.subFamily)) return true;
  return e.family !== undefined && DD_FAMILIES.has(e.family) && e.subFamily === 'UPDD';
}

/**
 * Returned collections in a camt.053/.054/.052: booked DBIT entries whose transaction details carry RtrInf or
 * whose bank transaction code is a returned/unpaid direct debit (PMNT/IDDT/UPDD, RRTN …). Each becomes a
 * 'return' item (MD06 a 'refund') matched by Refs/EndToEndId (+ MndtId, message and payment-information ids),
 * reason RtrInf/Rsn/Cd (or Prtry), text RtrInf/AddtlInf.
 */
export function readCamtReturns(text: string, kind: CamtKind): ParsedReturns {
  const doc = readCamt(text, kind);
  if ('unreadable' in doc)
    return { format: kind, items: [], changes: [], accepted: 0, problems: [doc.unreadable], warnings: [] };
  const items: BankReturnItem[] = [];
  let accepted = 0;
  for (const e of doc.entries) {
    if (e.side !== 'DBIT') continue;
    for (const d of detailsOf(doc.f, e)) {
      if (!isReturn(e, d.tx)) continue;
      if (!isBooked(e)) {
        doc.f.warn(
          d.path,
          `a returned payment with status ${e.status ?? 'absent'} is not booked yet; not read`,
        );
        continue;
      }
      if (e.reversal) {
        doc.f.warn(d.path, 'a reversal (RvslInd) of a return is not a return; not read');
        continue;
      }
      const rtr = at(d.tx, 'RtrInf');
      const code = textAt(rtr, 'Rsn/Cd') ?? textAt(rtr, 'Rsn/Prtry');
      const endToEndId = textAt(d.tx, 'Refs/EndToEndId');
      if (endToEndId === undefined || endToEndId === 'NOTPROVIDED')
        doc.f.warn(
          d.path,
          'the returned payment has no EndToEndId; it can only be matched by its other references',
        );
      if (code === undefined)
        doc.f.warn(d.path, 'the return gives no reason code (RtrInf/Rsn); MS03 is used');
      const addtl = all(rtr, 'AddtlInf')
        .map((a) => a.text)
        .join(' ');
      items.push({
        ref: {
          endToEndId: endToEndId === 'NOTPROVIDED' ? undefined : endToEndId,
          mandateId: textAt(d.tx, 'Refs/MndtId'),
          instructionId: textAt(d.tx, 'Refs/InstrId'),
          messageId: textAt(d.tx, 'Refs/MsgId'),
          paymentInfoId: textAt(d.tx, 'Refs/PmtInfId'),
        },
        amountMinor: d.amountMinor,
        currency: e.currency,
        kind: code !== undefined && REFUND_REASONS.has(code) ? 'refund' : 'return',
        code: code ?? 'MS03',
        text: addtl === '' ? textAt(e.el, 'AddtlNtryInf') : addtl,
        date: e.bookingDate ?? e.valueDate ?? undefined,
        path: d.path,
      });
    }
  }
  for (const e of doc.entries) if (e.side === 'CRDT' && isBooked(e)) accepted++;
  return {
    format: kind,
    messageId: doc.messageId,
    items,
    changes: [],
    accepted,
    problems: doc.f.problems,
    warnings: doc.f.warnings,
  };
}

/**
 * Booked CRDT entries of a camt.053/.054/.052 as statement credits: one per transaction detail of a
 * batch-booked entry, else one per entry, with the remittance (every Ustrd line, Strd/CdtrRefInf/Ref), the
 * debtor's name and IBAN, EndToEndId, dates, currency and the bank's reference. Pending entries, reversals and
 * returned credit transfers (RtrInf) are not customer payments: skipped with a warning.
 */
export function readCamtCredits(
  text: string,
  kind: CamtKind,
): {
  credits: StatementCredit[];
  problems: BankFileProblem[];
  warnings: BankFileProblem[];
  messageId: string | undefined;
} {
  const doc = readCamt(text, kind);
  if ('unreadable' in doc)
    return { credits: [], problems: [doc.unreadable], warnings: [], messageId: undefined };
  const credits: StatementCredit[] = [];
  for (const e of doc.entries) {
    if (e.side !== 'CRDT') continue;
    if (!isBooked(e)) {
      doc.f.warn(e.path, `credit with status ${e.status ?? 'absent'} is not booked; not read`);
      continue;
    }
    if (e.reversal) {
      doc.f.warn(e.path, 'a reversal entry (RvslInd) is not a payment; not read');
      continue;
    }
    if (e.currency === null || e.amountMinor === null) continue;
    for (const d of detailsOf(doc.f, e)) {
      if (at(d.tx, 'RtrInf')) {
        doc.f.warn(d.path, 'a returned payment (RtrInf) is not a customer payment; not read');
        continue;
      }
      if (d.amountMinor === null) continue;
      const dbtr = at(d.tx, 'RltdPties/Dbtr');
      const e2e = textAt(d.tx, 'Refs/EndToEndId');
      credits.push({
        amountMinor: d.amountMinor,
        currency: e.currency,
        bookingDate: e.bookingDate,
        valueDate: e.valueDate,
        debtorName: textAt(dbtr, 'Nm') ?? textAt(dbtr, 'Pty/Nm') ?? null,
        debtorIban: textAt(d.tx, 'RltdPties/DbtrAcct/Id/IBAN') ?? null,
        remittance: allAt(d.tx, 'RmtInf/Ustrd').map((u) => u.text),
        creditorReference: textAt(d.tx, 'RmtInf/Strd/CdtrRefInf/Ref') ?? null,
        endToEndId: e2e === undefined || e2e === 'NOTPROVIDED' ? null : e2e,
        bankReference: textAt(d.tx, 'Refs/AcctSvcrRef') ?? e.bankReference,
        path: d.path,
      });
    }
  }
  return { credits, problems: doc.f.problems, warnings: doc.f.warnings, messageId: doc.messageId };
}

/**
 * The check of a camt.053/.054/.052: the message element and at least one statement/notification/report,
 * identifiers and dates, the account, balances of a statement, each entry's amount (the currency's decimals;
 * extra zero decimals are dropped with a warning), credit/debit indicator and status, TxsSummry against the
 * entries; over-long Ustrd lines are warnings. With `opts.xsdFile`, XSD validation as well. Entries are Ntry
 * elements; totals split debits and credits per currency.
 */
export async function checkCamt(
  text: string,
  kind: CamtKind,
  opts: CheckOptions = {},
): Promise<BankFileCheck> {
  const doc = readCamt(text, kind);
  if ('unreadable' in doc) return unreadable(kind, doc.unreadable);
  if (opts.xsdFile !== undefined) doc.f.problems.push(...(await xsdProblems(text, opts.xsdFile)));
  return {
    format: kind,
    valid: doc.f.problems.length === 0,
    entries: doc.entries.length,
    totals: doc.totals.result(),
    problems: doc.f.problems,
    warnings: doc.f.warnings,
  };
}

function camtReader(kind: CamtKind): BankFileReader {
  const format: BankFileFormat = kind;
  return {
    format,
    detect: (text) => rootInfo(text)?.message?.startsWith(`${kind}.`) === true,
    check: (text, opts) => checkCamt(text, kind, opts),
    returns: (text) => readCamtReturns(text, kind),
    credits: (text) => readCamtCredits(text, kind),
  };
}

/** camt.053 bank-to-customer statement (v2, v8 …): check, returns, credits. */
export const camt053Reader: BankFileReader = camtReader('camt.053');
/** camt.054 debit/credit notification: check, returns, credits. */
export const camt054Reader: BankFileReader = camtReader('camt.054');
/** camt.052 intraday account report: check, returns, credits. */
export const camt052Reader: BankFileReader = camtReader('camt.052');
