import type { Command } from 'commander';
import type { JobRunDto } from '../../../src-shared/dto/app';
import { intOption, type CliKit } from '../kit';

/** The recorded jobs as a table, most recent first. */
export function humanJobs(jobs: JobRunDto[]): string {
  if (jobs.length === 0) return '(no jobs recorded)\n';
  const rows = jobs.map((j) => {
    const progress = j.progress ? ` ${j.progress.phase} ${j.progress.done}/${j.progress.total}` : '';
    const message = j.message ? ` — ${j.message}` : '';
    return `${j.startedAt}  ${j.status.padEnd(11)} ${j.label.padEnd(17)} ${(j.subject ?? '').padEnd(20)} ${(j.startedBy.login ?? `#${j.startedBy.id}`).padEnd(12)} ${j.jobId}${progress}${message}`;
  });
  return `${['started                   status      job               subject              by           id', ...rows].join('\n')}\n`;
}

/** `jobs list`: the ledger's record of imports, validations, submits and runs. */
export function registerJobCommands(kit: CliKit): void {
  const { program, run } = kit;
  const jobs = program.command('jobs').description('the recorded jobs: imports, validations, submits, runs');
  jobs
    .command('list')
    .description(
      'recorded jobs, most recent first (yours; --all: everyone’s); interrupted: its process ended first',
    )
    .option(
      '--status <status>',
      'only jobs in this status: queued, running, finished, failed, cancelled, interrupted',
    )
    .option('--all', 'every operator’s jobs')
    .option('--limit <n>', 'at most this many (1-1000, default 50)', intOption)
    .action((o: { status?: string; all?: boolean; limit?: number }, cmd: Command) =>
      run<JobRunDto[]>(
        cmd,
        'jobs:list',
        {
          ...(o.status === undefined ? {} : { status: o.status }),
          ...(o.all ? { all: true } : {}),
          ...(o.limit === undefined ? {} : { limit: o.limit }),
        },
        humanJobs,
      ),
    );
}
