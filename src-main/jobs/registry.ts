import type { JobEnv, JobKind, JobTypes } from '../services/job-port';
import { importBankFile, importBankFileVia } from '../services/batches/import-file';
import { submitBatch, submitBatchVia } from '../services/batches/submit';
import { validateBatch, validateBatchVia } from '../services/batches/validate';
import { generateDemoLedger, generateDemoLedgerVia } from '../services/demo';
import {
  runCollect,
  runCollectVia,
  runDeposit,
  runDepositVia,
  runRefund,
  runRefundVia,
  type RunGuard,
  type RunGuardVia,
} from '../services/processors/collect';
import {
  consumeConfirmationVia,
  ddRunPreview,
  guardSubmit,
  guardSubmitVia,
  noteConfirmationOutcome,
  noteConfirmationOutcomeVia,
  runGuard,
  runGuardVia,
} from '../services/confirmations/confirmations';
import { runDirectDebitVia } from '../services/directdebit/run';
import type { DdRunDto } from '../../src-shared/dto/directdebit';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import type { ConfirmationRefDto } from '../../src-shared/dto/confirmations';
import type { BatchSubmitDto } from '../../src-shared/dto/batches';
import { cancelled, isCancelled } from '../ledger/errors';
import { getSetting, getSettingIn } from '../ledger/settings';
import { sqliteDriver } from '../services/context';

/** The job functions, shared by the inline runner and the worker entry. */
export const jobFunctions: {
  // Processor jobs are asynchronous (network); the worker awaits whatever a job returns.
  [K in JobKind]: (
    env: JobEnv,
    input: JobTypes[K]['input'],
  ) => JobTypes[K]['output'] | Promise<JobTypes[K]['output']>;
} = {
  // SQLite keeps the driver's bulk load (explicit ids, indexes rebuilt once); other databases load through the port.
  demo: (env, input) =>
    env.storage.dialect === 'sqlite'
      ? generateDemoLedger(
          { sqlite: sqliteDriver(env.ledger, 'the demo load') },
          input,
          env.now,
          env.operatorId,
          env.progress,
        )
      : generateDemoLedgerVia(env.storage, input, env.now, env.operatorId, env.progress),
  // SQLite keeps the driver form (the same steps and SQL): through the port a big batch's validation waited
  // about twice as long (bench/batches.ts); other databases validate on the port.
  'batch-validate': (env, input) =>
    env.storage.dialect === 'sqlite'
      ? validateBatch(
          sqliteDriver(env.ledger, 'validation'),
          input.batchId,
          env.now,
          env.operatorId,
          env.progress,
        )
      : validateBatchVia(env.storage, input.batchId, env.now, env.operatorId, env.progress),
  'batch-submit': (env, input) => {
    // The set-based driver submit is SQLite's million-entry path; other databases post entry by entry on the port.
    if (env.storage.dialect !== 'sqlite') return submitOnPort(env, input);
    // Over the confirmation limit a submit runs only under its confirmation, checked here where it posts.
    const db = sqliteDriver(env.ledger, 'submit');
    const ref = guardSubmit(db, input, env.now, env.operatorId);
    const out = submitCancellable(env, input);
    if (!ref) return out;
    noteConfirmationOutcome(db, ref.id, `batch ${input.batchId}`);
    return { ...out, confirmation: ref };
  },
  // SQLite keeps the driver's streaming import (a million rows in bounded memory); PostgreSQL goes through the port.
  'batch-import': (env, input) =>
    env.storage.dialect === 'sqlite'
      ? importBankFile(sqliteDriver(env.ledger, 'import'), input, env.now, env.operatorId, env.progress)
      : importBankFileVia(env.storage, input, env.now, env.operatorId, env.progress),
  collect: (env, input) =>
    confirmedRun(
      env,
      'collect:run',
      input,
      (guard) => runCollect(processorEnv(env), input, guard),
      (guard) => runCollectVia(processorEnvVia(env), input, guard),
    ),
  deposit: (env, input) =>
    confirmedRun(
      env,
      'collect:deposit',
      input,
      (guard) => runDeposit(processorEnv(env), input, guard),
      (guard) => runDepositVia(processorEnvVia(env), input, guard),
    ),
  refund: (env, input) =>
    confirmedRun(
      env,
      'collect:refund',
      input,
      (guard) => runRefund(processorEnv(env), input, guard),
      (guard) => runRefundVia(processorEnvVia(env), input, guard),
    ),
  'dd-run': (env, input) => confirmedDdRun(env, input),
};

/**
 * A direct-debit run under its confirmation (a dry run needs none): the confirmation is consumed against the
 * selection the run is about to post, inside the run, and the files it wrote are noted on it.
 */
