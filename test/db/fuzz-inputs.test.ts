import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src-shared/api/contract';
import { commandInputs } from '../../src-shared/api/inputs';
import { APPS, type TestApp } from '../helpers/apps';

let app: TestApp;

describe.each(APPS.filter((r) => r.available))('on $dialect', ({ open }) => {
  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
  });
  afterAll(() => app.dispose());

  describe('bad input at the front door', () => {
    it('random JSON thrown at every command yields validation errors only, never internal or a crash', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...COMMANDS),
          fc.jsonValue({ maxDepth: 3 }),
          async (command, input) => {
            // A random value that happens to be a valid input is not bad input; skip it.
            if (commandInputs[command].safeParse(input).success) return;
            const r = await app.dispatch(command, input);
            expect(r.ok).toBe(false);
            if (!r.ok) {
              expect(r.error.code).toBe('validation');
              if (r.error.code === 'validation') expect(r.error.issues?.length ?? 0).toBeGreaterThan(0);
            }
          },
        ),
        { numRuns: 600 },
      );
    });

    it('names each wrong or missing field', async () => {
      const r = await app.dispatch('accounts:payment-history', { accountNo: 5, limit: 'x', extra: true });
      expect(r.ok).toBe(false);
      if (r.ok || r.error.code !== 'validation') throw new Error('expected a validation error');
      const paths = (r.error.issues ?? []).map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['accountNo', 'limit']));
      expect(r.error.message).toMatch(/accountNo/);
      const missing = await app.dispatch('accounts:show', {});
      expect(!missing.ok && missing.error.code === 'validation' && missing.error.issues?.[0]?.path).toBe(
        'accountNo',
      );
    });

    it('refuses an unknown command as a validation error', async () => {
      const r = await app.dispatch('accounts:drop-table', {});
      expect(r).toMatchObject({ ok: false, error: { code: 'validation' } });
    });

    it('treats SQL-looking, wildcard and huge search text as plain text', async () => {
      for (const query of [
        "'; DROP TABLE accounts; --",
        '%',
        '_',
        '"*"',
        'a'.repeat(200),
        'NEAR(a b)',
        '\\',
      ]) {
        for (const mode of ['prefix', 'contains'] as const) {
          const r = await app.dispatch('accounts:search', { query, mode });
          expect(r.ok, `${mode} ${query}`).toBe(true);
        }
      }
      const tooLong = await app.dispatch('accounts:search', { query: 'a'.repeat(201) });
      expect(tooLong).toMatchObject({ ok: false, error: { code: 'validation' } });
    });
  });
});
