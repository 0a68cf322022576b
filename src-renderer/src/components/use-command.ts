import { useCallback, useEffect, useState } from 'react';
import type { CommandInput, CommandName, CommandOutput } from '../../../src-shared/api/contract';
import { ApiCallError, call, errorMessage } from '../api/client';

/** Loads a read command and reloads it on demand; the input is compared by its JSON. */
export function useCommand<K extends CommandName>(
  command: K,
  input: CommandInput<K>,
): { data: CommandOutput<K> | null; error: string | null; reload: () => Promise<void> } {
  const [data, setData] = useState<CommandOutput<K> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = JSON.stringify(input);
  const reload = useCallback(async () => {
    try {
      setData(await call(command, JSON.parse(key) as CommandInput<K>));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [command, key]);
  useEffect(() => {
    let live = true;
    call(command, JSON.parse(key) as CommandInput<K>).then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
      },
      (err: unknown) => {
        if (live) setError(errorMessage(err));
      },
    );
    return () => {
      live = false;
    };
  }, [command, key]);
  return { data, error, reload };
}

/** Every problem of a failed call as lines ("path: message"), for an alert next to the form. */
export function problemLines(err: unknown): string[] {
  if (err instanceof ApiCallError && err.error.code === 'validation' && err.error.issues?.length)
    return err.error.issues.map((i) => `${i.path}: ${i.message}`);
  return [errorMessage(err)];
}
