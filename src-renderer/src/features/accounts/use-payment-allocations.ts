import { useMemo } from 'react';
import { useQueries, type UseQueryResult } from '@tanstack/react-query';
import type { AllocationRowDto } from '../../../../src-shared/dto/allocation';
import { call, errorMessage } from '../../api/client';
import { apiQueryKey } from '../../components/query';

/** Where one payment went, as read for an expanded history row. */
export type PaymentAllocations = { rows: AllocationRowDto[] | null; error: string | null };

// Module-level so the query cache can keep the combined result stable between renders.
function combine(results: UseQueryResult<AllocationRowDto[]>[]): PaymentAllocations[] {
  return results.map((r) => ({ rows: r.data ?? null, error: r.error ? errorMessage(r.error) : null }));
}

/**
 * `payments:allocations` of every expanded payment at once (a list of reads, which useApiQuery cannot do in a
 * loop), under the same cache keys as useApiQuery, so a ledger change refreshes them and other readers share them.
 */
export function usePaymentAllocations(
  paymentIds: readonly number[],
): ReadonlyMap<number, PaymentAllocations> {
  const details = useQueries({
    queries: paymentIds.map((paymentId) => ({
      queryKey: apiQueryKey('payments:allocations', { paymentId }),
      queryFn: () => call('payments:allocations', { paymentId }),
    })),
    combine,
  });
  return useMemo(
    () => new Map(paymentIds.map((id, i) => [id, details[i] ?? { rows: null, error: null }])),
    [paymentIds, details],
  );
}
