import { sql } from 'drizzle-orm';
import type { Tx } from '../storage/port';

/** A signed-in session of the team server as stored: browser cookie or /v1 API session. */
export type ServerSessionRow = {
  key: string;
  kind: 'browser' | 'api';
  operatorId: number;
  locked: boolean;
  createdAtMs: number;
  lastSeenMs: number;
  /** The absolute end (API sessions); null: only the idle limit ends it. */
  expiresAtMs: number | null;
};

type Raw = Omit<ServerSessionRow, 'locked'> & { locked: number };

const COLUMNS = sql`key, kind, operator_id AS "operatorId", locked, created_at_ms AS "createdAtMs",
  last_seen_ms AS "lastSeenMs", expires_at_ms AS "expiresAtMs"`;

/** The repository of the team server's signed-in sessions. */
export const serverSessions = {
  /** Writes a session as it is now (inserted, or replaced by key). */
  async put(tx: Tx, s: ServerSessionRow): Promise<void> {
    await tx.run(
      sql`INSERT INTO server_sessions (key, kind, operator_id, locked, created_at_ms, last_seen_ms, expires_at_ms)
          VALUES (${s.key}, ${s.kind}, ${s.operatorId}, ${s.locked ? 1 : 0}, ${s.createdAtMs}, ${s.lastSeenMs},
                  ${s.expiresAtMs})
          ON CONFLICT (key) DO UPDATE SET operator_id = excluded.operator_id, locked = excluded.locked,
            last_seen_ms = excluded.last_seen_ms, expires_at_ms = excluded.expires_at_ms`,
    );
  },

  /** Forgets a session (signed out, ended, replaced); nothing when it had no row. */
  async remove(tx: Tx, key: string): Promise<void> {
    await tx.run(sql`DELETE FROM server_sessions WHERE key = ${key}`);
  },

  /**
   * The sessions of a kind still alive at nowMs (seen within idleMs, before their absolute end); the others are
   * deleted on the way.
   */
  async alive(
    tx: Tx,
    kind: ServerSessionRow['kind'],
    nowMs: number,
    idleMs: number,
  ): Promise<ServerSessionRow[]> {
    await tx.run(
      sql`DELETE FROM server_sessions WHERE kind = ${kind}
          AND (last_seen_ms < ${nowMs - idleMs} OR (expires_at_ms IS NOT NULL AND expires_at_ms <= ${nowMs}))`,
    );
    const rows = await tx.all<Raw>(
      sql`SELECT ${COLUMNS} FROM server_sessions WHERE kind = ${kind} ORDER BY last_seen_ms, key`,
    );
    return rows.map((r) => ({ ...r, locked: Number(r.locked) !== 0 }));
  },
};
