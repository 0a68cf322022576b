import type { ProcessorDto } from '../../../../src-shared/dto/processors';
import { useApiQuery } from '../../components/query';

/**
 * The configured processors with their last known health (an empty list when they cannot be read). The cache
 * re-reads them on ledger changes; the minute's poll catches health that changes without a ledger event.
 */
export function useProcessors(): { processors: ProcessorDto[] | null; reload: () => void } {
  const { data, error, refetch } = useApiQuery('processors:list', {}, { refetchInterval: 60_000 });
  return { processors: data ?? (error ? [] : null), reload: refetch };
}
