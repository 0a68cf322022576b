import { appendAudit } from '../../../db/repos/audit';
import {
  mandateFileByHashQuery,
  mandateFileInsertQuery,
  mandateRevisionWorkItemQuery,
} from '../../../db/repos/mandates';
import { mandateCodesQuery } from '../../../db/repos/reference-data';
import type { Storage, Tx } from '../../../db/storage/port';
import { normalisedSha256Hex } from '../../importers/bank-file/hash';
import type {
  MandateFileProblemDto,
  MandateImportDto,
  MandateRevisionRowDto,
} from '../../../src-shared/dto/mandates';
import { parseMandateFile, type MandateFileRow } from '../../bankfiles/mandates-file';
import { conflict } from '../../ledger/errors';
import type { Actor } from './creditors';
import type { MandateDetailsInput } from './details';
import { planAmend, writeAmend, writeCancel } from './mandates';
import { mandateData, mandatesByReference, type MandateRow } from './rows';

/** A configured mandate revision code (Admin, DOMAIN.md §2.21). */
type RevisionCode = {
  code: string;
  name: string;
  action: 'amend' | 'cancel';
  reasonType: number;
  reasonCode: number;
  eventType: string;
  eventCode: string;
};

/** The column of the file each amendable field comes from (for problems). */
const FIELD_COLUMN: Record<string, string> = {
  reference: 'new_reference',
  iban: 'new_iban',
  bic: 'new_bic',
  sortCode: 'new_sort_code',
  bankAccountNo: 'new_account_no',
  routingNo: 'new_routing_no',
  debtorName: 'new_name',
};

/** The new data a row carries, as a mandate amendment. */
function rowChange(r: MandateFileRow): MandateDetailsInput {
  return {
    reference: r.newReference,
    iban: r.newIban,
    bic: r.newBic,
    sortCode: r.newSortCode,
    bankAccountNo: r.newAccountNo,
    routingNo: r.newRoutingNo,
    debtorName: r.newName,
  };
}

const hasNewData = (r: MandateFileRow): boolean =>
  [r.newReference, r.newIban, r.newBic, r.newSortCode, r.newAccountNo, r.newRoutingNo, r.newName].some(
    (v) => v !== undefined,
  );

/**
 * Imports the bank's mandate file (CMP §4.24, DOMAIN.md §2.21): each row names a mandate (reference,
 * optionally creditor) and a mandate revision code configured in Admin. Amend codes apply the row's new
 * data (checked as `mandate amend` checks it; a row without new data only raises the event asking for the
 * details), cancel codes cancel. Each row raises the code's workflow event. Unknown codes, unknown mandates,
 * mandates already cancelled or expired, bad data and a mandate named twice are problems, and any problem
 * means nothing is applied (one serializable transaction). A preview computes the same rows in a read-only
 * one and writes nothing. The same file (by sha256) is refused the second time; imported twice at once, the
 * file's unique hash lets one commit and the other, retried by the port, finds it applied.
 */
