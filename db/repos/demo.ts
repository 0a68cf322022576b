import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { jsonRows } from './ar-import';

/**
 * The demo loader's writes through the port (issue #17; src-main/services/demo.ts generateDemoLedgerVia): the rows
 * the AR import has no insert for (accounts with their opening balance, journal lines, payment methods, mandates
 * and their events), a chunk per statement with the rows as one JSON parameter. Bill units, bills and items go
 * through the AR import's inserts (db/repos/ar-import.ts); SQLite's load keeps its prepared driver statements.
 */

/** The dialect a query is compiled for. */
type On = Pick<Tx, 'dialect'>;

/** The customer accounts a ledger holds (a demo loads only into a ledger without any). */
export function customerAccountCountQuery(): SQL {
  return sql`SELECT count(*) AS n FROM accounts WHERE is_suspense = 0`;
}

/** The last bill item id: demo item numbers count on from it. */
export function lastItemIdQuery(): SQL {
  return sql`SELECT coalesce(max(id), 0) AS m FROM bill_items`;
}

/** The lines of one journal. */
export function journalLinesInsertQuery(
  on: On,
  journalId: number,
  rows: readonly { gl: string; accountId: number | null; amountMinor: number; currency: string }[],
): SQL {
  const data = rows.map((r) => ({
    journal_id: journalId,
    gl_account: r.gl,
    account_id: r.accountId,
    amount_minor: r.amountMinor,
    currency: r.currency,
  }));
  return sql`INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
    ${jsonRows(on, data, [
      ['journal_id', 'bigint'],
      ['gl_account', 'text'],
      ['account_id', 'bigint'],
      ['amount_minor', 'bigint'],
      ['currency', 'text'],
    ])}`;
}

export type DemoMethodRow = {
  accountId: number;
  type: string;
  token: string;
  mask: string;
  brand: string | null;
  routingNo: string | null;
};

/** Verified default payment methods (tokens and masks only), as a processor would have tokenized them. */
export function demoMethodsInsertQuery(on: On, rows: readonly DemoMethodRow[], at: string): SQL {
  const data = rows.map((r) => ({
    account_id: r.accountId,
    type: r.type,
    token: r.token,
    mask: r.mask,
    brand: r.brand,
    routing_no: r.routingNo,
    created_at: at,
  }));
  return sql`INSERT INTO payment_methods (account_id, type, token, mask, brand, routing_no, created_at, expiry,
      is_default, verification)
    SELECT x.*, '12/29', 1, 'verified' FROM (${jsonRows(on, data, [
      ['account_id', 'bigint'],
      ['type', 'text'],
      ['token', 'text'],
      ['mask', 'text'],
      ['brand', 'text'],
      ['routing_no', 'text'],
      ['created_at', 'text'],
    ])}) AS x`;
}

/** An AUDDIS extract the demo's lodged BACS instructions name, answering its id. */
export function demoExtractInsertQuery(at: string, operatorId: number): SQL {
  return sql`INSERT INTO auddis_extracts (created_at, count, sha256, path, operator_id)
    VALUES (${at}, 0, 'demo', NULL, ${operatorId}) RETURNING id`;
}

export function extractCountQuery(id: number, count: number): SQL {
  return sql`UPDATE auddis_extracts SET count = ${count} WHERE id = ${id}`;
}

export type DemoMandateRow = {
  accountId: number;
  creditorId: number;
  scheme: string;
  reference: string;
  status: string;
  signedOn: string;
  debtorName: string;
  iban: string | null;
  bic: string | null;
  sortCode: string | null;
  routingNo: string | null;
  accountNo: string | null;
  accountType: string | null;
  secCode: string | null;
  firstCollectedOn: string | null;
  lastCollectedOn: string | null;
  collections: number;
  cancelledOn: string | null;
  cancelReason: string | null;
};

/** Recurrent mandates at version 1, answering each one's id by its reference. */
export function demoMandatesInsertQuery(
  on: On,
  rows: readonly DemoMandateRow[],
  at: string,
  operatorId: number,
): SQL {
  const data = rows.map((r) => ({
    account_id: r.accountId,
    creditor_id: r.creditorId,
    scheme: r.scheme,
    reference: r.reference,
    status: r.status,
    signed_on: r.signedOn,
    debtor_name: r.debtorName,
    iban: r.iban,
    bic: r.bic,
    sort_code: r.sortCode,
    routing_no: r.routingNo,
    account_no: r.accountNo,
    account_type: r.accountType,
    sec_code: r.secCode,
    first_collected_on: r.firstCollectedOn,
    last_collected_on: r.lastCollectedOn,
    collections: r.collections,
    cancelled_on: r.cancelledOn,
    cancel_reason: r.cancelReason,
    created_at: at,
    updated_at: at,
    created_by: operatorId,
  }));
  return sql`INSERT INTO mandates (account_id, creditor_id, scheme, reference, status, signed_on, debtor_name, iban,
      bic, sort_code, routing_no, account_no, account_type, sec_code, first_collected_on, last_collected_on,
      collections, cancelled_on, cancel_reason, created_at, updated_at, created_by, type, version)
    SELECT x.*, 'recurrent', 1 FROM (${jsonRows(on, data, [
      ['account_id', 'bigint'],
      ['creditor_id', 'bigint'],
      ['scheme', 'text'],
      ['reference', 'text'],
      ['status', 'text'],
      ['signed_on', 'text'],
      ['debtor_name', 'text'],
      ['iban', 'text'],
      ['bic', 'text'],
      ['sort_code', 'text'],
      ['routing_no', 'text'],
      ['account_no', 'text'],
      ['account_type', 'text'],
      ['sec_code', 'text'],
      ['first_collected_on', 'text'],
      ['last_collected_on', 'text'],
      ['collections', 'bigint'],
      ['cancelled_on', 'text'],
      ['cancel_reason', 'text'],
      ['created_at', 'text'],
      ['updated_at', 'text'],
      ['created_by', 'bigint'],
    ])}) AS x
    RETURNING id, reference AS "key"`;
}

/** The demo's mandate events (source 'demo'). */
export function demoMandateEventsInsertQuery(
  on: On,
  rows: readonly { mandateId: number; kind: string; afterJson: string; extractId: number | null }[],
  at: string,
  operatorId: number,
): SQL {
  const data = rows.map((r) => ({
    mandate_id: r.mandateId,
    kind: r.kind,
    after_json: r.afterJson,
    auddis_extract_id: r.extractId,
    at,
    operator_id: operatorId,
  }));
  return sql`INSERT INTO mandate_events (mandate_id, kind, after_json, auddis_extract_id, at, operator_id, source)
    SELECT x.*, 'demo' FROM (${jsonRows(on, data, [
      ['mandate_id', 'bigint'],
      ['kind', 'text'],
      ['after_json', 'text'],
      ['auddis_extract_id', 'bigint'],
      ['at', 'text'],
      ['operator_id', 'bigint'],
    ])}) AS x`;
}
