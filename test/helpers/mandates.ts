import type Database from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import type { Storage } from '../../db/storage/port';
import { driverAll, driverGet, driverRun } from '../../db/storage/sqlite';

/** A German IBAN with correct check digits for a bank code and account number (ISO 13616 mod 97). */
export function germanIban(blz: string, account: string): string {
  const bban = blz.padStart(8, '0') + account.padStart(10, '0');
  const digits = `${bban}131400`; // D=13, E=14, then "00"
  let rest = 0;
  for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  return `DE${String(98 - rest).padStart(2, '0')}${bban}`;
}

type CreditorInput = Partial<Record<string, string | number | null>> & {
  code: string;
  scheme: 'sepa' | 'ach';
  currency: string;
};

function creditorInsertQuery(c: CreditorInput): SQL {
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
  return sql`INSERT INTO creditors (code, scheme, name, identifier, currency, iban, bic, routing_no, account_no, destination_routing,
           destination_name, origin_id, origin_name, pain_version, is_default, active, created_at, updated_at)
         VALUES (${row.code}, ${row.scheme}, ${row.name}, ${row.identifier}, ${row.currency}, ${row.iban}, ${row.bic},
           ${row.routing_no}, ${row.account_no}, ${row.destination_routing}, ${row.destination_name}, ${row.origin_id},
           ${row.origin_name}, ${row.pain_version}, 0, 1, ${now}, ${now})
         RETURNING id`;
}

/** Inserts a creditor row directly (the mandate service lands separately) and returns its id. */
export function insertCreditor(db: Database.Database, c: CreditorInput): number {
  return driverGet<{ id: number }>(db, creditorInsertQuery(c))!.id;
}

type MandateInput = Partial<Record<string, string | number | null>> & {
  accountId: number;
  creditorId: number;
  scheme: 'sepa_core' | 'sepa_b2b' | 'ach';
  reference: string;
};

function mandateInsertQuery(m: MandateInput): SQL {
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
  return sql`INSERT INTO mandates (account_id, bill_unit_id, creditor_id, scheme, reference, type, status, signed_on, debtor_name, iban, bic,
           routing_no, account_no, account_type, sec_code, pending_amendment_json, collections, first_collected_on, last_collected_on,
           version, created_at, updated_at)
         VALUES (${row.accountId}, ${row.billUnitId}, ${row.creditorId}, ${row.scheme}, ${row.reference}, ${row.type},
           ${row.status}, ${row.signedOn}, ${row.debtorName}, ${row.iban}, ${row.bic}, ${row.routingNo}, ${row.accountNo},
           ${row.accountType}, ${row.secCode}, ${row.pendingAmendmentJson}, ${row.collections}, ${row.firstCollectedOn},
           ${row.lastCollectedOn}, 1, ${now}, ${now})
         RETURNING id`;
}

/** Inserts a mandate row directly and returns its id. */
export function insertMandate(db: Database.Database, m: MandateInput): number {
  return driverGet<{ id: number }>(db, mandateInsertQuery(m))!.id;
}

/** insertMandate through the port (both databases). */
export async function insertMandateVia(storage: Storage, m: MandateInput): Promise<number> {
  return storage.transaction(async (tx) => (await tx.get<{ id: number }>(mandateInsertQuery(m)))!.id);
}

function accountsPayingQuery(payType: number, currency: string): SQL {
  return sql`SELECT DISTINCT a.id, a.account_no AS "accountNo" FROM accounts a JOIN bill_units u ON u.account_id = a.id
       WHERE u.pay_type = ${payType} AND a.currency = ${currency} AND a.status = 'active' ORDER BY a.id`;
}

/** Accounts whose bill units pay by a pay type, with the currency. */
export function accountsPaying(
  db: Database.Database,
  payType: number,
  currency: string,
): { id: number; accountNo: string }[] {
  return driverAll<{ id: number; accountNo: string }>(db, accountsPayingQuery(payType, currency));
}

/** What seedDirectDebit made: the two creditors' ids and the mandates' ids. */
export type DirectDebitSeed = { sepa: number; ach: number; sepaMandates: number[]; achMandates: number[] };

const clearMandatesQueries: SQL[] = [
  sql`DELETE FROM mandate_events`,
  sql`DELETE FROM mandates`,
  sql`DELETE FROM creditors`,
];

/**
 * A SEPA creditor (EUR) and an ACH creditor (USD) with a fresh mandate for every SEPA / direct-debit account.
 * The demo's own creditors and mandates (some collected, dormant or cancelled) are removed first, so a test
 * knows exactly which mandates exist.
 */
export function seedDirectDebit(db: Database.Database): DirectDebitSeed {
  for (const q of clearMandatesQueries) driverRun(db, q);
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

/** seedDirectDebit through the port, in one transaction (both databases). */
export function seedDirectDebitVia(storage: Storage): Promise<DirectDebitSeed> {
  return storage.transaction(async (tx) => {
    for (const q of clearMandatesQueries) await tx.run(q);
    const creditor = async (c: CreditorInput): Promise<number> =>
      (await tx.get<{ id: number }>(creditorInsertQuery(c)))!.id;
    const mandate = async (m: MandateInput): Promise<number> =>
      (await tx.get<{ id: number }>(mandateInsertQuery(m)))!.id;
    const sepa = await creditor({ code: 'EU-MAIN', scheme: 'sepa', currency: 'EUR' });
    const ach = await creditor({ code: 'US-MAIN', scheme: 'ach', currency: 'USD' });
    const sepaMandates: number[] = [];
    for (const a of await tx.all<{ id: number; accountNo: string }>(accountsPayingQuery(10018, 'EUR')))
      sepaMandates.push(
        await mandate({
          accountId: a.id,
          creditorId: sepa,
          scheme: 'sepa_core',
          reference: `MND-${a.accountNo}`,
        }),
      );
    const achMandates: number[] = [];
    for (const a of await tx.all<{ id: number; accountNo: string }>(accountsPayingQuery(10005, 'USD')))
      achMandates.push(
        await mandate({ accountId: a.id, creditorId: ach, scheme: 'ach', reference: `ACH-${a.accountNo}` }),
      );
    return { sepa, ach, sepaMandates, achMandates };
  });
}
