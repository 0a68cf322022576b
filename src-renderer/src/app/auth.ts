import { createContext, useContext } from 'react';
import type { OperatorDto } from '../../../src-shared/dto/app';
import type { AuthStatusDto } from '../../../src-shared/dto/auth';

/** The signed-in session as the shell sees it, and what it can do with it. */
export type AuthState = {
  status: AuthStatusDto;
  /** The signed-in operator (also known while the session is locked). */
  operator: OperatorDto;
  /** Locks the session now (the lock screen covers the app; work in progress is kept). */
  lock: () => void;
  /** Signs out (the app closes and the sign-in screen shows). */
  signOut: () => void;
  /** Reads auth:status again (after enrolling a second factor, say). */
  refresh: () => Promise<void>;
};

/** Carries the auth state from the auth gate to useAuth. */
export const AuthContext = createContext<AuthState | null>(null);

/** The signed-in session, or null outside the auth gate (a page opened without its service connection). */
export function useAuth(): AuthState | null {
  return useContext(AuthContext);
}
