import { AppFailure } from '../ledger/errors';
import type { CliIo } from './output';

/**
 * A new password for an operator: PAYDESK_NEW_PASSWORD, or typed twice (hidden) on a terminal. Never an
 * option: arguments show in the process list and the shell history.
 */
export async function newPasswordFromUser(io: CliIo, login: string): Promise<string> {
  const fromEnv = process.env.PAYDESK_NEW_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!io.askSecret) {
    const message = `set PAYDESK_NEW_PASSWORD or run in a terminal to type the new password of ${login}`;
    throw new AppFailure({ code: 'validation', message, issues: [{ path: 'password', message }] });
  }
  const first = await io.askSecret(`New password for ${login}: `);
  const again = await io.askSecret('Repeat it: ');
  if (first !== again) {
    const message = 'the two passwords differ';
    throw new AppFailure({ code: 'validation', message, issues: [{ path: 'password', message }] });
  }
  return first;
}
