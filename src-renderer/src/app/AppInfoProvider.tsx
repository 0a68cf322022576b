import { useCallback, useMemo, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { createMoneyFormatter } from '../components/format';
import { apiQueryKey, useApiQuery } from '../components/query';
import { AppInfoContext } from './app-info';

/** Reads app:info through the query cache, so it is read again whenever the ledger changes. */
export function AppInfoProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const read = useApiQuery('app:info', {});
  const info = read.data ?? null;
  const error = read.error;
  const refresh = useCallback(
    () => queryClient.refetchQueries({ queryKey: apiQueryKey('app:info', {}) }),
    [queryClient],
  );
  const money = useMemo(() => createMoneyFormatter(info?.currencies ?? []), [info?.currencies]);
  const value = useMemo(() => ({ info, error, refresh, money }), [info, error, refresh, money]);
  return <AppInfoContext.Provider value={value}>{children}</AppInfoContext.Provider>;
}
