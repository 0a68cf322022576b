import type { Storage } from '../../db/storage/port';
import type { DemoSummaryDto, JobProgressDto } from '../../src-shared/dto/app';
import type { BatchImportDto, BatchSubmitDto, BatchValidationDto } from '../../src-shared/dto/batches';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import type { ImportBankFileInput } from './batches/import-file';
import type { SubmitInput } from './batches/submit';
import type { DemoOptions } from './demo';
import type { CollectOptions, DepositOptions } from './processors/collect';
import type { DdRunInput } from './directdebit/run';
import type { DdRunDto } from '../../src-shared/dto/directdebit';
import type { LedgerPlace } from './context';

/**
 * Reports progress of a job: what phase, how far. It is also the job's cancel point: once the job is cancelled
 * it throws the `cancelled` failure, so a service that calls it inside a transaction rolls back there.
 */
export type ProgressFn = (phase: string, done: number, total: number) => void;

/**
 * Context a job function gets: the ledger (a SQLite file opened in its own thread, or PostgreSQL) as a storage port,
 * clock, operator, progress, and the cancel signal (aborted when the job is cancelled; jobs that must stop at
 * their own boundary read it).
 */
export type JobEnv = {
  /** Where the ledger lives; its `sqlite` connection only while the ledger is SQLite (see sqliteDriver). */
  ledger: LedgerPlace;
  /** The same ledger behind the storage seam (a job moved to the repositories runs on it). */
  storage: Storage;
  now: Date;
  operatorId: number;
  progress: ProgressFn;
  signal: AbortSignal;
};

/** The prepared confirmation a job that sends money runs under (checked against its selection in the job). */
type Confirmed = { confirmationId?: number | undefined };

/** Input and output of every job kind. */
export type JobTypes = {
  demo: { input: DemoOptions; output: DemoSummaryDto };
  'batch-validate': { input: { batchId: number }; output: BatchValidationDto };
  'batch-submit': { input: SubmitInput & Confirmed; output: BatchSubmitDto };
  'batch-import': { input: ImportBankFileInput; output: BatchImportDto };
  collect: { input: CollectOptions & Confirmed; output: CollectRunDto };
  deposit: { input: DepositOptions & Confirmed; output: CollectRunDto };
  refund: { input: { processor?: string | undefined } & Confirmed; output: CollectRunDto };
  'dd-run': { input: DdRunInput & Confirmed; output: DdRunDto };
};

/** A job kind. */
export type JobKind = keyof JobTypes;

/** Options given to every job run. */
export type JobRunOptions = {
  now: Date;
  operatorId: number;
  onProgress?: (p: JobProgressDto) => void;
  /** The id the job's progress events carry (a new one when absent). */
  jobId?: string;
  /** Aborting it cancels the job: it stops at its next progress call and rolls back. */
  signal?: AbortSignal;
};

/** Runs heavy jobs either inline or in a worker thread; services cannot tell the difference. */
export type JobRunner = {
  run<K extends JobKind>(
    kind: K,
    input: JobTypes[K]['input'],
    opts: JobRunOptions,
  ): Promise<JobTypes[K]['output']>;
};
