import { useCallback, useEffect, useState, type ReactNode } from 'react';
import {
  keepPreviousData,
  QueryClient,
  QueryClientProvider,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryKey,
} from '@tanstack/react-query';
import type { CommandInput, CommandName, CommandOutput } from '../../../src-shared/api/contract';
import { call, errorMessage, onEvent } from '../api/client';

/** The cache key of one command read: the command and its input, so equal reads share one request. */
export function apiQueryKey<K extends CommandName>(command: K, input: CommandInput<K>): QueryKey {
  return [command, input];
}

/**
 * The renderer's query cache. Reads are not retried (a refused command answers the same again) and are not
 * refetched on focus: freshness comes from the service's own events, which say when the ledger changed.
 */
export function createApiQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, staleTime: 0, gcTime: 5 * 60_000 },
      mutations: { retry: false },
    },
  });
}

/**
 * Marks every read stale and refetches the visible ones. A first read still in flight may carry the ledger as it
 * was before the change, and a refetch would only join it (TanStack cancels a running fetch only once the query has
 * data), so such reads are cancelled first and start again.
 */
export async function refreshAll(queryClient: QueryClient): Promise<void> {
  await queryClient.cancelQueries({
    predicate: (q) => q.state.data === undefined && q.state.fetchStatus === 'fetching',
  });
  await queryClient.invalidateQueries();
}

/**
 * Puts a command's answer in the cache as the read's value (the batch an action returned, say). A read of the same
 * key still in flight was sent before the action and would overwrite the answer when it lands, so it is cancelled
 * first (a cancelled fetch puts its previous state back, hence the await before the answer goes in) and sent again
 * after it: whatever else it was fetching for still arrives.
 */
export async function putAnswer<T>(
  queryClient: QueryClient,
  key: QueryKey,
  answer: T | ((old: T | undefined) => T | undefined),
): Promise<void> {
  const inFlight = queryClient.getQueryState(key)?.fetchStatus === 'fetching';
  if (inFlight) await queryClient.cancelQueries({ queryKey: key, exact: true });
  queryClient.setQueryData<T>(key, answer);
  if (inFlight) void queryClient.invalidateQueries({ queryKey: key, exact: true });
}

/**
 * Provides the query cache and keeps it true to the ledger: every `ledger:changed` and finished job marks all
 * reads stale (the visible ones refetch at once); a change of sign-in drops the cache, so one operator never sees
 * what another's session had read.
 */
export function ApiQueryProvider({ children, client }: { children: ReactNode; client?: QueryClient }) {
  const [queryClient] = useState(() => client ?? createApiQueryClient());
  useEffect(() => {
    const invalidate = () => void refreshAll(queryClient);
    const offs = [
      onEvent('ledger:changed', invalidate),
      onEvent('job:finished', invalidate),
      // Reset, not remove: a removed query orphans the components reading it (their fetch is cancelled and no
      // later event reaches them), e.g. app info read just as the sign-in's event arrives. Reset drops every
      // value all the same and reads the visible ones again.
      onEvent('auth:changed', () => void queryClient.resetQueries()),
    ];
    return () => offs.forEach((off) => off());
  }, [queryClient]);
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}

/** What a read gives a component: the value (kept from the previous input while the next loads), and state. */
export type ApiQueryResult<T> = {
  data: T | undefined;
  /** A message fit for the user when the last read failed, else null. */
  error: string | null;
  /** The failure itself (e.g. an ApiCallError whose validation issues name fields), else null. */
  cause: unknown;
  /** True until the first value for this input arrived. */
  loading: boolean;
  /** True while any read (first or refetch) is in flight. */
  fetching: boolean;
  refetch: () => void;
};

export type ApiQueryOptions = {
  /** False holds the read (e.g. until an id is chosen). */
  enabled?: boolean;
  /** Keep showing the previous input's value while the next one loads (lists with filters). */
  keepPrevious?: boolean;
  /** Poll while mounted, in ms (progress that emits no event). */
  refetchInterval?: number;
};

/** Reads a command through the shared cache; refreshed by ledger events, deduplicated across components. */
export function useApiQuery<K extends CommandName>(
  command: K,
  input: CommandInput<K>,
  options: ApiQueryOptions = {},
): ApiQueryResult<CommandOutput<K>> {
  const query = useQuery({
    queryKey: apiQueryKey(command, input),
    queryFn: () => call(command, input),
    enabled: options.enabled ?? true,
    placeholderData: options.keepPrevious ? keepPreviousData : undefined,
    refetchInterval: options.refetchInterval,
  });
  return {
    data: query.data,
    error: query.error ? errorMessage(query.error) : null,
    cause: query.error,
    loading: query.isPending && query.fetchStatus !== 'idle',
    fetching: query.isFetching,
    refetch: () => void query.refetch(),
  };
}

/** A command that changes something; on success every read is marked stale (the ledger event may lag). */
export function useApiMutation<K extends CommandName>(command: K) {
  const queryClient = useQueryClient();
  const mutation = useMutation<CommandOutput<K>, Error, CommandInput<K>>({
    mutationFn: (input) => call(command, input),
    onSuccess: () => void refreshAll(queryClient),
  });
  return {
    run: mutation.mutateAsync,
    busy: mutation.isPending,
    error: mutation.error ? errorMessage(mutation.error) : null,
    reset: mutation.reset,
  };
}

/**
 * Reads a command through the shared cache from a callback rather than a render (a grid asking for its next block
 * of rows): an answer in the cache is reused until a ledger event or a change marks it stale, and a read already
 * in flight is shared.
 */
export function useApiFetch() {
  const queryClient = useQueryClient();
  return useCallback(
    <K extends CommandName>(command: K, input: CommandInput<K>): Promise<CommandOutput<K>> =>
      queryClient.fetchQuery({
        queryKey: apiQueryKey(command, input),
        queryFn: () => call(command, input),
        staleTime: Infinity,
      }),
    [queryClient],
  );
}
