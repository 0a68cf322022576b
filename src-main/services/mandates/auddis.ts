import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { appendAudit } from '../../../db/repos/audit';
import {
  auddisActivateQuery,
  auddisEventsQuery,
  auddisExtractInsertQuery,
  auddisExtractPathQuery,
  auddisMandateQuery,
  auddisStampQuery,
  mandateEventInsertQuery,
  type AuddisEventRow,
  type AuddisMandateRow,
} from '../../../db/repos/mandates';
import type { Storage } from '../../../db/storage/port';
import type { AuddisExtractDto, AuddisLineDto } from '../../../src-shared/dto/mandates';
import { conflict } from '../../ledger/errors';
import { stageFile, type StagedFile } from '../staged-file';
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
 * nothing waiting, nothing is written or stamped. The file `out` (the CLI's --out) is written under a temporary
 * name inside the transaction, so a file that cannot be written leaves nothing stamped, and appears under its name
 * only once the transaction has committed: an attempt PostgreSQL aborts (or any failure) leaves no file behind
 * listing instructions another extract recorded. Serializable: two extracts at once list each event once
 * (PostgreSQL aborts the second, whose retry finds the events stamped).
 */
export async function auddisExtract(storage: Storage, who: Actor, out?: string): Promise<AuddisExtractDto> {
  const at = who.at.toISOString();
  let staged: StagedFile | null = null;
  const discard = (): void => {
    staged?.discard();
    staged = null;
  };
  try {
    const extract = await storage.transaction(
      async (tx): Promise<AuddisExtractDto> => {
        discard();
        const events = await tx.all<AuddisEventRow>(auddisEventsQuery());
        if (events.length === 0)
          return {
            extractId: null,
            count: 0,
            activated: 0,
            path: null,
            sha256: null,
            lines: [],
            content: '',
          };
        const byMandate = new Map<number, typeof events>();
        for (const e of events) {
          const list = byMandate.get(e.mandateId) ?? [];
          list.push(e);
          byMandate.set(e.mandateId, list);
        }
        const lines: AuddisLineDto[] = [];
        const activate: { id: number; version: number }[] = [];
        for (const [mandateId, list] of byMandate) {
          const now = (await tx.get<AuddisMandateRow>(auddisMandateQuery(mandateId)))!;
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
        const extract = await tx.get<{ id: number }>(
          auddisExtractInsertQuery(at, lines.length, sha256, who.operatorId),
        );
        if (!extract) throw new Error('the AUDDIS extract was not recorded');
        const extractId = extract.id;
        await tx.run(
          auddisStampQuery(
            tx,
            extractId,
            events.map((e) => e.id),
          ),
        );
        for (const a of activate) {
          await tx.run(auddisActivateQuery(a.id, a.version, at));
          await tx.run(
            mandateEventInsertQuery({
              mandateId: a.id,
              at,
              kind: 'amended',
              beforeJson: '{"status":"pending"}',
              afterJson: '{"status":"active"}',
              source: `auddis:${extractId}`,
              code: null,
              auddisExtractId: extractId,
              operatorId: who.operatorId,
            }),
          );
        }
        staged = out === undefined ? null : stageFile(resolve(out), content);
        const path = staged?.path ?? null;
        if (path) await tx.run(auddisExtractPathQuery(extractId, path));
        await appendAudit(tx, {
          at,
          operatorId: who.operatorId,
          action: 'mandate.auddis',
          entity: 'auddis_extract',
          entityId: String(extractId),
          after: { count: lines.length, events: events.length, activated: activate.length, sha256, path },
        });
        return { extractId, count: lines.length, activated: activate.length, path, sha256, lines, content };
      },
      { serializable: true },
    );
    const file = staged as StagedFile | null;
    staged = null;
    try {
      file?.commit();
    } catch (err) {
      // The extract is recorded and its instructions stamped: its content must not be lost with the rename.
      throw conflict(
        'auddis-file-not-moved',
        `AUDDIS extract ${extract.extractId} is recorded but could not be moved to ${file!.path} (${(err as Error).message}); its content is in ${file!.tempPath}`,
      );
    }
    return extract;
  } finally {
    discard();
  }
}
