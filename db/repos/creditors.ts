import { sql, type SQL } from 'drizzle-orm';
import type { CreditorDto, CreditorScheme } from '../../src-shared/dto/mandates';
import type { Dialect, Tx } from '../storage/port';
import { binary } from './dialect';

/**
 * Direct-debit creditors (issue #17): written once here for both databases. The creditor commands run them through
 * the port (services/mandates/creditors.ts); mandate keying and direct-debit runs, which still run on the driver,
 * read creditors with the same queries (driverGet/driverAll).
 */

/** The dialect a query is compiled for (the driver's sync callers pass `{ dialect: 'sqlite' }`). */
type On = Pick<Tx, 'dialect'>;

/** A creditor row as the DTO names it (flags 0/1, with the number of its mandates). */
export type CreditorRow = Omit<CreditorDto, 'isDefault' | 'active'> & { isDefault: number; active: number };

const SELECT = sql`SELECT c.id, c.code, c.scheme, c.name, c.identifier, c.currency, c.iban, c.bic,
  c.routing_no AS "routingNo", c.account_no AS "accountNo", c.destination_routing AS "destinationRouting",
  c.destination_name AS "destinationName", c.origin_id AS "originId", c.origin_name AS "originName",
  c.pain_version AS "painVersion", c.is_default AS "isDefault", c.active, c.created_at AS "createdAt",
  c.updated_at AS "updatedAt", (SELECT count(*) FROM mandates m WHERE m.creditor_id = c.id) AS mandates
  FROM creditors c`;

/** Every creditor, by code (code-point order on both databases). */
export function creditorsQuery(on: On): SQL {
  return sql`${SELECT} ORDER BY ${binary(on, sql`c.code`)}`;
}

/** The creditor with this code, or none. */
export function creditorByCodeQuery(code: string): SQL {
  return sql`${SELECT} WHERE c.code = ${code}`;
}

/** A row when a creditor has this code. */
export function creditorCodeTakenQuery(code: string): SQL {
  return sql`SELECT 1 AS found FROM creditors WHERE code = ${code}`;
}

/** Takes the default flag from the scheme's default creditor (another is about to become the default). */
export function creditorsClearDefaultQuery(scheme: CreditorScheme, at: string): SQL {
  return sql`UPDATE creditors SET is_default = 0, updated_at = ${at} WHERE scheme = ${scheme} AND is_default = 1`;
}

/** A creditor's stored fields (the row without its id, mandate count and timestamps). */
export type CreditorWrite = Omit<CreditorRow, 'id' | 'mandates' | 'createdAt' | 'updatedAt'>;

/** Adds a creditor, answering its id; a code already taken is refused by the unique index. */
export function creditorInsertQuery(c: CreditorWrite, at: string): SQL {
  return sql`INSERT INTO creditors (code, scheme, name, identifier, currency, iban, bic, routing_no, account_no,
      destination_routing, destination_name, origin_id, origin_name, pain_version, is_default, active, created_at,
      updated_at)
    VALUES (${c.code}, ${c.scheme}, ${c.name}, ${c.identifier}, ${c.currency}, ${c.iban}, ${c.bic}, ${c.routingNo},
      ${c.accountNo}, ${c.destinationRouting}, ${c.destinationName}, ${c.originId}, ${c.originName}, ${c.painVersion},
      ${c.isDefault}, ${c.active}, ${at}, ${at})
    RETURNING id`;
}

/** Replaces every editable field of a creditor (its code and scheme stay). */
export function creditorUpdateQuery(id: number, c: CreditorWrite, at: string): SQL {
  return sql`UPDATE creditors SET name = ${c.name}, identifier = ${c.identifier}, currency = ${c.currency},
      iban = ${c.iban}, bic = ${c.bic}, routing_no = ${c.routingNo}, account_no = ${c.accountNo},
      destination_routing = ${c.destinationRouting}, destination_name = ${c.destinationName},
      origin_id = ${c.originId}, origin_name = ${c.originName}, pain_version = ${c.painVersion},
      is_default = ${c.isDefault}, active = ${c.active}, updated_at = ${at}
    WHERE id = ${id}`;
}

/** A live mandate of a creditor with its pending amendment as stored (JSON text or null). */
export type LiveMandateRow = { id: number; pendingJson: string | null };

