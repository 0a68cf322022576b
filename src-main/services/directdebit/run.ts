import { randomUUID } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { makeFolder } from '../files';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { ddFileNameQuery, ddFilePathQuery } from '../../../db/repos/dd-files';
import { driverGet, driverRun } from '../../../db/storage/sqlite';
import type { DdFileDto, DdRunDto } from '../../../src-shared/dto/directdebit';
import { allocateBulk } from '../../ledger/bulk-allocation';
import { writeAudit } from '../../ledger/audit';
import { crashPoint } from '../../ledger/crash-point';
import { conflict } from '../../ledger/errors';
import { postPayment } from '../../ledger/payments';
import { getSetting } from '../../ledger/settings';
import { postRefund } from '../batches/refunds';
import { fileNameOf, renderFile, type RenderInput } from './render';
import {
  selectDirectDebit,
  type DdGroup,
  type DdItem,
  type DdRunOptions,
  type DdSelection,
  type FileHeader,
} from './select';

/** What a run needs from outside. */
export type DdEnv = {
  db: Database.Database;
  ledgerFile: string;
  now: Date;
  operatorId: number;
  /**
   * Progress, and the cancel point of a run started as a job: it is called inside the posting transaction, so a
   * cancel rolls the whole run back (nothing posted, no file registered).
   */
  progress?: ((phase: string, done: number, total: number) => void) | undefined;
};

/** Checks a run's selection before anything is written (the confirmation step); throws to refuse. */
export type DdGuard = (selection: DdSelection) => void;

/** A run's options plus where to write and whether to only preview. */
export type DdRunInput = DdRunOptions & { out?: string | undefined; dryRun?: boolean | undefined };

/** The default folder of written files: `bankfiles/` next to the ledger file. */
export function defaultOutDir(ledgerFile: string): string {
  return join(dirname(ledgerFile), 'bankfiles');
}

function compactDate(date: string): string {
  return date.replaceAll('-', '');
}

/** The header a file is written with, from its creditor (ACH: file id modifier from the file number). */
export function headerOf(g: DdGroup, kind: 'debit' | 'credit', fileNo: number): FileHeader {
  const c = g.creditor;
  if (g.format !== 'nacha')
    return { scheme: 'sepa', name: c.name, iban: c.iban ?? '', bic: c.bic, creditorId: c.identifier };
  return {
    scheme: 'ach',
    companyName: c.name,
    companyId: c.identifier,
    odfiRouting: c.routingNo ?? '',
    destinationRouting: c.destinationRouting ?? '',
    destinationName: c.destinationName ?? '',
    originId: c.originId ?? c.identifier,
    originName: c.originName ?? c.name,
    fileIdModifier: String.fromCharCode(65 + ((fileNo - 1) % 26)),
    entryDescription: kind === 'debit' ? 'PAYMENT' : 'REFUND',
  };
}

/** The message id of a file: PD + D (debit) or C (credit) + collection date + '-' + file number. */
export function messageIdOf(
  kind: 'debit' | 'credit',
  collectionDate: string,
  fileNo: number | string,
): string {
  return `PD${kind === 'debit' ? 'D' : 'C'}${compactDate(collectionDate)}-${fileNo}`;
}

function renderInputOf(
  sel: DdSelection,
  g: DdGroup,
  messageId: string,
  createdAt: string,
  header: FileHeader,
): RenderInput {
  return {
    kind: sel.kind,
    format: g.format,
    messageId,
    createdAt,
    collectionDate: sel.collectionDate,
    currency: g.currency,
    exponent: g.exponent,
    header,
    items: g.items.map((item, i) => ({
      amountMinor: item.amountMinor,
      endToEndId: `${messageId}-${i + 1}`,
      seqType: item.seqType,
      snapshot: item.snapshot,
    })),
  };
}

