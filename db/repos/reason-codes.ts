import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';

/** One reason code as stored (active a 0/1 flag). */
export type ReasonCodeRecord = {
  domainId: number;
  id: number;
  label: string;
  help: string;
  glId: number | null;
  active: number;
};

/** One code of a domain. */
export function reasonCodeQuery(domainId: number, id: number): SQL {
  return sql`SELECT domain_id AS "domainId", id, label, help, gl_id AS "glId", active FROM reason_codes
             WHERE domain_id = ${domainId} AND id = ${id}`;
}

/** The name of a reason-code domain. */
export function domainNameQuery(domainId: number): SQL {
  return sql`SELECT name FROM reason_domains WHERE id = ${domainId}`;
}

/** A code of a domain with the domain's name (either may be missing). */
export async function reasonCodeIn(
  tx: Tx,
  domainId: number,
  id: number,
): Promise<{ code: ReasonCodeRecord | undefined; domainName: string | undefined }> {
  const code = await tx.get<ReasonCodeRecord>(reasonCodeQuery(domainId, id));
  const domain = await tx.get<{ name: string }>(domainNameQuery(domainId));
  return { code, domainName: domain?.name };
}
