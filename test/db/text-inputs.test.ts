import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import { APPS, type TestApp } from '../helpers/apps';

/**
 * Issue #11, finding 13: every text input is checked once, at the contract. Control characters and lone
 * surrogates are a validation error naming the field; search text is only ever text (never SQL or FTS syntax), on
 * SQLite and on PostgreSQL.
 */

let app: TestApp;

/** The validation issue paths of a result, or a failure when it is not a validation error. */
function issuePaths(r: Result<unknown>): string[] {
  if (r.ok) throw new Error(`expected a validation error, got ${JSON.stringify(r.value).slice(0, 200)}`);
  if (r.error.code !== 'validation') throw new Error(`expected validation, got ${JSON.stringify(r.error)}`);
  return (r.error.issues ?? []).map((i) => i.path);
}

const SEARCHES = [
  ['accounts:search', 'query', { mode: 'prefix' }],
  ['accounts:search', 'query', { mode: 'contains' }],
  ['suspense:search', 'text', {}],
  ['suspense:search', 'payer', {}],
  ['suspense:search', 'reference', {}],
] as const;

describe.each(APPS.filter((r) => r.available))('text inputs on $dialect', ({ open }) => {
  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    const loaded = await app.dispatch('demo:load', { accounts: 30, seed: 4 });
    expect(loaded.ok).toBe(true);
  });
  afterAll(() => app.dispose());

  describe('control characters and lone surrogates at the contract', () => {
    it('a NUL byte in any search field is a validation error naming the field, never internal', async () => {
      for (const [command, field, extra] of SEARCHES) {
        for (const text of ['ab\u0000c', '\u0000', 'wolf\u0000']) {
          const r = await app.dispatch(command, { ...extra, [field]: text });
          expect(issuePaths(r), `${command} ${field} ${JSON.stringify(text)}`).toContain(field);
        }
      }
    });

    it('other control characters and lone surrogates are refused too', async () => {
      for (const text of [
        'a\u0007b',
        'esc\u001b[0m',
        'del\u007f',
        'c1\u0085x',
        'abc\ud800',
        '\udfffabc',
        'x\u2028y',
      ]) {
        const r = await app.dispatch('accounts:search', { query: text, mode: 'contains' });
        expect(issuePaths(r), JSON.stringify(text)).toEqual(['query']);
      }
      const r = await app.dispatch('accounts:search', { query: 'tab\there' });
      expect(issuePaths(r)).toEqual(['query']);
    });

    it('names nested fields and record keys', async () => {
      const batch = await app.dispatch('batches:create', {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
      });
      if (!batch.ok) throw new Error(batch.error.message);
      const batchId = (batch.value as { id: number }).id;
      const r = await app.dispatch('batches:save-entries', {
        batchId,
        entries: [{ accountNo: 'A0000001' }, { payerName: 'Mia\u0000Wolf', custom: { 'k\u0001': 'v' } }],
      });
      expect(issuePaths(r)).toEqual(expect.arrayContaining(['entries.1.payerName', 'entries.1.custom']));
      const note = await app.dispatch('batches:create', {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
        batchNo: 'B\n1',
      });
      expect(issuePaths(note)).toEqual(['batchNo']);
    });

    it('keeps tabs and line breaks in free-text notes, and any proper Unicode text', async () => {
      const batch = await app.dispatch('batches:create', {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
        note: 'first line\r\nsecond\tline',
      });
      expect(batch.ok).toBe(true);
      for (const [command, field, extra] of SEARCHES) {
        const r = await app.dispatch(command, { ...extra, [field]: 'Müller 😀 Ørsted' });
        expect(r.ok, `${command} ${field}`).toBe(true);
      }
    });
  });

  describe('search text is only ever text', () => {
    it('quotes, FTS operators and SQL in search text give a normal result', async () => {
      const texts = [
        '"',
        'a"b',
        '""""',
        "x' OR 1=1 --",
        'NEAR(a b)',
        'abc*',
        'wolf AND mia',
        'NOT x',
        '{payer_name}: x',
        'payer_name : wolf',
        '^abc',
        '%_%',
        '\\',
        '   ',
      ];
      for (const [command, field, extra] of SEARCHES) {
        for (const text of texts) {
          const r = await app.dispatch(command, { ...extra, [field]: text });
          expect(r.ok, `${command} ${field} ${JSON.stringify(text)} ${JSON.stringify(r)}`).toBe(true);
        }
      }
    });

    it('a text that matches nothing returns nothing, not every account', async () => {
      for (const mode of ['prefix', 'contains'] as const) {
        const r = await app.dispatch('accounts:search', { query: '"zz-no-such-account"', mode });
        expect(r.ok && (r.value as { rows: unknown[] }).rows).toEqual([]);
      }
    });

    it('random text in any search field is either results or a validation error, never internal', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...SEARCHES),
          fc.string({ unit: 'binary', maxLength: 12 }),
          async ([command, field, extra], text) => {
            const r = await app.dispatch(command, { ...extra, [field]: text });
            if (!r.ok) expect(r.error.code).toBe('validation');
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
