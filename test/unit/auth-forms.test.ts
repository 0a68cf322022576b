import { describe, expect, it, vi } from 'vitest';
import { ApiCallError } from '../../src-renderer/src/api/client';
import {
  fieldProblems,
  signInProblem,
  WRONG_PASSWORD,
} from '../../src-renderer/src/features/auth/auth-errors';
import { newPasswordProblem } from '../../src-renderer/src/features/auth/password-rules';

const refused = (reason: 'sign_in' | 'operator_locked' | 'inactive' | 'second_factor', message: string) =>
  new ApiCallError('auth:sign-in', { code: 'unauthenticated', reason, message });

describe('sign-in form messages', () => {
  it('says the same for an unknown login and a wrong password', () => {
    expect(signInProblem(refused('sign_in', 'unknown login or wrong password'))).toBe(WRONG_PASSWORD);
  });

  it('shows the lockout end in local time and says an admin can unlock', () => {
    // A fixed local morning: the same test at 23:50 would end the lockout tomorrow (shown with its date, below).
    vi.useFakeTimers({ now: new Date(2026, 11, 4, 9, 30) });
    try {
      const locked = (until: Date) =>
        signInProblem(
          refused(
            'operator_locked',
            `sue is locked after too many failed sign-ins until ${until.toISOString()}; …`,
          ),
        );
      const until = new Date(Date.now() + 15 * 60_000);
      const hhmm = until.toLocaleString(undefined, { hour: '2-digit', minute: '2-digit' });
      expect(locked(until)).toContain(`until ${hhmm}`);
      expect(locked(until)).toContain('An administrator can unlock it sooner.');
      const tomorrow = new Date(2026, 11, 5, 0, 10);
      expect(locked(tomorrow)).toContain(
        `until ${tomorrow.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })}`,
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('explains an inactive operator and a wrong code, and passes other messages through', () => {
    expect(signInProblem(refused('inactive', 'x'))).toMatch(/inactive/);
    expect(signInProblem(refused('second_factor', 'x'))).toBe('The code is wrong or has expired.');
    expect(signInProblem(new Error('The Paydesk service is not reachable.'))).toBe(
      'The Paydesk service is not reachable.',
    );
  });

  it('maps validation issues to fields (first message per field)', () => {
    const err = new ApiCallError('auth:first-admin', {
      code: 'validation',
      message: 'bad',
      issues: [
        { path: 'password', message: 'must not contain the login' },
        { path: 'password', message: 'second' },
        { path: 'login', message: 'letters, digits' },
      ],
    });
    expect(fieldProblems(err)).toEqual({ password: 'must not contain the login', login: 'letters, digits' });
    expect(fieldProblems(new Error('x'))).toEqual({});
  });
});

describe('new password rules, as the service checks them', () => {
  it('needs 10 characters and must not contain the login (any case)', () => {
    expect(newPasswordProblem('short', 'ada')).toBe('At least 10 characters');
    expect(newPasswordProblem('my-ADA-password', 'ada')).toBe('Must not contain the login');
    expect(newPasswordProblem('a long enough passphrase', 'ada.admin')).toBeNull();
    expect(newPasswordProblem('0123456789', '')).toBeNull();
  });
});
