import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AppInfoDto } from '../../../src-shared/dto/app';
import { call, errorMessage, onEvent } from '../api/client';
import { createMoneyFormatter } from '../components/format';
import { AppInfoContext } from './app-info';

/** Loads app:info at start and again whenever the ledger changes. */
export function AppInfoProvider({ children }: { children: ReactNode }) {
  const [info, setInfo] = useState<AppInfoDto | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(
    () =>
      call('app:info', {}).then(
        (next) => {
          setInfo(next);
          setError(null);
        },
        (err: unknown) => setError(errorMessage(err)),
      ),
    [],
  );

  useEffect(() => {
    let live = true;
    const load = () =>
      call('app:info', {}).then(
        (next) => {
          if (!live) return;
          setInfo(next);
          setError(null);
        },
        (err: unknown) => live && setError(errorMessage(err)),
      );
    void load();
    const off = onEvent('ledger:changed', () => void load());
    return () => {
      live = false;
      off();
    };
  }, []);

  const money = useMemo(() => createMoneyFormatter(info?.currencies ?? []), [info?.currencies]);
  const value = useMemo(() => ({ info, error, refresh, money }), [info, error, refresh, money]);
  return <AppInfoContext.Provider value={value}>{children}</AppInfoContext.Provider>;
}
