import type Database from 'better-sqlite3';

/** A German IBAN with correct check digits for a bank code and account number (ISO 13616 mod 97). */
export function germanIban(blz: string, account: string): string {
  const bban = blz.padStart(8, '0') + account.padStart(10, '0');
  const digits = `${bban}131400`; // D=13, E=14, then "00"
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return `DE${String(98 - rest).padStart(2, '0')}${bban}`;
}

/** Inserts a creditor row directly (the mandate service lands separately) and returns its id. */
export function insertCreditor(
  db: Database.Database,
  c: Partial<Record<string, string | number | null>> & {
    code: string;
    scheme: 'sepa' | 'ach';
    currency: string;
  },
): number {
  const now = '2026-01-01T00:00:00.000Z';
  const row = {
    name: c.scheme === 'sepa' ? 'Paydesk Energie GmbH' : 'PAYDESK UTILITIES',
    identifier: c.scheme === 'sepa' ? 'DE98ZZZ09999999999' : '1234567890',
    iban: c.scheme === 'sepa' ? germanIban('37040044', '532013000') : null,
    bic: c.scheme === 'sepa' ? 'COBADEFFXXX' : null,
    routing_no: c.scheme === 'ach' ? '021000021' : null,
    account_no: c.scheme === 'ach' ? '987654321' : null,
    destination_routing: c.scheme === 'ach' ? '011000015' : null,
    destination_name: c.scheme === 'ach' ? 'FEDERAL RESERVE BANK' : null,
    origin_id: c.scheme === 'ach' ? '1234567890' : null,
    origin_name: c.scheme === 'ach' ? 'PAYDESK UTILITIES' : null,
    pain_version: 'pain.008.001.08',
    ...c,
  };
  return Number(
    db
      .prepare(
        `INSERT INTO creditors (code, scheme, name, identifier, currency, iban, bic, routing_no, account_no, destination_routing,
           destination_name, origin_id, origin_name, pain_version, is_default, active, created_at, updated_at)
         VALUES (@code, @scheme, @name, @identifier, @currency, @iban, @bic, @routing_no, @account_no, @destination_routing,
           @destination_name, @origin_id, @origin_name, @pain_version, 0, 1, '${now}', '${now}')`,
      )
      .run(row).lastInsertRowid,
  );
}

/** Inserts a mandate row directly and returns its id. */
export function insertMandate(
  db: Database.Database,
  m: Partial<Record<string, string | number | null>> & {
    accountId: number;
    creditorId: number;
    scheme: 'sepa_core' | 'sepa_b2b' | 'ach';
    reference: string;
  },
): number {
  const now = '2026-01-01T00:00:00.000Z';
  const ach = m.scheme === 'ach';
  const row = {
    billUnitId: null,
    type: 'recurrent',
    status: 'active',
    signedOn: '2025-06-01',
    debtorName: 'Debtor ' + m.reference,
    iban: ach ? null : germanIban('50010517', String(1000000 + m.accountId)),
    bic: ach ? null : 'INGDDEFFXXX',
    routingNo: ach ? '011000015' : null,
    accountNo: ach ? `55${m.accountId}` : null,
    accountType: ach ? 'checking' : null,
    secCode: ach ? 'PPD' : null,
    pendingAmendmentJson: null,
    collections: 0,
    lastCollectedOn: null,
    firstCollectedOn: null,
    ...m,
  };
  return Number(
    db
      .prepare(
        `INSERT INTO mandates (account_id, bill_unit_id, creditor_id, scheme, reference, type, status, signed_on, debtor_name, iban, bic,
           routing_no, account_no, account_type, sec_code, pending_amendment_json, collections, first_collected_on, last_collected_on,
           version, created_at, updated_at)
         VALUES (@accountId, @billUnitId, @creditorId, @scheme, @reference, @type, @status, @signedOn, @debtorName, @iban, @bic,
           @routingNo, @accountNo, @accountType, @secCode, @pendingAmendmentJson, @collections, @firstCollectedOn, @lastCollectedOn,
           1, '${now}', '${now}')`,
      )
      .run(row).lastInsertRowid,
  );
}

/** Accounts whose bill units pay by a pay type, with the currency. */
export function accountsPaying(
  db: Database.Database,
  payType: number,
  currency: string,
): { id: number; accountNo: string }[] {
  return db
    .prepare(
      `SELECT DISTINCT a.id, a.account_no AS accountNo FROM accounts a JOIN bill_units u ON u.account_id = a.id
       WHERE u.pay_type = ? AND a.currency = ? AND a.status = 'active' ORDER BY a.id`,
    )
    .all(payType, currency) as { id: number; accountNo: string }[];
}

/**
 * A SEPA creditor (EUR) and an ACH creditor (USD) with a fresh mandate for every SEPA / direct-debit account.
 * The demo's own creditors and mandates (some collected, dormant or cancelled) are removed first, so a test
 * knows exactly which mandates exist.
 */
export function seedDirectDebit(db: Database.Database): {
  sepa: number;
  ach: number;
  sepaMandates: number[];
  achMandates: number[];
} {
  db.exec('DELETE FROM mandate_events; DELETE FROM mandates; DELETE FROM creditors;');
  const sepa = insertCreditor(db, { code: 'EU-MAIN', scheme: 'sepa', currency: 'EUR' });
  const ach = insertCreditor(db, { code: 'US-MAIN', scheme: 'ach', currency: 'USD' });
  const sepaMandates = accountsPaying(db, 10018, 'EUR').map((a) =>
    insertMandate(db, {
      accountId: a.id,
      creditorId: sepa,
      scheme: 'sepa_core',
      reference: `MND-${a.accountNo}`,
    }),
  );
  const achMandates = accountsPaying(db, 10005, 'USD').map((a) =>
    insertMandate(db, { accountId: a.id, creditorId: ach, scheme: 'ach', reference: `ACH-${a.accountNo}` }),
  );
  return { sepa, ach, sepaMandates, achMandates };
}
