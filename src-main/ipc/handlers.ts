import { commandChannel, type ParsedInput } from '../../src-shared/api/contract';
import type { ServiceContext } from '../services/context';
import { billItems, paymentHistory, searchAccounts, showAccount } from '../services/accounts';
import { appInfo } from '../services/app-info';
import { importReceivablesVia, previewReceivablesVia, type ArImportFiles } from '../services/ar-import';
import { assertPathsAllowedVia } from '../services/files';
import { uploadOwner, usingUploads, withUpload } from '../services/uploads';
import type { ArUpload } from '../services/ar-import';
import { ledgerCheck } from '../ledger/ledger-check';
import type { Handlers } from './dispatch';
import {
  allocateAccountCredit,
  applyAllocation,
  billPayments,
  paymentAllocations,
  undoAllocation,
  viewAllocation,
} from '../ledger/allocation';
import { listAllCodes, listDomainCodes } from '../services/admin/codes-admin';
import { createAdminHandlers } from './admin-handlers';
import { createProcessorHandlers } from './processor-handlers';
import { createBankFileHandlers } from './bankfiles-handlers';
import { createDirectDebitHandlers } from './directdebit-handlers';
import { createReturnsHandlers } from './returns-handlers';
import { createConfirmationHandlers } from './confirmation-handlers';
import { createAuthHandlers } from './auth-handlers';
import { createApprovalHandlers } from './approval-handlers';
import { createUploadHandlers } from './upload-handlers';
import { createMandateHandlers } from './mandate-handlers';
import { createGlHandlers } from './gl-handlers';
import { createReportsHandlers } from './reports-handlers';
import { createTimelineHandlers } from './timeline-handlers';
import { createDeskOpsHandlers } from './desk-ops-handlers';
import { recordPayment } from '../ledger/record-payment';
import { exportBatchFileVia, importBatchFileVia } from '../services/batches/batch-file';
import { markPushed } from '../services/batches/push';
import { currentClient } from '../services/identity/client';
import { connectTeamServer, teamServerStatus } from '../services/team-connection';
import { previewBankFileVia } from '../services/batches/import-file';
import { detectTemplates, listTemplates, saveTemplate } from '../services/batches/templates';
import { allocateEntry, entryAllocationView } from '../services/batches/entry-allocation';
import {
  createBatchVia,
  deleteEntries,
  discardBatch,
  entriesPage,
  exceptionBatch,
  getBatchVia,
  listBatches,
  saveEntriesVia,
  suspendEntry,
  updateBatchHeader,
} from '../services/batches/batch-store';
import { batchReport } from '../services/batches/report';
import { releaseDuplicate } from '../services/batches/duplicates';
import { suspenseHandlers } from './suspense-handlers';
import type { JobKind, JobTypes } from '../jobs/registry';
import { createActiveJobs, type ActiveJobs } from '../jobs/active-jobs';
import { endJobRecord, listJobs } from '../jobs/job-runs';
import { jobSubject } from '../jobs/journal';
import { appendAudit } from '../../db/repos/audit';
import { AppFailure, isCancelled } from '../ledger/errors';

const activeJobs = new WeakMap<ServiceContext, ActiveJobs>();

/** The running jobs of this opened ledger (created on first use). */
export function activeJobsOf(ctx: ServiceContext): ActiveJobs {
  let jobs = activeJobs.get(ctx);
  if (!jobs) activeJobs.set(ctx, (jobs = createActiveJobs()));
  return jobs;
}

/**
 * Runs a heavy job (in the worker in the app) with progress events to the client that started it (a team
 * server's other sessions hear only the ledger change it makes). The first event
 * (phase `starting`) announces the job's id at once, so a progress bar can offer Cancel before any work is done.
 * A cancel is audited when the job has stopped (never while its transaction holds the ledger's write lock).
 */
