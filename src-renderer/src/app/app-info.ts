import { createContext, useContext } from 'react';
import type { AppInfoDto } from '../../../src-shared/dto/app';
import type { MoneyFormatter } from '../components/format';

/** What the shell knows about the ledger and operator, plus the money formatter for its currencies. */
export type AppInfoState = {
  info: AppInfoDto | null;
  error: string | null;
  refresh: () => Promise<void>;
  money: MoneyFormatter;
};

/** Carries the app info state from AppInfoProvider to useAppInfo. */
export const AppInfoContext = createContext<AppInfoState | null>(null);

/** The app info state; must be used below AppInfoProvider. */
export function useAppInfo(): AppInfoState {
  const state = useContext(AppInfoContext);
  if (!state) throw new Error('useAppInfo outside AppInfoProvider');
  return state;
}