export function importMandateFile(
  storage: Storage,
  file: { bytes: Buffer; name: string },
  opts: { preview: boolean },
  who: Actor,
): Promise<MandateImportDto> {
  const sha256 = normalisedSha256Hex(file.bytes);
  const at = who.at.toISOString();
  const run = async (tx: Tx): Promise<MandateImportDto> => {
    const earlier = await tx.get<{ id: number; appliedAt: string }>(mandateFileByHashQuery(sha256));
    if (earlier)
      throw conflict(
        'mandate-file-duplicate',
        `this mandate file was applied already (file ${earlier.id} on ${earlier.appliedAt.slice(0, 10)}); nothing was changed`,
      );
    const parsed = parseMandateFile(file.bytes.toString('utf8'));
    const problems: MandateFileProblemDto[] = [...parsed.problems];
    const codes = new Map((await tx.all<RevisionCode>(mandateCodesQuery(tx))).map((c) => [c.code, c]));
    const planned: {
      row: MandateFileRow;
      mandate: MandateRow;
      code: RevisionCode;
      plan?: Extract<Awaited<ReturnType<typeof planAmend>>, { ok: true }>;
    }[] = [];
    const named = new Map<number, number>();
    for (const r of parsed.rows) {
      const code = codes.get(r.code);
      if (!code)
        problems.push({
          line: r.line,
          column: 'revision_code',
          reason: `unknown mandate revision code ${r.code} (configure it in Admin)`,
        });
      const found = await mandatesByReference(tx, r.reference, r.creditor);
      const mandate = found[0];
      if (!mandate) {
        problems.push({
          line: r.line,
          column: 'reference',
          reason: `no mandate ${r.reference}${r.creditor ? ` for creditor ${r.creditor}` : ''}`,
        });
        continue;
      }
      if (found.length > 1) {
        problems.push({
          line: r.line,
          column: 'creditor',
          reason: `reference ${r.reference} is used by several creditors: name the creditor`,
        });
        continue;
      }
      const twice = named.get(mandate.id);
      if (twice !== undefined) {
        problems.push({ line: r.line, column: 'reference', reason: `mandate named again (line ${twice})` });
        continue;
      }
      named.set(mandate.id, r.line);
      if (mandate.status === 'cancelled' || mandate.status === 'expired') {
        problems.push({
          line: r.line,
          column: 'reference',
          reason: `mandate ${r.reference} is ${mandate.status}`,
        });
        continue;
      }
      if (!code) continue;
      if (code.action === 'cancel') {
        if (hasNewData(r))
          problems.push({
            line: r.line,
            column: 'revision_code',
            reason: `code ${code.code} cancels: no new data`,
          });
        planned.push({ row: r, mandate, code });
        continue;
      }
      const plan = await planAmend(tx, mandate, rowChange(r));
      if (!plan.ok) {
        for (const i of plan.issues)
          problems.push({ line: r.line, column: FIELD_COLUMN[i.path] ?? i.path, reason: i.message });
        continue;
      }
      planned.push({ row: r, mandate, code, plan });
    }
    // A changed reference must not collide with another row's new reference for the same creditor.
    const newRefs = new Map<string, number>();
    for (const p of planned) {
      if (!p.plan || p.plan.details.reference === p.mandate.reference) continue;
      const key = `${p.mandate.creditorId}:${p.plan.details.reference}`;
      const other = newRefs.get(key);
      if (other !== undefined)
        problems.push({
          line: p.row.line,
          column: 'new_reference',
          reason: `same new reference as line ${other}`,
        });
      newRefs.set(key, p.row.line);
    }
    const rows: MandateRevisionRowDto[] = planned.map((p) => {
      const before = mandateData(p.mandate);
      const after =
        p.code.action === 'cancel'
          ? { ...before, status: 'cancelled' }
          : mandateData({
              ...p.mandate,
              ...(p.plan?.details ?? {}),
              pendingAmendmentJson: p.plan?.pending ? JSON.stringify(p.plan.pending) : null,
            });
      return {
        line: p.row.line,
        reference: p.row.reference,
        creditor: p.mandate.creditorCode,
        code: p.code.code,
        action: p.code.action,
        mandateId: p.mandate.id,
        accountNo: p.mandate.accountNo,
        before,
        after,
        event: `${p.code.eventType}/${p.code.eventCode}`,
      };
    });
    problems.sort((a, b) => a.line - b.line);
    if (opts.preview || problems.length > 0)
      return { preview: opts.preview, sha256, fileId: null, applied: 0, rows, problems };

    // A file applied meanwhile by another import is refused here by the unique hash; the port retries this
    // transaction, which then finds the file and refuses it as a duplicate.
    const recorded = await tx.get<{ id: number }>(
      mandateFileInsertQuery(sha256, file.name, planned.length, at, who.operatorId),
    );
    if (!recorded) throw new Error('the mandate file was not recorded');
    const fileId = recorded.id;
    const source = `mandate-file:${fileId}:${sha256}`;
    for (const p of planned) {
      const reason = `${p.code.name} (revision code ${p.code.code}${p.row.effectiveDate ? `, effective ${p.row.effectiveDate}` : ''})`;
      if (p.code.action === 'cancel') {
        await writeCancel(tx, p.mandate, reason, who, { source, code: p.code.code, kind: 'revision' });
      } else if (p.plan) {
        // An amend code without new details still leaves its trace: the event asks for the details.
        await writeAmend(tx, p.mandate, p.plan, who, { source, code: p.code.code, kind: 'revision' }, reason);
      }
      await tx.run(
        mandateRevisionWorkItemQuery(
          p.mandate.accountId,
          `${p.code.eventType}/${p.code.eventCode}: mandate ${p.mandate.reference} ${p.code.action === 'cancel' ? 'cancelled' : p.plan?.changed ? 'amended' : 'needs new details'} by the bank's mandate file, revision code ${p.code.code} (${p.code.name}); reason ${p.code.reasonType}/${p.code.reasonCode}`,
          at,
        ),
      );
    }
    await appendAudit(tx, {
      at,
      operatorId: who.operatorId,
      action: 'mandate.import',
      entity: 'mandate_file',
      entityId: String(fileId),
      after: { sha256, fileName: file.name, rows: planned.length },
    });
    return { preview: false, sha256, fileId, applied: planned.length, rows, problems: [] };
  };
  return storage.transaction(run, opts.preview ? { readOnly: true } : { serializable: true });
}
