import Button from '@mui/material/Button';
import { useState } from 'react';
import type { JobProgressDto } from '../../../src-shared/dto/app';
import { ApiCallError, call, errorMessage } from '../api/client';

/** True when a failed call is a job that stopped because it was cancelled. */
export function isCancelledError(err: unknown): boolean {
  return err instanceof ApiCallError && err.error.code === 'cancelled';
}

/**
 * The Cancel button of a running job's progress bar: asks the job to stop (jobs:cancel), then shows
 * "Cancelling…" until the job's own call comes back with the cancelled error (within about a second).
 */
export function CancelJobButton({
  job,
  onRefused,
  testId = 'job-cancel',
}: {
  job: JobProgressDto | null;
  /** Told when the cancel itself is refused (e.g. the job has just finished). */
  onRefused?: (message: string) => void;
  testId?: string;
}) {
  const [cancelling, setCancelling] = useState<string | null>(null);
  if (!job) return null;
  const pending = cancelling === job.jobId;
  const cancel = async () => {
    setCancelling(job.jobId);
    try {
      await call('jobs:cancel', { jobId: job.jobId });
    } catch (err) {
      setCancelling(null);
      onRefused?.(errorMessage(err));
    }
  };
  return (
    <Button
      size="small"
      color="warning"
      variant="outlined"
      disabled={pending}
      onClick={() => void cancel()}
      data-testid={testId}
      data-job-id={job.jobId}
      aria-label={pending ? 'Cancelling the running job' : 'Cancel the running job'}
      sx={{ minWidth: 96 }}
    >
      {pending ? 'Cancelling…' : 'Cancel'}
    </Button>
  );
}
