import type { JobEnv, JobKind, JobTypes } from '../services/job-port';
import { importBankFile } from '../services/batches/import-file';
import { submitBatch } from '../services/batches/submit';
import { validateBatch } from '../services/batches/validate';
import { generateDemoLedger } from '../services/demo';
import { runCollect, runDeposit, runRefund } from '../services/processors/collect';

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
  'batch-submit': (env, input) =>
    submitBatch(env.ledger.sqlite, input, env.now, env.operatorId, env.progress),
  'batch-import': (env, input) =>
    importBankFile(env.ledger.sqlite, input, env.now, env.operatorId, env.progress),
  collect: (env, input) => runCollect(processorEnv(env), input),
  deposit: (env, input) => runDeposit(processorEnv(env), input),
  refund: (env, input) => runRefund(processorEnv(env), input),
};

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
