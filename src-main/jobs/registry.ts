import type { Ledger } from '../../db/client';
import type { DemoSummaryDto } from '../../src-shared/dto/app';
import type { BatchImportDto, BatchSubmitDto, BatchValidationDto } from '../../src-shared/dto/batches';
import { importBankFile, type ImportBankFileInput } from '../services/batches/import-file';
import { submitBatch } from '../services/batches/submit';
import { validateBatch } from '../services/batches/validate';
import { generateDemoLedger, type DemoOptions } from '../services/demo';

/** Reports progress of a job: what phase, how far. */
export type ProgressFn = (phase: string, done: number, total: number) => void;

/** Context a job function gets: the ledger file opened in its own thread, clock, operator. */
export type JobEnv = { ledger: Ledger; now: Date; operatorId: number; progress: ProgressFn };

/** Input and output of every job kind. */
export type JobTypes = {
  demo: { input: DemoOptions; output: DemoSummaryDto };
  'batch-validate': { input: { batchId: number }; output: BatchValidationDto };
  'batch-submit': { input: { batchId: number; overrideReason?: string | undefined }; output: BatchSubmitDto };
  'batch-import': { input: ImportBankFileInput; output: BatchImportDto };
};

/** A job kind. */
export type JobKind = keyof JobTypes;

/** The job functions, shared by the inline runner and the worker entry. */
export const jobFunctions: {
  [K in JobKind]: (env: JobEnv, input: JobTypes[K]['input']) => JobTypes[K]['output'];
} = {
  demo: (env, input) => generateDemoLedger(env.ledger, input, env.now, env.operatorId, env.progress),
  'batch-validate': (env, input) =>
    validateBatch(env.ledger.sqlite, input.batchId, env.now, env.operatorId, env.progress),
  'batch-submit': (env, input) =>
    submitBatch(env.ledger.sqlite, input, env.now, env.operatorId, env.progress),
  'batch-import': (env, input) =>
    importBankFile(env.ledger.sqlite, input, env.now, env.operatorId, env.progress),
};