/** The creditor's live (pending or active) mandates, by id. */
export function liveMandatesOfCreditorQuery(creditorId: number): SQL {
  return sql`SELECT id, pending_amendment_json AS "pendingJson" FROM mandates
    WHERE creditor_id = ${creditorId} AND status IN ('pending', 'active') ORDER BY id`;
}

/** One mandate's amendment by its creditor: the JSON texts of its event and its new pending amendment. */
export type CreditorAmendment = {
  mandateId: number;
  beforeJson: string;
  afterJson: string;
  pendingJson: string;
};

/** The rows of a JSON array parameter, in order, as `v` (PostgreSQL) or `value` (SQLite). */
function jsonRows(d: Dialect, json: string): { from: SQL; at: (i: number) => SQL } {
  return d === 'postgres'
    ? {
        from: sql`jsonb_array_elements(CAST(${json} AS jsonb)) WITH ORDINALITY AS j(v, n)`,
        at: (i) => sql`(v ->> ${sql.raw(String(i))})`,
      }
    : { from: sql`json_each(${json})`, at: (i) => sql`(value ->> ${sql.raw(String(i))})` };
}

/**
 * The 'amended' events of the mandates a creditor change amends, in the given order, as one statement with one
 * JSON parameter however many mandates. The JSON texts are computed by the caller, so both databases store the
 * same text (PostgreSQL's jsonb would reorder keys and space them).
 */
export function creditorAmendmentEventsQuery(
  d: Dialect,
  rows: readonly CreditorAmendment[],
  source: string,
  at: string,
  operatorId: number,
): SQL {
  const r = jsonRows(d, JSON.stringify(rows.map((a) => [a.mandateId, a.beforeJson, a.afterJson])));
  const id = d === 'postgres' ? sql`CAST(${r.at(0)} AS bigint)` : r.at(0);
  return sql`INSERT INTO mandate_events (mandate_id, at, kind, before_json, after_json, source, code, operator_id)
    SELECT ${id}, ${at}, 'amended', ${r.at(1)}, ${r.at(2)}, ${source}, NULL, ${operatorId}
    FROM ${r.from}${d === 'postgres' ? sql` ORDER BY n` : sql``}`;
}

/** Sets the pending amendments of the given mandates and bumps their versions (one JSON parameter). */
export function creditorAmendmentMandatesQuery(
  d: Dialect,
  rows: readonly CreditorAmendment[],
  at: string,
): SQL {
  const r = jsonRows(d, JSON.stringify(rows.map((a) => [a.mandateId, a.pendingJson])));
  const id = d === 'postgres' ? sql`CAST(${r.at(0)} AS bigint)` : r.at(0);
  return sql`UPDATE mandates SET pending_amendment_json = x.pending, version = version + 1, updated_at = ${at}
    FROM (SELECT ${id} AS id, ${r.at(1)} AS pending FROM ${r.from}) AS x
    WHERE mandates.id = x.id`;
}

/** A creditor as a direct-debit run writes it into a bank file (flags and counts left out). */
export type ActiveCreditorRow = Omit<
  CreditorDto,
  'isDefault' | 'active' | 'mandates' | 'createdAt' | 'updatedAt'
>;

/** The active creditors of a scheme (or the one with this code), by code. */
export function activeCreditorsQuery(on: On, scheme: CreditorScheme, code?: string): SQL {
  return sql`SELECT id, code, scheme, name, identifier, currency, iban, bic, routing_no AS "routingNo",
      account_no AS "accountNo", destination_routing AS "destinationRouting", destination_name AS "destinationName",
      origin_id AS "originId", origin_name AS "originName", pain_version AS "painVersion"
    FROM creditors WHERE scheme = ${scheme} AND active = 1${code === undefined ? sql`` : sql` AND code = ${code}`}
    ORDER BY ${binary(on, sql`code`)}`;
}

/** The codes of a scheme's active creditors, the default first, then the first added (at most two). */
export function schemeCreditorCodesQuery(scheme: CreditorScheme): SQL {
  return sql`SELECT code FROM creditors WHERE scheme = ${scheme} AND active = 1 ORDER BY is_default DESC, id LIMIT 2`;
}