export function runJob<K extends JobKind>(
  ctx: ServiceContext,
  kind: K,
  input: JobTypes[K]['input'],
): Promise<JobTypes[K]['output']> {
  const jobs = activeJobsOf(ctx);
  const operatorId = ctx.operator.id;
  const job = jobs.start(kind, operatorId, {
    startedAt: ctx.clock().toISOString(),
    subject: jobSubject(input),
  });
  const { jobId } = job;
  // Addressed to the caller's session: another operator's status bar would show this job and offer its Cancel.
  const clientId = currentClient()?.id;
  const to = clientId === undefined ? {} : { clientId };
  const finished = async (ok: boolean, message: string, cancelled: boolean): Promise<void> => {
    jobs.finish(jobId);
    const by = job.cancelledBy;
    try {
      if (by)
        await ctx.storage.transaction((tx) =>
          appendAudit(tx, {
            at: ctx.clock().toISOString(),
            operatorId: by.operatorId,
            action: 'job.cancel',
            entity: 'job',
            entityId: jobId,
            after: {
              kind,
              startedBy: operatorId,
              requestedAt: by.at,
              // A job past its last cancel point finishes anyway.
              outcome: cancelled ? 'cancelled' : ok ? 'finished' : 'failed',
              message,
            },
          }),
        );
    } finally {
      // The job's end is told even when its cancel's audit row could not be written.
      ctx.emit('job:finished', { jobId, kind, ok, message, ...(cancelled ? { cancelled } : {}), ...to });
    }
  };
  ctx.emit('job:progress', { jobId, kind, phase: 'starting', done: 0, total: 0, ratePerSec: 0, ...to });
  return ctx.jobs
    .run(kind, input, {
      now: ctx.clock(),
      operatorId,
      jobId,
      signal: job.controller.signal,
      onProgress: (p) => {
        job.progress = { phase: p.phase, done: p.done, total: p.total };
        ctx.emit('job:progress', { ...p, ...to });
      },
    })
    .then(
      async (out) => {
        await finished(true, `${kind} finished`, false);
        return out;
      },
      async (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        // A worker terminated after its grace time, or one that died, could not record its own end.
        await endJobRecord(
          ctx.storage,
          jobId,
          isCancelled(err) ? 'cancelled' : 'failed',
          message,
          ctx.clock(),
        );
        await finished(false, message, isCancelled(err));
        // Every cancelled failure names its job, wherever in the job it was thrown.
        if (isCancelled(err) && err.error.code === 'cancelled' && err.error.jobId === undefined)
          throw new AppFailure({ ...err.error, jobId, kind });
        throw err;
      },
    );
}

/**
 * Tells listeners the ledger changed, then passes the value through: for a submit run inside another command
 * (a batch undo), which dispatch does not see; commands themselves declare what they change in the registry.
 */
function changed<T>(ctx: ServiceContext, value: T): T {
  ctx.emit('ledger:changed', { what: 'allocation' });
  return value;
}

/** An AR file given as an upload id, resolved to the caller's upload. */
function arUpload(
  ctx: ServiceContext,
  up: { content: string; fileName: string } | { uploadId: string } | undefined,
): ArUpload | undefined {
  if (up === undefined || !('uploadId' in up)) return up;
  return { uploaded: ctx.uploads.resolve(uploadOwner(), up.uploadId) };
}

/**
 * Runs an AR import or preview with its uploads resolved for this caller. An import deletes them after; a
 * preview keeps them, because the import that follows reads them again.
 */
function withArFiles<T>(
  ctx: ServiceContext,
  input: ParsedInput<'ar:import'>,
  run: (files: ArImportFiles) => Promise<T>,
  keep = false,
): Promise<T> {
  const files = {
    ...input,
    accountsUpload: arUpload(ctx, input.accountsUpload),
    billUnitsUpload: arUpload(ctx, input.billUnitsUpload),
    billsUpload: arUpload(ctx, input.billsUpload),
    itemsUpload: arUpload(ctx, input.itemsUpload),
  };
  const used = [files.accountsUpload, files.billUnitsUpload, files.billsUpload, files.itemsUpload].map((u) =>
    u && 'uploaded' in u ? u.uploaded : undefined,
  );
  return keep ? run(files) : usingUploads(ctx.uploads, used, () => run(files));
}