/** A stable fingerprint of a selection: what a confirmation covers and what the posting step re-checks. */
export function selectionKey(sel: DdSelection): unknown {
  return {
    kind: sel.kind,
    scheme: sel.scheme,
    date: sel.collectionDate,
    expire: sel.expire,
    files: sel.groups.map((g) => [
      g.creditor.id,
      g.format,
      g.items.map((i) => [i.billId, i.accountId, i.mandateId, i.amountMinor, i.currency, i.seqType]),
    ]),
  };
}

/**
 * A direct-debit (or credit) run: selects, lets the guard confirm the selection, then in ONE transaction
 * expires dormant mandates, registers a file per creditor (status ready, fixed message id and creation time)
 * with its items (status sent, end-to-end id, PmtInfId or trace number, the mandate snapshot written), posts
 * a payment per bill allocated to it (or a refund per account for credits), advances the mandates and
 * audits; then writes the files (0600) to `out`. A crash after the commit loses nothing: `dd file write`
 * regenerates a file from the registry. A dry run computes the same files and writes nothing.
 */
export function runDirectDebit(env: DdEnv, input: DdRunInput, guard?: DdGuard): DdRunDto {
  const { db, now } = env;
  env.progress?.('select', 0, 0);
  const sel = selectDirectDebit(db, now, input);
  const at = now.toISOString();
  if (input.dryRun) {
    return {
      files: sel.groups.map((g, n) => {
        const messageId = messageIdOf(sel.kind, sel.collectionDate, `P${n + 1}`);
        const r = renderFile(renderInputOf(sel, g, messageId, at, headerOf(g, sel.kind, n + 1)));
        return fileDto(sel, g, {
          id: null,
          messageId,
          sha256: r.sha256,
          path: null,
          status: 'preview',
          createdAt: at,
        });
      }),
      payments: 0,
      skipped: sel.skipped,
    };
  }
  guard?.(sel);
  const expected = JSON.stringify(selectionKey(sel));
  const runKey = `dd-${randomUUID()}`;
  const written = db
    .transaction(() => {
      // The selection is taken again inside the write lock: what posts is exactly what was confirmed.
      const again = selectDirectDebit(db, now, input);
      if (JSON.stringify(selectionKey(again)) !== expected)
        throw conflict('selection-changed', 'the ledger changed while the run started: run it again');
      return postRun(env, again, at, runKey);
    })
    .immediate();
  crashPoint();
  const outDir = input.out ?? defaultOutDir(env.ledgerFile);
  const files = written.files.map((f) => {
    const path = writeRegisteredFile(db, f.id, f.text, outDir);
    return { ...f.dto, path };
  });
  return { files, payments: written.payments, skipped: sel.skipped };
}

/** Writes a registered file's text into a folder (0600) and records the path. */
export function writeRegisteredFile(
  db: Database.Database,
  fileId: number,
  text: string,
  outDir: string,
): string {
  const row = driverGet<{ messageId: string; format: DdFileDto['format'] }>(db, ddFileNameQuery(fileId))!;
  makeFolder(outDir);
  const path = join(outDir, fileNameOf(row.messageId, row.format));
  // Bank files carry account details: owner-only, like the CLI's exports (an existing file is narrowed too).
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
  driverRun(db, ddFilePathQuery(fileId, path));
  return path;
}

function fileDto(
  sel: DdSelection,
  g: DdGroup,
  f: Pick<DdFileDto, 'id' | 'messageId' | 'sha256' | 'path' | 'status' | 'createdAt'>,
): DdFileDto {
  return {
    ...f,
    kind: sel.kind,
    scheme: sel.scheme,
    format: g.format,
    creditor: g.creditor.code,
    collectionDate: sel.collectionDate,
    currency: g.currency,
    count: g.items.length,
    totalMinor: g.items.reduce((s, i) => s + i.amountMinor, 0),
    sentAt: null,
    cancelledAt: null,
  };
}

