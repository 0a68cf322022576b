import { useEffect, useState } from 'react';
import type { JobProgressDto } from '../../../src-shared/dto/app';
import { onEvent } from '../api/client';

const LINGER_MS = 1500;

/** The latest progress of a running job (from job:progress events), or null when no job runs. */
export function useJobProgress(): JobProgressDto | null {
  const [progress, setProgress] = useState<JobProgressDto | null>(null);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Keep the finished bar visible briefly so a fast job is still noticed.
    const clearSoon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => setProgress(null), LINGER_MS);
    };
    const offProgress = onEvent('job:progress', (p) => {
      clearTimeout(timer);
      setProgress(p);
    });
    const offFinished = onEvent('job:finished', clearSoon);
    const offChanged = onEvent('ledger:changed', clearSoon);
    return () => {
      clearTimeout(timer);
      offProgress();
      offFinished();
      offChanged();
    };
  }, []);

  return progress;
}

/** Human label of a job phase. */
export function phaseLabel(p: JobProgressDto): string {
  const kind = p.kind === 'demo' ? 'Demo data' : p.kind;
  return `${kind}: ${p.phase}`;
}
