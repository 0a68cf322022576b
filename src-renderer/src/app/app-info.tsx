import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AppInfoDto } from '../../../src-shared/dto/app';
import { call, errorMessage, onEvent } from '../api/client';
import { createMoneyFormatter, type MoneyFormatter } from '../components/format';

/** What the shell knows about the ledger and operator, plus the money formatter for its currencies. */
export type AppInfoState = {
  info: AppInfoDto | null;
  error: string | null;
  refresh: () => Promise<void>;
  money: MoneyFormatter;
};

const AppInfoContext = createContext<AppInfoState | null>(null);

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

/** The app info state; must be used below AppInfoProvider. */
export function useAppInfo(): AppInfoState {
  const state = useContext(AppInfoContext);
  if (!state) throw new Error('useAppInfo outside AppInfoProvider');
  return state;
}
