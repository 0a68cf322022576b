import type Database from 'better-sqlite3';
import { demoExtractInsertQuery, extractCountQuery, type DemoMandateRow } from '../../../db/repos/demo';
import { driverGet, driverRun } from '../../../db/storage/sqlite';
import { addDays, addMonths } from '../../domain/dates';

/** The demo creditors: a SEPA creditor (pain.008.001.08), an ACH originator and a BACS originator. */
export const DEMO_CREDITORS = [
  {
    code: 'EU-MAIN',
    scheme: 'sepa',
    name: 'Paydesk Demo GmbH',
    identifier: 'DE98ZZZ09999999999',
    currency: 'EUR',
    iban: 'DE89370400440532013000',
    bic: 'COBADEFFXXX',
  },
  {
    code: 'US-MAIN',
    scheme: 'ach',
    name: 'Paydesk Demo Inc',
    identifier: '1234567890',
    currency: 'USD',
    routingNo: '011000015',
    accountNo: '4000123456',
    destinationRouting: '011000015',
    destinationName: 'FEDERAL RESERVE BANK',
    originId: '1234567890',
    originName: 'PAYDESK DEMO INC',
  },
  {
    code: 'UK-MAIN',
    scheme: 'bacs',
    name: 'Paydesk Demo Ltd',
    identifier: '123456',
    currency: 'GBP',
  },
] as const;

/** The columns a demo creditor of one scheme leaves empty. */
export const DEMO_CREDITOR_BLANKS = {
  iban: null,
  bic: null,
  routingNo: null,
  accountNo: null,
  destinationRouting: null,
  destinationName: null,
  originId: null,
  originName: null,
};

/** Check-digit-valid ABA routing numbers used by demo ACH mandates. */
const DEMO_ROUTING = ['011000015', '021000021', '026009593', '121000248'] as const;

/** ISO 7064 mod 97 of a digit string, piecewise. */
function mod97Digits(digits: string): number {
  let rest = 0;
  for (let i = 0; i < digits.length; i++) rest = (rest * 10 + (digits.charCodeAt(i) - 48)) % 97;
  return rest;
}

/** A valid German IBAN for the demo account n (bank code 37040044, a 10-digit account from n). */
export function demoIban(n: number): string {
  const bban = '37040044' + String(n).padStart(10, '0');
  // DE = 13 14; the check digits make bban + "DE" + check ≡ 1 (mod 97).
  const check = 98 - mod97Digits(bban + '131400');
  return `DE${String(check).padStart(2, '0')}${bban}`;
}

/** The facts of a demo account its mandate is made from. */
export type DemoMandateAccount = {
  accountId: number;
  n: number;
  accountNo: string;
  name: string;
  currency: string;
  payType: number;
  isCompany: boolean;
};

/** A demo mandate as stored, with its events (the lodged ones carry the BACS lodging extract). */
export type DemoMandate = Omit<DemoMandateRow, 'accountId' | 'creditorId' | 'scheme'> & {
  creditor: 'sepa' | 'ach' | 'bacs';
  scheme: 'sepa_core' | 'ach' | 'bacs';
  lodged: boolean;
  events: { kind: 'created' | 'cancelled'; afterJson: string }[];
};

/**
 * The mandate of a demo account, or null: SEPA Core for EUR accounts paying by SEPA, ACH PPD (CCD for companies)
 * for USD and BACS for GBP accounts paying by direct debit; JPY and CHF direct-debit accounts get none (the
 * direct-debit run skips them with a reason). Deterministic from the account's number: about a third never
 * collected (FRST next; BACS ones still pending for the first AUDDIS extract), the rest collected (RCUR next),
 * 1 in 50 dormant for over 36 months, 1 in 50 cancelled. `ago` gives the date so many months before the demo's day.
 */
