import type Database from 'better-sqlite3';
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

/**
 * Writes the demo creditors and returns the function that gives a demo account its mandate: SEPA Core for
 * EUR accounts paying by SEPA, ACH PPD (CCD for companies) for USD and BACS for GBP accounts paying by
 * direct debit; JPY and CHF direct-debit accounts get none (the direct-debit run skips them with a reason).
 * Deterministic from the account's number: about a third never collected (FRST next; BACS ones still
 * pending for the first AUDDIS extract), the rest collected (RCUR next), 1 in 50 dormant for over 36
 * months, 1 in 50 cancelled. Inside the demo's transaction.
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
    insCreditor.run({
      iban: null,
      bic: null,
      routingNo: null,
      accountNo: null,
      destinationRouting: null,
      destinationName: null,
      originId: null,
      originName: null,
      ...c,
      at,
    });
    ids[c.scheme] = (db.prepare('SELECT id FROM creditors WHERE code = ?').get(c.code) as { id: number }).id;
  }
  // The BACS instructions lodged before the demo's day: listed by an extract of their own.
  const lodgedExtract = Number(
    db
      .prepare(
        `INSERT INTO auddis_extracts (created_at, count, sha256, path, operator_id) VALUES (?, 0, 'demo', NULL, ?)`,
      )
      .run(at, operatorId).lastInsertRowid,
  );
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
  const monthsAgo = new Map<number, string>();
  const ago = (months: number): string => {
    let v = monthsAgo.get(months);
    if (!v) monthsAgo.set(months, (v = addMonths(today, -months)));
    return v;
  };
  let lodged = 0;
  const add = (a: DemoMandateAccount): void => {
    let scheme: 'sepa_core' | 'ach' | 'bacs';
    if (a.payType === 10018 && a.currency === 'EUR') scheme = 'sepa_core';
    else if (a.payType === 10005 && a.currency === 'USD') scheme = 'ach';
    else if (a.payType === 10005 && a.currency === 'GBP') scheme = 'bacs';
    else return;
    const k = a.n % 50;
    const dormant = k === 7;
    const cancelled = k === 13;
    const fresh = !dormant && !cancelled && a.n % 3 === 0;
    const collections = fresh ? 0 : dormant ? 3 : 1 + (a.n % 11);
    const signedOn = dormant ? ago(44) : fresh ? ago(1) : ago(collections + 2);
    const firstCollected = collections > 0 ? (dormant ? ago(41) : ago(collections + 1)) : null;
    const lastCollected = collections > 0 ? (dormant ? ago(38) : ago(1)) : null;
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
    const cancelledOn = cancelled ? addDays(today, -10) : null;
    const id = Number(
      insMandate.run(
        a.accountId,
        ids[scheme === 'sepa_core' ? 'sepa' : scheme],
        scheme,
        reference,
        status,
        signedOn,
        a.name,
        iban,
        bic,
        sortCode,
        routing,
        bankAccountNo,
        accountType,
        secCode,
        firstCollected,
        lastCollected,
        collections,
        cancelledOn,
        cancelled ? 'Customer request (demo)' : null,
        at,
        at,
        operatorId,
      ).lastInsertRowid,
    );
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
    // Instructions already lodged with BACS (collected or cancelled) carry the lodging extract.
    const extract = scheme === 'bacs' && !fresh ? lodgedExtract : null;
    if (extract) lodged++;
    insEvent.run(id, at, 'created', JSON.stringify(data), extract, operatorId);
    if (cancelled)
      insEvent.run(
        id,
        at,
        'cancelled',
        JSON.stringify({ status: 'cancelled', reason: 'Customer request (demo)' }),
        extract,
        operatorId,
      );
  };
  const finish = (): void => {
    db.prepare('UPDATE auddis_extracts SET count = ? WHERE id = ?').run(lodged, lodgedExtract);
  };
  return { add, finish };
}
