import type { JobEnv, JobKind, JobTypes } from '../services/job-port';
import { importBankFile } from '../services/batches/import-file';
import { submitBatch } from '../services/batches/submit';
import { validateBatch } from '../services/batches/validate';
import { generateDemoLedger } from '../services/demo';
import { runCollect, runDeposit, runRefund, type RunGuard } from '../services/processors/collect';
import { guardSubmit, noteConfirmationOutcome, runGuard } from '../services/confirmations/confirmations';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import type { ConfirmationRefDto } from '../../src-shared/dto/confirmations';

/** The job functions, shared by the inline runner and the worker entry. */
export const jobFunctions: {
  // Processor jobs are asynchronous (network); the worker awaits whatever a job returns.
  [K in JobKind]: (
    env: JobEnv,
    input: JobTypes[K]['input'],
  ) => JobTypes[K]['output'] | Promise<JobTypes[K]['output']>;
} = {
  demo: (env, input) => generateDemoLedger(env.ledger, input, env.now, env.operatorId, env.progress),
  'batch-validate': (env, input) =>
    validateBatch(env.ledger.sqlite, input.batchId, env.now, env.operatorId, env.progress),
  'batch-submit': (env, input) => {
    // Over the confirmation limit a submit runs only under its confirmation, checked here where it posts.
    const db = env.ledger.sqlite;
    const ref = guardSubmit(db, input, env.now, env.operatorId);
    const out = submitBatch(db, input, env.now, env.operatorId, env.progress);
    if (!ref) return out;
    noteConfirmationOutcome(db, ref.id, `batch ${input.batchId}`);
    return { ...out, confirmation: ref };
  },
  'batch-import': (env, input) =>
    importBankFile(env.ledger.sqlite, input, env.now, env.operatorId, env.progress),
  collect: (env, input) =>
    confirmedRun(env, 'collect:run', input, (guard) => runCollect(processorEnv(env), input, guard)),
  deposit: (env, input) =>
    confirmedRun(env, 'collect:deposit', input, (guard) => runDeposit(processorEnv(env), input, guard)),
  refund: (env, input) =>
    confirmedRun(env, 'collect:refund', input, (guard) => runRefund(processorEnv(env), input, guard)),
};

/** Runs a collection, deposit or refund under its confirmation and adds the confirmation to the result. */
async function confirmedRun(
  env: JobEnv,
  operation: 'collect:run' | 'collect:deposit' | 'collect:refund',
  input: Record<string, unknown>,
  run: (guard: RunGuard) => Promise<CollectRunDto>,
): Promise<CollectRunDto> {
  const db = env.ledger.sqlite;
  const seen: { ref?: ConfirmationRefDto } = {};
  const out = await run(runGuard(db, operation, input, env.now, env.operatorId, (ref) => (seen.ref = ref)));
  if (!seen.ref) return out;
  noteConfirmationOutcome(db, seen.ref.id, `run ${out.runId}`);
  return { ...out, confirmation: seen.ref };
}

function processorEnv(env: JobEnv) {
  return {
    db: env.ledger.sqlite,
    ledgerFile: env.ledger.file,
    now: env.now,
    operatorId: env.operatorId,
    progress: env.progress,
  };
}

export type { JobEnv, JobKind, JobTypes, ProgressFn } from '../services/job-port';