/** The handler map: one entry per command, each a thin call into a service. */
export function createHandlers(ctx: ServiceContext): Handlers {
  const db = ctx.ledger.sqlite;
  return {
    'app:info': () => appInfo(ctx),
    'demo:load': (input) => runJob(ctx, 'demo', input),
    'ar:import': (input) =>
      withArFiles(ctx, input, (files) =>
        importReceivablesVia(ctx.storage, files, ctx.clock(), ctx.operator.id),
      ),
    'ar:preview': (input) =>
      withArFiles(
        ctx,
        input,
        (files) => previewReceivablesVia(ctx.storage, files, ctx.clock(), ctx.operator.id),
        true,
      ),
    'accounts:search': (input) => searchAccounts(ctx.storage, input),
    'accounts:show': (input) => showAccount(ctx.storage, input.accountNo, ctx.clock()),
    'accounts:bill-items': (input) => billItems(ctx.storage, input.billNo),
    'accounts:payment-history': (input) => paymentHistory(ctx.storage, input),
    'ledger:check': (input) =>
      ledgerCheck(ctx.storage, db, input.maxViolations, {
        onViolation: (v) => ctx.emit('ledger:violation', v),
      }),
    'allocation:view': (input) => viewAllocation(ctx.storage, input),
    'allocation:apply': (input) => applyAllocation(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'allocation:undo': (input) => undoAllocation(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'allocation:account-credit': (input) =>
      allocateAccountCredit(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'payments:allocations': (input) => paymentAllocations(ctx.storage, input.paymentId),
    'bills:payments': (input) => billPayments(ctx.storage, input.billNo),
    'payments:record': (input) => recordPayment(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:create': (input) => createBatchVia(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:list': (input) => listBatches(ctx.storage, input),
    'batches:get': (input) => getBatchVia(ctx.storage, input.batchId),
    'batches:entries': (input) => entriesPage(ctx.storage, input),
    'batches:save-entries': (input) => saveEntriesVia(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:delete-entries': (input) => deleteEntries(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:validate': (input) => runJob(ctx, 'batch-validate', input),
    'batches:suspend-entry': (input) => suspendEntry(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:release-duplicate': (input) =>
      releaseDuplicate(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:exception': (input) => exceptionBatch(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:submit': (input) => runJob(ctx, 'batch-submit', input),
    'batches:discard': (input) => discardBatch(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:export': (input) => exportBatchFileVia(ctx.storage, input.batchId),
    'batches:import-batch-file': (input) => {
      const src = withUpload(ctx.uploads, input);
      return usingUploads(ctx.uploads, [src.uploaded], () =>
        importBatchFileVia(ctx.storage, src, ctx.clock(), ctx.operator.id, { push: input.push === true }),
      );
    },
    'batches:mark-pushed': (input) => markPushed(ctx.storage, input, ctx.clock(), ctx.operator.id),
    // A preview keeps the upload: the import that follows reads it again.
    'batches:preview-file': (input) =>
      previewBankFileVia(ctx.storage, withUpload(ctx.uploads, input), {
        at: ctx.clock(),
        operatorId: ctx.operator.id,
      }),
    'batches:import-file': async (input) => {
      // The worker reads (and audits) the path; whether this caller may name one is decided here.
      await assertPathsAllowedVia(
        ctx.storage,
        { at: ctx.clock(), operatorId: ctx.operator.id },
        'batches:import-file',
        input,
        ['file'],
      );
      // An upload is resolved here, for this caller; the worker reads the file it resolved to.
      const src = withUpload(ctx.uploads, input);
      return usingUploads(ctx.uploads, [src.uploaded], () => runJob(ctx, 'batch-import', src));
    },
    'batches:entry-allocation': (input) => entryAllocationView(ctx.storage, input),
    'batches:allocate-entry': (input) => allocateEntry(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:update-header': (input) => updateBatchHeader(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'batches:report': (input) => batchReport(ctx.storage, input, ctx.clock()),
    ...suspenseHandlers(ctx),
    'codes:list': (input) =>
      input.domainId === undefined
        ? listAllCodes(ctx.storage, input.includeRetired)
        : listDomainCodes(ctx.storage, input.domainId, input.includeRetired),
    'templates:list': () => listTemplates(ctx.storage),
    'templates:save': (input) => saveTemplate(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'templates:detect': async (input) => {
      const who = { at: ctx.clock(), operatorId: ctx.operator.id };
      await assertPathsAllowedVia(ctx.storage, who, 'templates:detect', input, ['file']);
      return detectTemplates(ctx.storage, withUpload(ctx.uploads, input), who);
    },
    'jobs:list': (input) => listJobs(ctx, activeJobsOf(ctx), input),
    'jobs:cancel': (input) => activeJobsOf(ctx).cancel(input.jobId, ctx.operator, ctx.clock()),
    'desktop:team-server': () => teamServerStatus(ctx),
    'desktop:connect-server': (input) => connectTeamServer(ctx, input),
    ...createAdminHandlers(ctx),
    ...createProcessorHandlers(ctx),
    ...createBankFileHandlers(ctx),
    ...createDirectDebitHandlers(ctx),
    ...createReturnsHandlers(ctx),
    ...createConfirmationHandlers(ctx),
    ...createAuthHandlers(ctx),
    ...createApprovalHandlers(ctx),
    ...createUploadHandlers(ctx),
    ...createMandateHandlers(ctx),
    ...createGlHandlers(ctx),
    ...createReportsHandlers(ctx),
    ...createTimelineHandlers(ctx),
    ...createDeskOpsHandlers(ctx, async (input) => changed(ctx, await runJob(ctx, 'batch-submit', input))),
  };
}

/** Re-exported so main and preload agree on channel names. */
export { commandChannel };
