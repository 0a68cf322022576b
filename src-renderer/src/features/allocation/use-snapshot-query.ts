import { useState } from 'react';
import type { CommandInput, CommandName, CommandOutput } from '../../../../src-shared/api/contract';
import { useApiQuery } from '../../components/query';

/** What a snapshot read gives: the value as read, when it was read (a counter), and how to read again. */
export type SnapshotRead<T> = {
  data: T | null;
  error: string | null;
  /** True while the first read or a reload is on its way. */
  loading: boolean;
  /** Goes up by one each time a new value (or failure) is taken; 0 before the first. */
  generation: number;
  reload: () => void;
};

type Taken<T> = { data: T | null; error: string | null; generation: number };

/**
 * A read through the query cache that keeps what it read until `reload()`, for a form whose figures must not move
 * under the user's hands (a ledger change would refetch a plain query). Between reads the query is disabled, so it
 * takes part in no refetch; a reload enables it again, and the first settled answer (never a cached one, as the
 * cache is always stale) becomes the new snapshot.
 */
export function useSnapshotQuery<K extends CommandName>(
  command: K,
  input: CommandInput<K>,
  options: { enabled?: boolean } = {},
): SnapshotRead<CommandOutput<K>> {
  const enabled = options.enabled ?? true;
  const [wanted, setWanted] = useState(true);
  const [taken, setTaken] = useState<Taken<CommandOutput<K>>>({ data: null, error: null, generation: 0 });
  const read = useApiQuery(command, input, { enabled: enabled && wanted });
  if (enabled && wanted && !read.fetching && (read.data !== undefined || read.error !== null)) {
    setWanted(false);
    setTaken((t) => ({
      data: read.error === null ? (read.data ?? null) : null,
      error: read.error,
      generation: t.generation + 1,
    }));
  }
  return { ...taken, loading: enabled && wanted, reload: () => setWanted(true) };
}
