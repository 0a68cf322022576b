import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { AuddisExtractDto, AuddisLineDto } from '../../../src-shared/dto/mandates';
import { writeAudit } from '../../ledger/audit';
import type { Actor } from './creditors';

/** The AUDDIS extract's CSV header (documented in the README). */
export const AUDDIS_HEADER =
  'transaction_code,sort_code,account_no,account_name,reference,service_user_number';

/** The bank-visible data of a BACS instruction. */
type Lodged = { sortCode: string; bankAccountNo: string; debtorName: string; reference: string };

const sameLodged = (a: Lodged, b: Lodged): boolean =>
  a.sortCode === b.sortCode &&
  a.bankAccountNo === b.bankAccountNo &&
  a.debtorName === b.debtorName &&
  a.reference === b.reference;

/** A CSV cell: quoted when it holds a comma, a quote or a line break. */
const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** BACS account names are 18 characters, upper case. */
const bacsName = (name: string): string => name.toUpperCase().slice(0, 18);

/**
 * The BACS AUDDIS extract (DOMAIN.md §3.19, §4.24): the new, amended, cancelled and expired instructions
 * not yet extracted, per mandate reduced to what the bank must learn: 0N for a new instruction, 0C for a
 * cancelled one, 0C of the lodged details then 0N of the new ones for an amendment (BACS practice); a
 * mandate created and cancelled before any extract sends nothing. The listed events are stamped with the
 * extract's id, and new instructions move pending → active (no response from BACS is success). With
 * nothing waiting, nothing is written or stamped. `write` (the CLI's --out) runs inside the transaction, so
 * a file that cannot be written leaves nothing stamped.
 */
export function auddisExtract(
  db: Database.Database,
  who: Actor,
  write?: (content: string) => string,
): AuddisExtractDto {
  const at = who.at.toISOString();
  return db.transaction((): AuddisExtractDto => {
    const events = db
      .prepare(
        `SELECT e.id, e.mandate_id AS mandateId, e.kind, e.before_json AS beforeJson, e.after_json AS afterJson
         FROM mandate_events e JOIN mandates m ON m.id = e.mandate_id
         WHERE m.scheme = 'bacs' AND e.auddis_extract_id IS NULL AND e.kind IN ('created', 'amended', 'cancelled', 'expired')
         ORDER BY e.mandate_id, e.id`,
      )
      .all() as {
      id: number;
      mandateId: number;
      kind: string;
      beforeJson: string | null;
      afterJson: string | null;
    }[];
    if (events.length === 0)
      return { extractId: null, count: 0, activated: 0, path: null, sha256: null, lines: [], content: '' };
    const current = db.prepare(
      `SELECT m.status, m.sort_code AS sortCode, m.account_no AS bankAccountNo, m.debtor_name AS debtorName,
              m.reference, c.identifier AS sun, m.version
       FROM mandates m JOIN creditors c ON c.id = m.creditor_id WHERE m.id = ?`,
    );
    const byMandate = new Map<number, typeof events>();
    for (const e of events) {
      const list = byMandate.get(e.mandateId) ?? [];
      list.push(e);
      byMandate.set(e.mandateId, list);
    }
    const lines: AuddisLineDto[] = [];
    const activate: { id: number; version: number }[] = [];
    for (const [mandateId, list] of byMandate) {
      const now = current.get(mandateId) as Lodged & { status: string; sun: string; version: number };
      const first = list[0]!;
      const firstBefore = first.beforeJson ? (JSON.parse(first.beforeJson) as Partial<Lodged>) : null;
      // What the bank holds now: nothing when the instruction was created since the last extract.
      const lodged: Lodged | null =
        first.kind === 'created'
          ? null
          : firstBefore?.sortCode && firstBefore.bankAccountNo
            ? {
                sortCode: firstBefore.sortCode,
                bankAccountNo: firstBefore.bankAccountNo,
                debtorName: firstBefore.debtorName ?? now.debtorName,
                reference: firstBefore.reference ?? now.reference,
              }
            : { ...now };
      const line = (code: '0N' | '0C', d: Lodged): AuddisLineDto => ({
        transactionCode: code,
        sortCode: d.sortCode,
        accountNo: d.bankAccountNo,
        accountName: bacsName(d.debtorName),
        reference: d.reference,
        serviceUserNumber: now.sun,
        mandateId,
      });
      const live = now.status === 'pending' || now.status === 'active';
      if (!live) {
        if (lodged) lines.push(line('0C', lodged));
      } else if (!lodged) {
        lines.push(line('0N', now));
        if (now.status === 'pending') activate.push({ id: mandateId, version: now.version });
      } else if (!sameLodged(lodged, now)) {
        lines.push(line('0C', lodged), line('0N', now));
      }
    }
    const content =
      [
        AUDDIS_HEADER,
        ...lines.map((l) =>
          [l.transactionCode, l.sortCode, l.accountNo, l.accountName, l.reference, l.serviceUserNumber]
            .map(cell)
            .join(','),
        ),
      ].join('\r\n') + '\r\n';
    const sha256 = createHash('sha256').update(content).digest('hex');
    const extractId = Number(
      db
        .prepare(
          `INSERT INTO auddis_extracts (created_at, count, sha256, path, operator_id) VALUES (?, ?, ?, NULL, ?)`,
        )
        .run(at, lines.length, sha256, who.operatorId).lastInsertRowid,
    );
    const stamp = db.prepare('UPDATE mandate_events SET auddis_extract_id = ? WHERE id = ?');
    for (const e of events) stamp.run(extractId, e.id);
    const activateRow = db.prepare(
      `UPDATE mandates SET status = 'active', version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND status = 'pending'`,
    );
    const activated = db.prepare(
      `INSERT INTO mandate_events (mandate_id, at, kind, before_json, after_json, source, code, auddis_extract_id, operator_id)
       VALUES (?, ?, 'amended', '{"status":"pending"}', '{"status":"active"}', ?, NULL, ?, ?)`,
    );
    for (const a of activate) {
      activateRow.run(at, a.id, a.version);
      activated.run(a.id, at, `auddis:${extractId}`, extractId, who.operatorId);
    }
    const path = write ? write(content) : null;
    if (path) db.prepare('UPDATE auddis_extracts SET path = ? WHERE id = ?').run(path, extractId);
    writeAudit(db, {
      at,
      operatorId: who.operatorId,
      action: 'mandate.auddis',
      entity: 'auddis_extract',
      entityId: String(extractId),
      after: { count: lines.length, events: events.length, activated: activate.length, sha256, path },
    });
    return { extractId, count: lines.length, activated: activate.length, path, sha256, lines, content };
  })();
}
