import { useCallback, useEffect, useState } from 'react';
import type { ProcessorDto } from '../../../../src-shared/dto/processors';
import { call, onEvent } from '../../api/client';

/** The configured processors with their last known health; re-read on ledger changes and every minute. */
export function useProcessors(): { processors: ProcessorDto[] | null; reload: () => Promise<void> } {
  const [processors, setProcessors] = useState<ProcessorDto[] | null>(null);
  const reload = useCallback(
    () =>
      call('processors:list', {}).then(
        (p) => setProcessors(p),
        () => setProcessors([]),
      ),
    [],
  );
  useEffect(() => {
    void reload();
    const off = onEvent('ledger:changed', () => void reload());
    const timer = window.setInterval(() => void reload(), 60_000);
    return () => {
      off();
      window.clearInterval(timer);
    };
  }, [reload]);
  return { processors, reload };
}