function postRun(
  env: DdEnv,
  sel: DdSelection,
  at: string,
  runKey: string,
): { files: { id: number; text: string; dto: DdFileDto }[]; payments: number } {
  const { db, operatorId } = env;
  const expireStmt = db.prepare(
    `UPDATE mandates SET status = 'expired', version = version + 1, updated_at = ? WHERE id = ? AND status = 'active'`,
  );
  const event = db.prepare(
    `INSERT INTO mandate_events (mandate_id, at, kind, before_json, after_json, source, code, operator_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const id of sel.expire) {
    if (expireStmt.run(at, id).changes === 1)
      event.run(
        id,
        at,
        'expired',
        '{"status":"active"}',
        '{"status":"expired"}',
        `dd-run:${runKey}`,
        'DORMANT',
        operatorId,
      );
  }
  const insertFile = db.prepare(
    `INSERT INTO bank_files_out (kind, scheme, format, creditor_id, collection_date, currency, message_id, count, total_minor,
       sha256, path, status, created_at, created_by, run_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', NULL, 'ready', ?, ?, ?)`,
  );
  const insertItem = db.prepare(
    `INSERT INTO bank_file_items (file_id, seq, mandate_id, account_id, bill_id, amount_minor, currency, end_to_end_id,
       trace_number, payment_info_id, seq_type, mandate_snapshot_json, payment_id, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent')`,
  );
  const files: { id: number; text: string; dto: DdFileDto }[] = [];
  let payments = 0;
  const items = sel.groups.reduce((n, g) => n + g.items.length, 0);
  let posted = 0;
  const tick = (): void => {
    posted++;
    if (posted % 1000 === 0 || posted === items) env.progress?.('post', posted, items);
  };
  env.progress?.('post', 0, items);
  for (const g of sel.groups) {
    const total = g.items.reduce((s, i) => s + i.amountMinor, 0);
    const fileId = Number(
      insertFile.run(
        sel.kind,
        sel.scheme,
        g.format,
        g.creditor.id,
        sel.collectionDate,
        g.currency,
        `tmp-${runKey}-${g.creditor.id}`,
        g.items.length,
        total,
        at,
        operatorId,
        runKey,
      ).lastInsertRowid,
    );
    const messageId = messageIdOf(sel.kind, sel.collectionDate, fileId);
    const header = headerOf(g, sel.kind, fileId);
    const input = renderInputOf(sel, g, messageId, at, header);
    const rendered = renderFile(input);
    db.prepare('UPDATE bank_files_out SET message_id = ?, sha256 = ? WHERE id = ?').run(
      messageId,
      rendered.sha256,
      fileId,
    );
    const auditId = writeAudit(db, {
      at,
      operatorId,
      action: sel.kind === 'debit' ? 'dd.file.create' : 'dd.credit-file.create',
      entity: 'bank_file_out',
      entityId: String(fileId),
      after: {
        messageId,
        format: g.format,
        creditor: g.creditor.code,
        collectionDate: sel.collectionDate,
        count: g.items.length,
        totalMinor: total,
        currency: g.currency,
        sha256: rendered.sha256,
      },
    });
    const paymentIds =
      sel.kind === 'debit'
        ? postDebits(db, g, input, at, operatorId, sel.collectionDate, tick)
        : postCredits(db, g, input, at, operatorId, sel.collectionDate, auditId, tick);
    payments += paymentIds.filter((p) => p !== null).length;
    g.items.forEach((item, i) => {
      const snapshot = i === 0 ? { ...item.snapshot, header } : item.snapshot;
      insertItem.run(
        fileId,
        i + 1,
        item.mandateId,
        item.accountId,
        item.billId,
        item.amountMinor,
        item.currency,
        input.items[i]!.endToEndId,
        rendered.traceNumbers[i] ?? null,
        rendered.paymentInfoIds[i] ?? null,
        item.seqType,
        JSON.stringify(snapshot),
        paymentIds[i] ?? null,
      );
    });
    if (sel.kind === 'debit') advanceMandates(db, g.items, sel.collectionDate, at, fileId, operatorId);
    files.push({
      id: fileId,
      text: rendered.text,
      dto: fileDto(sel, g, {
        id: fileId,
        messageId,
        sha256: rendered.sha256,
        path: null,
        status: 'ready',
        createdAt: at,
      }),
    });
  }
  return { files, payments };
}

/** Posts a payment per debit (pay type of the bill unit, keyed by the end-to-end id) allocated to its bill. */
function postDebits(
  db: Database.Database,
  g: DdGroup,
  input: RenderInput,
  at: string,
  operatorId: number,
  collectionDate: string,
  tick: () => void,
): (number | null)[] {
  const ids: (number | null)[] = [];
  const toAllocate: Parameters<typeof allocateBulk>[1][number][] = [];
  g.items.forEach((item, i) => {
    tick();
    const p = postPayment(
      db,
      {
        accountNo: item.accountNo,
        amountMinor: item.amountMinor,
        currency: item.currency,
        effectiveDate: collectionDate,
        payType: item.payType,
        externalRef: input.items[i]!.endToEndId,
        billNo: item.billNo,
        sourceKey: `dd:${input.items[i]!.endToEndId}`,
      },
      at,
      operatorId,
    );
    ids.push(p.paymentId);
    if (!p.duplicate)
      toAllocate.push({
        paymentId: p.paymentId,
        accountId: p.accountId,
        amountMinor: p.accountAmountMinor,
        ratePpm: 1_000_000,
        billNo: item.billNo,
      });
  });
  if (toAllocate.length > 0)
    allocateBulk(db, toAllocate, { policy: 'standard', searchBillAmount: false }, at, operatorId);
  return ids;
}

/** Posts a refund per credit out (the credit balance paid back to the mandate's account). */
function postCredits(
  db: Database.Database,
  g: DdGroup,
  input: RenderInput,
  at: string,
  operatorId: number,
  collectionDate: string,
  auditId: number,
  tick: () => void,
): (number | null)[] {
  const reasonCode = Number(getSetting(db, 'refund.defaultReason'));
  return g.items.map((item, i) => {
    tick();
    const r = postRefund(
      db,
      {
        sourceKey: `dd:${input.items[i]!.endToEndId}`,
        accountId: item.accountId,
        amountMinor: item.amountMinor,
        currency: item.currency,
        accountAmountMinor: item.amountMinor,
        ratePpm: 1_000_000,
        effectiveDate: collectionDate,
        payType: item.payType,
        channelId: 0,
        reasonCode,
        billNo: null,
        externalRef: input.items[i]!.endToEndId,
        payeeName: item.snapshot.name,
        batchId: null,
      },
      at,
      operatorId,
      auditId,
    );
    return r ? r.refundId : null;
  });
}

/** Counts the collection on each mandate, clears the amendment it presented, and records a 'collected' event. */
function advanceMandates(
  db: Database.Database,
  items: readonly DdItem[],
  collectionDate: string,
  at: string,
  fileId: number,
  operatorId: number,
): void {
  const byMandate = new Map<number, number>();
  for (const i of items) byMandate.set(i.mandateId, (byMandate.get(i.mandateId) ?? 0) + 1);
  const read = db.prepare(
    `SELECT collections, first_collected_on AS firstCollectedOn, last_collected_on AS lastCollectedOn,
            pending_amendment_json AS pendingAmendmentJson FROM mandates WHERE id = ?`,
  );
  const update = db.prepare(
    `UPDATE mandates SET collections = collections + ?, first_collected_on = coalesce(first_collected_on, ?),
       last_collected_on = max(coalesce(last_collected_on, ''), ?), pending_amendment_json = NULL,
       version = version + 1, updated_at = ? WHERE id = ?`,
  );
  const event = db.prepare(
    `INSERT INTO mandate_events (mandate_id, at, kind, before_json, after_json, source, operator_id)
     VALUES (?, ?, 'collected', ?, ?, ?, ?)`,
  );
  for (const [mandateId, n] of byMandate) {
    const before = read.get(mandateId) as Record<string, unknown>;
    update.run(n, collectionDate, collectionDate, at, mandateId);
    const after = read.get(mandateId);
    event.run(mandateId, at, JSON.stringify(before), JSON.stringify(after), `dd-file:${fileId}`, operatorId);
  }
}
