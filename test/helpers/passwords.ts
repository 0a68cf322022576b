import { hashSync } from '@node-rs/argon2';
import type Database from 'better-sqlite3';

/** The password CLI tests sign in with (vitest.config.mts sets PAYDESK_PASSWORD to it). */
export const TEST_PASSWORD = process.env.PAYDESK_PASSWORD ?? 'paydesk test password';

let cached: string | undefined;

/**
 * Gives operators of a ledger opened in-process the test password, so the CLI (a front door) can sign in as
 * them; creates missing ones with the given roles.
 */
export function giveTestPassword(db: Database.Database, login: string, roles = 'clerk'): void {
  cached ??= hashSync(TEST_PASSWORD);
  const done = db.prepare('UPDATE operators SET password_hash = ? WHERE login = ?').run(cached, login);
  if (done.changes === 0)
    db.prepare(
      `INSERT INTO operators (login, name, roles, active, created_at, password_hash)
       VALUES (?, ?, ?, 1, ?, ?)`,
    ).run(login, login, roles, new Date().toISOString(), cached);
}
