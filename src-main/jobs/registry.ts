import type { Ledger } from '../../db/client';
import type { DemoSummaryDto } from '../../src-shared/dto/app';
import type { BatchImportDto, BatchSubmitDto, BatchValidationDto } from '../../src-shared/dto/batches';
import { importBankFile, type ImportBankFileInput } from '../services/batches/import-file';
import { submitBatch, type SubmitInput } from '../services/batches/submit';
import { validateBatch } from '../services/batches/validate';
import { generateDemoLedger, type DemoOptions } from '../services/demo';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import { runCollect, runDeposit, runRefund, type CollectOptions } from '../services/processors/collect';

/** Reports progress of a job: what phase, how far. */
export type ProgressFn = (phase: string, done: number, total: number) => void;

/** Context a job function gets: the ledger file opened in its own thread, clock, operator. */
export type JobEnv = { ledger: Ledger; now: Date; operatorId: number; progress: ProgressFn };

/** Input and output of every job kind. */
export type JobTypes = {
  demo: { input: DemoOptions; output: DemoSummaryDto };
  'batch-validate': { input: { batchId: number }; output: BatchValidationDto };
  'batch-submit': { input: SubmitInput; output: BatchSubmitDto };
  'batch-import': { input: ImportBankFileInput; output: BatchImportDto };
  collect: { input: CollectOptions; output: CollectRunDto };
  deposit: {
    input: { processor?: string | undefined; start?: string | undefined; end?: string | undefined };
    output: CollectRunDto;
  };
  refund: { input: { processor?: string | undefined }; output: CollectRunDto };
};

/** A job kind. */
export type JobKind = keyof JobTypes;

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