export function demoMandateOf(
  a: DemoMandateAccount,
  today: string,
  ago: (months: number) => string,
): DemoMandate | null {
  let scheme: 'sepa_core' | 'ach' | 'bacs';
  if (a.payType === 10018 && a.currency === 'EUR') scheme = 'sepa_core';
  else if (a.payType === 10005 && a.currency === 'USD') scheme = 'ach';
  else if (a.payType === 10005 && a.currency === 'GBP') scheme = 'bacs';
  else return null;
  const k = a.n % 50;
  const dormant = k === 7;
  const cancelled = k === 13;
  const fresh = !dormant && !cancelled && a.n % 3 === 0;
  const collections = fresh ? 0 : dormant ? 3 : 1 + (a.n % 11);
  const status = cancelled ? 'cancelled' : scheme === 'bacs' && fresh ? 'pending' : 'active';
  const reference = `MD${a.accountNo.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}-1`;
  const iban = scheme === 'sepa_core' ? demoIban(a.n) : null;
  const bic = scheme === 'sepa_core' ? 'COBADEFFXXX' : null;
  const sortCode = scheme === 'bacs' ? `40${String(a.n % 10000).padStart(4, '0')}` : null;
  const routing = scheme === 'ach' ? DEMO_ROUTING[a.n % DEMO_ROUTING.length]! : null;
  const bankAccountNo =
    scheme === 'ach' ? String(100000 + a.n) : scheme === 'bacs' ? String(a.n % 1e8).padStart(8, '0') : null;
  const accountType = scheme === 'ach' ? 'checking' : null;
  const secCode = scheme === 'ach' ? (a.isCompany ? 'CCD' : 'PPD') : null;
  const data =
    scheme === 'sepa_core'
      ? { status: 'active', reference, debtorName: a.name, iban, bic }
      : scheme === 'bacs'
        ? { status: fresh ? 'pending' : 'active', reference, debtorName: a.name, sortCode, bankAccountNo }
        : {
            status: 'active',
            reference,
            debtorName: a.name,
            routingNo: routing,
            bankAccountNo,
            accountType,
            secCode,
          };
  const events: DemoMandate['events'] = [{ kind: 'created', afterJson: JSON.stringify(data) }];
  if (cancelled)
    events.push({
      kind: 'cancelled',
      afterJson: JSON.stringify({ status: 'cancelled', reason: 'Customer request (demo)' }),
    });
  return {
    creditor: scheme === 'sepa_core' ? 'sepa' : scheme,
    scheme,
    reference,
    status,
    signedOn: dormant ? ago(44) : fresh ? ago(1) : ago(collections + 2),
    debtorName: a.name,
    iban,
    bic,
    sortCode,
    routingNo: routing,
    accountNo: bankAccountNo,
    accountType,
    secCode,
    firstCollectedOn: collections > 0 ? (dormant ? ago(41) : ago(collections + 1)) : null,
    lastCollectedOn: collections > 0 ? (dormant ? ago(38) : ago(1)) : null,
    collections,
    cancelledOn: cancelled ? addDays(today, -10) : null,
    cancelReason: cancelled ? 'Customer request (demo)' : null,
    // Instructions already lodged with BACS (collected or cancelled) carry the lodging extract.
    lodged: scheme === 'bacs' && !fresh,
    events,
  };
}

/** The months-ago dates of a demo's day, computed once each. */
export function monthsBefore(today: string): (months: number) => string {
  const monthsAgo = new Map<number, string>();
  return (months) => {
    let v = monthsAgo.get(months);
    if (!v) monthsAgo.set(months, (v = addMonths(today, -months)));
    return v;
  };
}

/**
 * Writes the demo creditors and returns the function that gives a demo account its mandate (demoMandateOf),
 * through the driver, inside the demo's transaction.
 */
export function demoMandates(
  db: Database.Database,
  today: string,
  at: string,
  operatorId: number,
): { add: (a: DemoMandateAccount) => void; finish: () => void } {
  const insCreditor = db.prepare(
    `INSERT OR IGNORE INTO creditors (code, scheme, name, identifier, currency, iban, bic, routing_no, account_no,
       destination_routing, destination_name, origin_id, origin_name, pain_version, is_default, active, created_at, updated_at)
     VALUES (@code, @scheme, @name, @identifier, @currency, @iban, @bic, @routingNo, @accountNo, @destinationRouting,
       @destinationName, @originId, @originName, 'pain.008.001.08', 1, 1, @at, @at)`,
  );
  const ids: Record<string, number> = {};
  for (const c of DEMO_CREDITORS) {
    insCreditor.run({ ...DEMO_CREDITOR_BLANKS, ...c, at });
    ids[c.scheme] = (db.prepare('SELECT id FROM creditors WHERE code = ?').get(c.code) as { id: number }).id;
  }
  // The BACS instructions lodged before the demo's day: listed by an extract of their own.
  const lodgedExtract = driverGet<{ id: number }>(db, demoExtractInsertQuery(at, operatorId))!.id;
  const insMandate = db.prepare(
    `INSERT INTO mandates (account_id, creditor_id, scheme, reference, type, status, signed_on, debtor_name, iban, bic,
       sort_code, routing_no, account_no, account_type, sec_code, first_collected_on, last_collected_on, collections,
       cancelled_on, cancel_reason, version, created_at, updated_at, created_by)
     VALUES (?, ?, ?, ?, 'recurrent', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
  );
  const insEvent = db.prepare(
    `INSERT INTO mandate_events (mandate_id, at, kind, before_json, after_json, source, code, auddis_extract_id, operator_id)
     VALUES (?, ?, ?, NULL, ?, 'demo', NULL, ?, ?)`,
  );
  const ago = monthsBefore(today);
  let lodged = 0;
  const add = (a: DemoMandateAccount): void => {
    const m = demoMandateOf(a, today, ago);
    if (!m) return;
    const id = Number(
      insMandate.run(
        a.accountId,
        ids[m.creditor],
        m.scheme,
        m.reference,
        m.status,
        m.signedOn,
        m.debtorName,
        m.iban,
        m.bic,
        m.sortCode,
        m.routingNo,
        m.accountNo,
        m.accountType,
        m.secCode,
        m.firstCollectedOn,
        m.lastCollectedOn,
        m.collections,
        m.cancelledOn,
        m.cancelReason,
        at,
        at,
        operatorId,
      ).lastInsertRowid,
    );
    const extract = m.lodged ? lodgedExtract : null;
    if (extract) lodged++;
    for (const e of m.events) insEvent.run(id, at, e.kind, e.afterJson, extract, operatorId);
  };
  const finish = (): void => {
    driverRun(db, extractCountQuery(lodgedExtract, lodged));
  };
  return { add, finish };
}
