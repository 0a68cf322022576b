import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { auditInsertQuery } from '../../../db/repos/audit';
import { ddFilePathQuery, ddMandateCountersQuery } from '../../../db/repos/dd-files';
import {
  ddFileInsertQuery,
  ddFileItemInsertQuery,
  ddFileStampQuery,
  ddMandateAdvanceQuery,
  ddMandateExpireQuery,
} from '../../../db/repos/dd-runs';
import { mandateEventInsertQuery } from '../../../db/repos/mandates';
import type { Storage, Tx } from '../../../db/storage/port';
import { call, DRIVER, get, run, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import type { DdFileDto, DdRunDto } from '../../../src-shared/dto/directdebit';
import { allocateBulk, allocateBulkIn, type BulkAllocPayment } from '../../ledger/bulk-allocation';
import { crashPoint } from '../../ledger/crash-point';
import { conflict } from '../../ledger/errors';
import { postPayment, postPaymentIn, type PaymentToPost } from '../../ledger/payments';
import { settingStep } from '../../ledger/settings';
import { postRefundSteps } from '../batches/refunds';
import { makeFolder } from '../files';
import { stageFile, type StagedFile } from '../staged-file';
import { fileNameOf, renderFile, type RenderInput } from './render';
import {
  selectSteps,
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

/** What a run through the storage port needs from outside. */
export type DdPortEnv = Omit<DdEnv, 'db'> & { storage: Storage };

/** Checks a run's selection before anything is written (the confirmation step); throws to refuse. */
export type DdGuard = (selection: DdSelection) => void;

/** DdGuard of a run through the port (the confirmation is claimed in a port transaction of its own). */
export type DdPortGuard = (selection: DdSelection) => void | Promise<void>;

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

/** What a dry run answers: the files the run would write, rendered with provisional message ids, nothing written. */
function previewRun(sel: DdSelection, at: string): DdRunDto {
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

/**
 * The files one attempt of a run's transaction writes, staged beside their names in the out folder. A folder or file
 * that cannot be written does not undo the posting (the registry can write the file again, `dd file write`): the
 * failure is kept, the file's path stays empty, and the failure is thrown once the transaction has committed.
 */
class Staging {
  private staged: StagedFile[] = [];
  private failure: Error | null = null;

  constructor(private readonly outDir: string) {}

  /** A new attempt: what an earlier (rolled back or retried) attempt staged is removed. */
  restart(): void {
    this.discard();
    this.failure = null;
  }

  /** Stages a file's bytes; answers the path it will have, or null when it could not be written. */
  stage(name: string, text: string): string | null {
    if (this.failure !== null) return null;
    try {
      makeFolder(this.outDir);
      const f = stageFile(join(this.outDir, name), text);
      this.staged.push(f);
      return f.path;
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      return null;
    }
  }

  /** After the commit: the staged files appear under their names, then a write failure is thrown. */
  commit(): void {
    for (const f of this.staged) f.commit();
    this.staged = [];
    if (this.failure !== null) throw this.failure;
  }

  discard(): void {
    for (const f of this.staged) f.discard();
    this.staged = [];
  }
}

type RunPlan = {
  input: DdRunInput;
  now: Date;
  at: string;
  operatorId: number;
  progress: DdEnv['progress'];
  /** The confirmed selection's key: what posts must be exactly this. */
  expected: string;
  runKey: string;
  staging: Staging;
};

/**
 * The writing half of a run, in one transaction: the selection is taken again (what posts is exactly what was
 * confirmed; a run that met another run or a mandate change since is refused), then posted and its files staged.
 */
function* runSteps(on: Pick<Tx, 'dialect'>, plan: RunPlan): Steps<{ files: DdFileDto[]; payments: number }> {
  plan.staging.restart();
  const again = yield* selectSteps(on, plan.now, plan.input);
  if (JSON.stringify(selectionKey(again)) !== plan.expected)
    throw conflict('selection-changed', 'the ledger changed while the run started: run it again');
  return yield* postRun(again, plan);
}

/**
 * A direct-debit (or credit) run: selects, lets the guard confirm the selection, then in ONE transaction
 * expires dormant mandates, registers a file per creditor (status ready, fixed message id and creation time)
 * with its items (status sent, end-to-end id, PmtInfId or trace number, the mandate snapshot written), posts
 * a payment per bill allocated to it (or a refund per account for credits), advances the mandates and
 * audits, and stages the files (0600) in `out`, which appear there once it has committed. A crash after the
 * commit loses nothing: `dd file write` regenerates a file from the registry. A dry run computes the same files
 * and writes nothing. Through the driver; runDirectDebitVia is the same run on the storage port.
 */
export function runDirectDebit(env: DdEnv, input: DdRunInput, guard?: DdGuard): DdRunDto {
  const { db, now } = env;
  env.progress?.('select', 0, 0);
  const sel = stepsOnDriver(db, selectSteps(DRIVER, now, input));
  const at = now.toISOString();
  if (input.dryRun) return previewRun(sel, at);
  guard?.(sel);
  const plan = planOf(env, input, sel, at);
  try {
    const written = db.transaction(() => stepsOnDriver(db, runSteps(DRIVER, plan))).immediate();
    crashPoint();
    plan.staging.commit();
    return { ...written, skipped: sel.skipped };
  } finally {
    plan.staging.discard();
  }
}

/**
 * runDirectDebit on the storage port (SQLite or PostgreSQL): the selection is read in one snapshot (a dry run
 * stops there), the guard confirms it, and the run posts in one serializable transaction, which PostgreSQL retries
 * from the start when a concurrent run or mandate change met it (the retry takes the selection again and, if it
 * changed, is refused); each attempt's staged files are removed, so only the committed attempt's files appear.
 */
export async function runDirectDebitVia(
  env: DdPortEnv,
  input: DdRunInput,
  guard?: DdPortGuard,
): Promise<DdRunDto> {
  const { storage, now } = env;
  env.progress?.('select', 0, 0);
  const sel = await storage.transaction((tx) => stepsIn(tx, selectSteps(tx, now, input)), {
    readOnly: true,
  });
  const at = now.toISOString();
  if (input.dryRun) return previewRun(sel, at);
  await guard?.(sel);
  const plan = planOf(env, input, sel, at);
  try {
    const written = await storage.transaction((tx) => stepsIn(tx, runSteps(tx, plan)), {
      serializable: true,
    });
    crashPoint();
    plan.staging.commit();
    return { ...written, skipped: sel.skipped };
  } finally {
    plan.staging.discard();
  }
}

function planOf(env: Omit<DdEnv, 'db'>, input: DdRunInput, sel: DdSelection, at: string): RunPlan {
  return {
    input,
    now: env.now,
    at,
    operatorId: env.operatorId,
    progress: env.progress,
    expected: JSON.stringify(selectionKey(sel)),
    runKey: `dd-${randomUUID()}`,
    staging: new Staging(input.out ?? defaultOutDir(env.ledgerFile)),
  };
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

function* postRun(sel: DdSelection, plan: RunPlan): Steps<{ files: DdFileDto[]; payments: number }> {
  const { at, operatorId, runKey } = plan;
  for (const id of sel.expire) {
    if ((yield* run(ddMandateExpireQuery(id, at))) === 1)
      yield* run(
        mandateEventInsertQuery({
          mandateId: id,
          at,
          kind: 'expired',
          beforeJson: '{"status":"active"}',
          afterJson: '{"status":"expired"}',
          source: `dd-run:${runKey}`,
          code: 'DORMANT',
          operatorId,
        }),
      );
  }
  const files: DdFileDto[] = [];
  let payments = 0;
  const items = sel.groups.reduce((n, g) => n + g.items.length, 0);
  let posted = 0;
  const tick = (): void => {
    posted++;
    if (posted % 1000 === 0 || posted === items) plan.progress?.('post', posted, items);
  };
  plan.progress?.('post', 0, items);
  for (const g of sel.groups) {
    const total = g.items.reduce((s, i) => s + i.amountMinor, 0);
    const fileId = (yield* get<{ id: number }>(
      ddFileInsertQuery({
        kind: sel.kind,
        scheme: sel.scheme,
        format: g.format,
        creditorId: g.creditor.id,
        collectionDate: sel.collectionDate,
        currency: g.currency,
        messageId: `tmp-${runKey}-${g.creditor.id}`,
        count: g.items.length,
        totalMinor: total,
        at,
        operatorId,
        runKey,
      }),
    ))!.id;
    const messageId = messageIdOf(sel.kind, sel.collectionDate, fileId);
    const header = headerOf(g, sel.kind, fileId);
    const input = renderInputOf(sel, g, messageId, at, header);
    const rendered = renderFile(input);
    yield* run(ddFileStampQuery(fileId, messageId, rendered.sha256));
    const auditId = (yield* get<{ id: number }>(
      auditInsertQuery({
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
      }),
    ))!.id;
    const paymentIds =
      sel.kind === 'debit'
        ? yield* postDebits(g, input, at, operatorId, sel.collectionDate, tick)
        : yield* postCredits(g, input, at, operatorId, sel.collectionDate, auditId, tick);
    payments += paymentIds.filter((p) => p !== null).length;
    for (const [i, item] of g.items.entries()) {
      const snapshot = i === 0 ? { ...item.snapshot, header } : item.snapshot;
      yield* run(
        ddFileItemInsertQuery({
          fileId,
          seq: i + 1,
          mandateId: item.mandateId,
          accountId: item.accountId,
          billId: item.billId,
          amountMinor: item.amountMinor,
          currency: item.currency,
          endToEndId: input.items[i]!.endToEndId,
          traceNumber: rendered.traceNumbers[i] ?? null,
          paymentInfoId: rendered.paymentInfoIds[i] ?? null,
          seqType: item.seqType,
          snapshotJson: JSON.stringify(snapshot),
          // A credit out posts a refund, not a payment (found by its source key `dd:<end-to-end id>`).
          paymentId: sel.kind === 'debit' ? (paymentIds[i] ?? null) : null,
        }),
      );
    }
    if (sel.kind === 'debit') yield* advanceMandates(g.items, sel.collectionDate, at, fileId, operatorId);
    const path = plan.staging.stage(fileNameOf(messageId, g.format), rendered.text);
    if (path !== null) yield* run(ddFilePathQuery(fileId, path));
    files.push(
      fileDto(sel, g, {
        id: fileId,
        messageId,
        sha256: rendered.sha256,
        path,
        status: 'ready',
        createdAt: at,
      }),
    );
  }
  return { files, payments };
}

/** Posts a payment per debit (pay type of the bill unit, keyed by the end-to-end id) allocated to its bill. */
function* postDebits(
  g: DdGroup,
  input: RenderInput,
  at: string,
  operatorId: number,
  collectionDate: string,
  tick: () => void,
): Steps<(number | null)[]> {
  const ids: (number | null)[] = [];
  const toAllocate: BulkAllocPayment[] = [];
  for (const [i, item] of g.items.entries()) {
    tick();
    const payment: PaymentToPost = {
      accountNo: item.accountNo,
      amountMinor: item.amountMinor,
      currency: item.currency,
      effectiveDate: collectionDate,
      payType: item.payType,
      externalRef: input.items[i]!.endToEndId,
      billNo: item.billNo,
      sourceKey: `dd:${input.items[i]!.endToEndId}`,
    };
    const p = yield* call(
      (db) => postPayment(db, payment, at, operatorId),
      (tx) => postPaymentIn(tx, payment, at, operatorId),
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
  }
  if (toAllocate.length > 0)
    yield* call(
      (db) => {
        allocateBulk(db, toAllocate, { policy: 'standard', searchBillAmount: false }, at, operatorId);
      },
      (tx) => allocateBulkIn(tx, toAllocate, { policy: 'standard', searchBillAmount: false }, at, operatorId),
    );
  return ids;
}

/** Posts a refund per credit out (the credit balance paid back to the mandate's account). */
function* postCredits(
  g: DdGroup,
  input: RenderInput,
  at: string,
  operatorId: number,
  collectionDate: string,
  auditId: number,
  tick: () => void,
): Steps<(number | null)[]> {
  const reasonCode = Number(yield* settingStep('refund.defaultReason'));
  const refundIds: (number | null)[] = [];
  for (const [i, item] of g.items.entries()) {
    tick();
    const r = yield* postRefundSteps(
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
    refundIds.push(r ? r.refundId : null);
  }
  return refundIds;
}

/** Counts the collection on each mandate, clears the amendment it presented, and records a 'collected' event. */
function* advanceMandates(
  items: readonly DdItem[],
  collectionDate: string,
  at: string,
  fileId: number,
  operatorId: number,
): Steps<void> {
  const byMandate = new Map<number, number>();
  for (const i of items) byMandate.set(i.mandateId, (byMandate.get(i.mandateId) ?? 0) + 1);
  for (const [mandateId, n] of byMandate) {
    const before = yield* get(ddMandateCountersQuery(mandateId));
    yield* run(ddMandateAdvanceQuery(mandateId, n, collectionDate, at));
    const after = yield* get(ddMandateCountersQuery(mandateId));
    yield* run(
      mandateEventInsertQuery({
        mandateId,
        at,
        kind: 'collected',
        beforeJson: JSON.stringify(before),
        afterJson: JSON.stringify(after),
        source: `dd-file:${fileId}`,
        code: null,
        operatorId,
      }),
    );
  }
}
