import { Fragment, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import type { OperatorDto } from '../../../../src-shared/dto/app';
import type { AuthStatusDto } from '../../../../src-shared/dto/auth';
import { call, errorMessage, hasApi, onEvent, onSessionRefused } from '../../api/client';
import { AuthContext, type AuthState } from '../../app/auth';
import { FirstAdminScreen } from './FirstAdminScreen';
import { LockScreen } from './LockScreen';
import { SignInScreen } from './SignInScreen';
import { useIdleLock } from './use-idle-lock';

/** True for Ctrl+Shift+L (Cmd+Shift+L on a Mac): lock now. Plain Ctrl+L belongs to the browser's address bar. */
function isLockShortcut(e: KeyboardEvent): boolean {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.code === 'KeyL';
}

/**
 * Shows the app only to a signed-in, unlocked operator: the first-administrator screen on a new ledger, the
 * sign-in screen, or the lock screen over the app (after idle time, Ctrl+Shift+L, an OS lock, or any command
 * answering that the session is locked). The app below is keyed by operator, so signing out discards it.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<AuthStatusDto | null>(null);
  const [operator, setOperator] = useState<OperatorDto | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  const accept = useCallback((next: AuthStatusDto) => {
    setStatus(next);
    setLoadError(null);
    if (next.operator) setOperator(next.operator);
    else if (!next.locked) setOperator(null);
  }, []);

  const refresh = useCallback(async () => {
    try {
      accept(await call('auth:status', {}));
    } catch (err) {
      setLoadError(errorMessage(err));
    }
  }, [accept]);

  const lock = useCallback(() => {
    setStatus((s) => (s ? { ...s, locked: true, operator: null } : s));
    call('auth:lock', {}).then(accept, () => void refresh());
  }, [accept, refresh]);

  const signOut = useCallback(() => {
    setNotice(null);
    call('auth:sign-out', {}).then(accept, () => void refresh());
  }, [accept, refresh]);

  useEffect(() => {
    if (!hasApi()) return;
    call('auth:status', {}).then(accept, (err: unknown) => setLoadError(errorMessage(err)));
    const offEvent = onEvent('auth:changed', () => void refresh());
    // A settings change may move the idle time (auth.idleLockMinutes): take it without a restart.
    const offConfig = onEvent('ledger:changed', (p) => {
      if (p.what === 'config') void refresh();
    });
    const offRefused = onSessionRefused((reason, message) => {
      if (reason === 'session_locked') setStatus((s) => (s ? { ...s, locked: true, operator: null } : s));
      else if (reason === 'sign_in') void refresh();
      else {
        // The operator was locked out or deactivated (or the token expired) while signed in: end the session.
        setNotice(message);
        call('auth:sign-out', {}).then(accept, () => void refresh());
      }
    });
    return () => {
      offEvent();
      offConfig();
      offRefused();
    };
  }, [accept, refresh]);

  const signedIn = status !== null && status.operator !== null && !status.locked;
  // Activity without commands (a long form) still counts as presence for the service's own idle lock.
  const stillHere = useCallback(() => void call('auth:status', {}).catch(() => undefined), []);
  useIdleLock(status?.idleLockMinutes ?? 0, signedIn, lock, stillHere);

  useEffect(() => {
    if (!signedIn) return;
    const onKey = (e: KeyboardEvent) => {
      if (!isLockShortcut(e)) return;
      e.preventDefault();
      lock();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [signedIn, lock]);

  const value = useMemo<AuthState | null>(
    () => (status && operator ? { status, operator, lock, signOut, refresh } : null),
    [status, operator, lock, signOut, refresh],
  );

  // Without a service connection the shell explains itself; nothing here could sign in anyway.
  if (!hasApi()) return <>{children}</>;
  if (!status)
    return loadError ? (
      <Box sx={{ p: 4 }}>
        <Alert
          severity="error"
          data-testid="auth-error"
          action={
            <Button color="inherit" size="small" onClick={() => void refresh()}>
              Retry
            </Button>
          }
        >
          {loadError}
        </Alert>
      </Box>
    ) : (
      <LinearProgress sx={{ height: 2 }} aria-label="Loading" />
    );
  if (status.firstRun) return <FirstAdminScreen onCreated={accept} />;
  if (!status.locked && !status.operator)
    return (
      <SignInScreen
        notice={notice}
        onSignedIn={(next) => {
          setNotice(null);
          accept(next);
        }}
      />
    );
  return (
    <>
      {value && (
        <AuthContext.Provider value={value}>
          <Fragment key={value.operator.login}>{children}</Fragment>
        </AuthContext.Provider>
      )}
      {status.locked && (
        <LockScreen
          operator={operator ?? status.lockedAs}
          needsCode={status.totpEnabled}
          onUnlocked={accept}
          onSignOut={signOut}
        />
      )}
    </>
  );
}