async function confirmedDdRun(env: JobEnv, input: JobTypes['dd-run']['input']): Promise<DdRunDto> {
  const ddEnv = {
    storage: env.storage,
    ledgerFile: env.ledger.file,
    now: env.now,
    operatorId: env.operatorId,
    progress: env.progress,
  };
  if (input.dryRun) return runDirectDebitVia(ddEnv, input);
  let confirmationId: number | null = null;
  const result = await runDirectDebitVia(ddEnv, input, async (sel) => {
    confirmationId = (
      await consumeConfirmationVia(
        env.storage,
        'dd:run',
        input,
        ddRunPreview(input, sel),
        env.now,
        env.operatorId,
      )
    ).id;
  });
  if (confirmationId !== null)
    await noteConfirmationOutcomeVia(
      env.storage,
      confirmationId,
      `files ${result.files.map((f) => f.id).join(', ')}`,
    );
  return result;
}

/**
 * Submits a batch. Cancelled in lock-per-account mode, the entries already posted stay posted (each committed
 * on its own) and the batch stays validated, so submitting again posts exactly the rest.
 */
function submitCancellable(env: JobEnv, input: JobTypes['batch-submit']['input']): BatchSubmitDto {
  const db = sqliteDriver(env.ledger, 'submit');
  try {
    return submitBatch(db, input, env.now, env.operatorId, env.progress);
  } catch (err) {
    if (!isCancelled(err) || getSetting(db, 'payment.batchLock') !== 'account') throw err;
    throw cancelled(
      'submit cancelled between two entries: the entries already posted stay posted; submit again to post the rest',
    );
  }
}

/** The 'batch-submit' job on the storage port, under its confirmation as on the driver. */
async function submitOnPort(env: JobEnv, input: JobTypes['batch-submit']['input']): Promise<BatchSubmitDto> {
  const ref = await guardSubmitVia(env.storage, input, env.now, env.operatorId);
  try {
    const out = await submitBatchVia(env.storage, input, env.now, env.operatorId, env.progress);
    if (!ref) return out;
    await noteConfirmationOutcomeVia(env.storage, ref.id, `batch ${input.batchId}`);
    return { ...out, confirmation: ref };
  } catch (err) {
    if (!isCancelled(err)) throw err;
    const lock = await env.storage.transaction((tx) => getSettingIn(tx, 'payment.batchLock'), {
      readOnly: true,
    });
    if (lock !== 'account') throw err;
    throw cancelled(
      'submit cancelled between two entries: the entries already posted stay posted; submit again to post the rest',
    );
  }
}

/**
 * Runs a collection, deposit or refund under its confirmation and adds the confirmation to the result. SQLite keeps
 * the driver's run (its bulk posting is the fast path); other databases run on the port.
 */
async function confirmedRun(
  env: JobEnv,
  operation: 'collect:run' | 'collect:deposit' | 'collect:refund',
  input: Record<string, unknown>,
  run: (guard: RunGuard) => Promise<CollectRunDto>,
  runVia: (guard: RunGuardVia) => Promise<CollectRunDto>,
): Promise<CollectRunDto> {
  const seen: { ref?: ConfirmationRefDto } = {};
  if (env.storage.dialect !== 'sqlite') {
    const out = await runVia(
      runGuardVia(env.storage, operation, input, env.now, env.operatorId, (ref) => (seen.ref = ref)),
    );
    if (!seen.ref) return out;
    await noteConfirmationOutcomeVia(env.storage, seen.ref.id, `run ${out.runId}`);
    return { ...out, confirmation: seen.ref };
  }
  const db = sqliteDriver(env.ledger, 'a collection run');
  const out = await run(runGuard(db, operation, input, env.now, env.operatorId, (ref) => (seen.ref = ref)));
  if (!seen.ref) return out;
  noteConfirmationOutcome(db, seen.ref.id, `run ${out.runId}`);
  return { ...out, confirmation: seen.ref };
}

/**
 * What a processor run needs. Its progress only reports: a run stops at a chunk boundary by its signal (the
 * requests in flight are answered and recorded first), never in the middle of a chunk.
 */
function processorEnv(env: JobEnv) {
  return { db: sqliteDriver(env.ledger, 'a collection run'), ...processorEnvVia(env) };
}

/** processorEnv for a run on the storage port. */
function processorEnvVia(env: JobEnv) {
  return {
    storage: env.storage,
    ledgerFile: env.ledger.file,
    now: env.now,
    operatorId: env.operatorId,
    progress: (phase: string, done: number, total: number): void => {
      try {
        env.progress(phase, done, total);
      } catch (err) {
        if (!isCancelled(err)) throw err;
      }
    },
    signal: env.signal,
  };
}

export type { JobEnv, JobKind, JobTypes, ProgressFn } from '../services/job-port';
