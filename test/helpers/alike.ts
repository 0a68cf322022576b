import { expect } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import { AppFailure } from '../../src-main/ledger/errors';
import type { AppError } from '../../src-shared/api/result';

// The both-database suites (issue #17) ask the same thing of each database and expect the same answer, the
// same refusal and the same rows written; these are their shared pieces.

/** What a refused call was refused with (the user-facing error), or 'no refusal'. */
export const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'no refusal',
    (e: unknown) => (e as { error?: unknown }).error ?? e,
  );

/** A service's answer, or the user-facing failure it refused with. */
export type Answer = { value: unknown } | { error: AppError };

/** The answer of a call; anything but a user-facing failure is thrown on. */
export async function answer(p: Promise<unknown>): Promise<Answer> {
  try {
    return { value: await p };
  } catch (err) {
    if (err instanceof AppFailure) return { error: err.error };
    throw err;
  }
}

/** One open database of a suite. */
export type OnDatabase = { dialect: Dialect; storage: Storage };

/**
 * `same` runs a call on every database and expects equal answers (answering the first); `refused` expects the
 * same refusal on each and `written` (the rows a change could touch, audit included) unchanged by it.
 */
export function alikeOn<D extends OnDatabase>(
  dbs: readonly D[],
  written: (storage: Storage) => Promise<unknown>,
): {
  same: <T>(fn: (db: D) => Promise<T>) => Promise<T>;
  refused: (fn: (db: D) => Promise<unknown>) => Promise<unknown>;
} {
  const same = async <T>(fn: (db: D) => Promise<T>): Promise<T> => {
    const answers: T[] = [];
    for (const db of dbs) answers.push(await fn(db));
    for (const [i, a] of answers.entries()) expect(a, dbs[i]!.dialect).toEqual(answers[0]);
    return answers[0]!;
  };
  const refused = (fn: (db: D) => Promise<unknown>): Promise<unknown> =>
    same(async (db) => {
      const before = await written(db.storage);
      const error = await failure(fn(db));
      expect(await written(db.storage), db.dialect).toEqual(before);
      return error;
    });
  return { same, refused };
}
