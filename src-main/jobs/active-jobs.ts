import { randomUUID } from 'node:crypto';
import type { CommandName } from '../../src-shared/api/contract';
import { hasRole, mayRun } from '../../src-shared/api/roles';
import type { JobCancelDto, OperatorDto } from '../../src-shared/dto/app';
import { forbidden, notFound } from '../ledger/errors';
import type { JobKind } from '../services/job-port';

/** The command that starts each job kind: whoever may run it may cancel it. */
export const JOB_COMMANDS: Record<JobKind, CommandName> = {
  demo: 'demo:load',
  'batch-import': 'batches:import-file',
  'batch-validate': 'batches:validate',
  'batch-submit': 'batches:submit',
  collect: 'collect:run',
  deposit: 'collect:deposit',
  refund: 'collect:refund',
  'dd-run': 'dd:run',
};

/** A job that is running now, with its cancel switch and, once asked, who asked to cancel it. */
export type ActiveJob = {
  jobId: string;
  kind: JobKind;
  startedBy: number;
  controller: AbortController;
  cancelledBy?: { operatorId: number; at: string };
  /** Its last progress event. */
  progress?: { phase: string; done: number; total: number };
  /** When it was asked for and what it works on (shown while it waits for the ledger, before its record). */
  startedAt?: string;
  subject?: string | null;
};

/** The running jobs of one opened ledger (one per App): started by runJob, cancelled by jobs:cancel. */
export type ActiveJobs = {
  start: (kind: JobKind, startedBy: number, about?: Pick<ActiveJob, 'startedAt' | 'subject'>) => ActiveJob;
  finish: (jobId: string) => void;
  /** Asks a job to stop; refuses (forbidden) an operator who neither started it nor may run its command. */
  cancel: (jobId: string, by: OperatorDto, at: Date) => JobCancelDto;
  running: () => ActiveJob[];
  /** A running job by id. */
  get: (jobId: string) => ActiveJob | undefined;
};

/** A new, empty set of running jobs. */
export function createActiveJobs(): ActiveJobs {
  const jobs = new Map<string, ActiveJob>();
  return {
    start: (kind, startedBy, about = {}) => {
      const job: ActiveJob = {
        jobId: randomUUID(),
        kind,
        startedBy,
        controller: new AbortController(),
        ...about,
      };
      jobs.set(job.jobId, job);
      return job;
    },
    finish: (jobId) => {
      jobs.delete(jobId);
    },
    cancel: (jobId, by, at) => {
      const job = jobs.get(jobId);
      if (!job) throw notFound('running job', jobId);
      const command = JOB_COMMANDS[job.kind];
      if (job.startedBy !== by.id && !hasRole(by.roles, 'admin') && !mayRun(by.roles, command))
        throw forbidden(`only whoever started this job, may run ${command}, or an admin may cancel it`);
      // The first request counts; the job stops at its next progress call.
      job.cancelledBy ??= { operatorId: by.id, at: at.toISOString() };
      job.controller.abort();
      return { jobId, kind: job.kind, cancelling: true };
    },
    running: () => [...jobs.values()],
    get: (jobId) => jobs.get(jobId),
  };
}
