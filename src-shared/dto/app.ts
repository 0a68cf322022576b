import type { Minor } from '../money';

/** The operator the app runs as. */
export type OperatorDto = { id: number; login: string; name: string; roles: string[] };

/** A currency of the ledger. */
export type CurrencyDto = { code: string; exponent: number; name: string };

/** What the shell needs to know at start. */
export type AppInfoDto = {
  version: string;
  /** Where the ledger is: its file, or on PostgreSQL "PostgreSQL host:port/database" (never a password). */
  ledgerFile: string;
  /** Which database the ledger is in. */
  database: 'sqlite' | 'postgres';
  operator: OperatorDto;
  accountCount: number;
  isEmpty: boolean;
  currencies: CurrencyDto[];
};

/** What a demo load created. */
export type DemoSummaryDto = {
  seed: number;
  accounts: number;
  billUnits: number;
  bills: number;
  items: number;
  totalOpenMinorByCurrency: Record<string, Minor>;
  elapsedMs: number;
};

/** Per-file counts of a receivables import. */
export type ArImportFileSummaryDto = {
  file: string;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
};

/** What an AR import did; unchanged everywhere means the snapshot had been loaded before. */
export type ArImportSummaryDto = {
  accounts?: ArImportFileSummaryDto;
  billUnits?: ArImportFileSummaryDto;
  bills?: ArImportFileSummaryDto;
  items?: ArImportFileSummaryDto;
  adjustedOpenMinor: Minor;
  elapsedMs: number;
};

/** One broken invariant found by the ledger check. */
export type LedgerViolationDto = { rule: string; message: string; entity?: string; id?: string };

/** Result of the ledger check. */
export type LedgerCheckDto = {
  ok: boolean;
  violations: LedgerViolationDto[];
  counts: { accounts: number; items: number; payments: number; allocations: number; journals: number };
  elapsedMs: number;
};

/** Progress of a long job, pushed as an event. */
export type JobProgressDto = {
  jobId: string;
  kind: string;
  phase: string;
  done: number;
  total: number;
  ratePerSec: number;
  /** The session that started the job; a shared server sends the event to that session only. */
  clientId?: string;
};

/** A cancel request taken: the job stops at its next progress call (within about a second). */
export type JobCancelDto = { jobId: string; kind: string; cancelling: true };

/**
 * Where a job is: queued (asked for, waiting for the ledger's write lock behind other work, not recorded yet),
 * running, or how it ended (interrupted: the process running it ended first).
 */
export type JobRunStatusDto = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

/** A job as the ledger recorded it (jobs:list): every import, validate, submit and run, kept after it ended. */
export type JobRunDto = {
  jobId: string;
  kind: string;
  /** The job's human name ("submit", "collection run"). */
  label: string;
  /** What it worked on ("batch 12", a file's name), when its input names it. */
  subject: string | null;
  status: JobRunStatusDto;
  startedBy: { id: number; login: string | null };
  startedAt: string;
  finishedAt: string | null;
  /** Why it failed, was cancelled or interrupted. */
  message: string | null;
  /** The process that ran it (host and pid). */
  host: string;
  pid: number;
  /** Its last progress, while it runs in the process that answers. */
  progress: { phase: string; done: number; total: number } | null;
};

/** A finished job, pushed as an event. */
export type JobFinishedDto = {
  jobId: string;
  kind: string;
  ok: boolean;
  message: string;
  /** True when the job stopped because it was cancelled. */
  cancelled?: boolean;
  /** The session that started the job; a shared server sends the event to that session only. */
  clientId?: string;
};

/**
 * Where this desktop works: its own ledger file, or a team server (issue #17). `available` is false outside the
 * desktop app (the CLI takes --server URL, a browser is already on a server).
 */
export type TeamServerDto = {
  available: boolean;
  /** The team server this desktop opens at start; null while it works on its own ledger. */
  url: string | null;
  /** The server's version, from its /healthz, when it was just checked. */
  version?: string;
  /** True when the desktop is restarting onto the server now. */
  restarting?: boolean;
};
