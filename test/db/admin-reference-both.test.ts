import { sql } from 'drizzle-orm';
import type { AppError } from '../../src-shared/api/result';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../db/client';
import {
  currencyUpsertQuery,
  mandateCodeUpsertQuery,
  payTypeUpdateQuery,
  rateUpsertQuery,
  rejectionCodeUpsertQuery,
} from '../../db/repos/reference-data';
import type { Storage } from '../../db/storage/port';
import { sqliteStorage } from '../../db/storage/sqlite';
import {
  deleteMandateCode,
  deleteRejectionCode,
  deleteTerm,
  deleteTermDefault,
  listChannels,
  listCurrencies,
  listMandateCodes,
  listPayTypes,
  listRates,
  listRejectionCodes,
  listTerms,
  payTypeEnabled,
  saveChannel,
  saveCurrency,
  saveMandateCode,
  savePayType,
  saveRate,
  saveRejectionCode,
  saveTerm,
  saveTermDefault,
} from '../../src-main/services/admin/reference-data';
import {
  findRejectionCode,
  listRejectionCodes as listRejectionCodesSync,
} from '../../src-main/services/rejection-codes';
import type { RejectionCodeDto } from '../../src-shared/dto/admin';
import { tempDir } from '../helpers/ledger';
import { freshPostgres, STORAGES, type MatrixRow, addOperators } from '../helpers/storages';
import { answer, type Answer } from '../helpers/alike';

// Issue #17: the admin's reference data (channels, pay types, payment terms and defaults, mandate revision and
// rejection codes, currencies, dated rates) runs through the storage port. A fresh ledger lists the same rows on
// both databases (the PostgreSQL migration seeds what the SQLite migrations do), and the same saves, changes,
// deletes and refusals answer alike and write the same audit rows. PostgreSQL also runs on a database whose default
// collation is ICU en-US, where a code list left to the database's collation would sort 'a1' before 'B'.

const NOW = new Date('2026-12-07T09:00:00Z');

type AuditRow = { action: string; entity: string; entityId: string | null; before: unknown; after: unknown };

/** Every list of the Reference data screens, and the audit trail, as the services answer them. */
async function snapshot(storage: Storage) {
  const audit = await storage.transaction(
    (tx) =>
      tx.all<{
        action: string;
        entity: string;
        entityId: string | null;
        before: string | null;
        after: string | null;
      }>(sql`SELECT action, entity, entity_id AS "entityId", before, after FROM audit_log ORDER BY id`),
    { readOnly: true },
  );
  return {
    channels: await listChannels(storage),
    payTypes: await listPayTypes(storage),
    terms: await listTerms(storage),
    mandateCodes: await listMandateCodes(storage),
    rejectionCodes: await listRejectionCodes(storage),
    currencies: await listCurrencies(storage),
    rates: await listRates(storage, {}),
    usdRates: await listRates(storage, { fromCurrency: 'USD' }),
    toEurRates: await listRates(storage, { toCurrency: 'EUR' }),
    audit: audit.map((r): AuditRow => ({
      ...r,
      before: r.before === null ? null : (JSON.parse(r.before) as unknown),
      after: r.after === null ? null : (JSON.parse(r.after) as unknown),
    })),
  };
}

const SOFT: RejectionCodeDto = {
  code: 'x5',
  description: 'Try again later',
  reasonType: 2,
  reasonCode: 40,
  declineClass: 'soft',
  maxRetries: 2,
  retryReasonCode: 12,
  retryEvent: 'PAYMENT_RETRY',
  suspensionDays: 3,
  exhaustedEvent: 'PAYMENT_CANCELLED',
  refundEvent: null,
  fallbackPayType: 10001,
};

/** One step: a service call, and either the audit action it writes or the refusal it answers. */
type Step = {
  name: string;
  run: (s: Storage, operatorId: number) => Promise<unknown>;
  audit?: string;
  refuses?: Partial<AppError>;
};

const STEPS: Step[] = [
  // payment channels
  {
    name: 'add a channel',
    run: (s, op) => saveChannel(s, { id: 7, description: 'Mobile app', active: true }, NOW, op),
    audit: 'channel.save',
  },
  {
    name: 'change a channel',
    run: (s, op) => saveChannel(s, { id: 7, description: 'Mobile', active: false }, NOW, op),
    audit: 'channel.save',
  },
  {
    name: 'rename channel 0',
    run: (s, op) => saveChannel(s, { id: 0, description: 'Unspecified', active: true }, NOW, op),
    audit: 'channel.save',
  },
  {
    name: 'deactivate channel 0',
    run: (s, op) => saveChannel(s, { id: 0, description: 'Unspecified', active: false }, NOW, op),
    refuses: { code: 'validation' },
  },
  // pay types
  {
    name: 'rename and switch off a pay type',
    run: (s, op) => savePayType(s, { payType: 10011, name: 'Cash desk', enabled: false }, NOW, op),
    audit: 'pay_type.save',
  },
  {
    name: 'change a pay type not set up',
    run: (s, op) => savePayType(s, { payType: 12345, name: 'Nope', enabled: true }, NOW, op),
    refuses: { code: 'not_found' },
  },
  // payment terms and defaults
  {
    name: 'add a term',
    run: (s, op) => saveTerm(s, { code: 'N60', description: 'Net 60', days: 60 }, NOW, op),
    audit: 'payment_term.save',
  },
  {
    name: 'change a term',
    run: (s, op) => saveTerm(s, { code: 'N60', description: 'Net 60 days', days: 61 }, NOW, op),
    audit: 'payment_term.save',
  },
  {
    name: 'add a default, a level given twice',
    run: (s, op) =>
      saveTermDefault(
        s,
        { code: 'CC', payType: 10003, termCode: 'N60', securityLevels: ['admin', 'clerk', 'admin'] },
        NOW,
        op,
      ),
    audit: 'payment_term_default.save',
  },
  {
    name: 'change a default',
    run: (s, op) =>
      saveTermDefault(s, { code: 'DD', payType: 10018, termCode: 'DUE', securityLevels: ['admin'] }, NOW, op),
    audit: 'payment_term_default.save',
  },
  {
    name: 'a default of an unknown term and pay type',
    run: (s, op) =>
      saveTermDefault(s, { code: 'ZZ', payType: 99999, termCode: 'XXX', securityLevels: ['admin'] }, NOW, op),
    refuses: { code: 'validation' },
  },
  {
    name: 'delete a term a default uses',
    run: (s, op) => deleteTerm(s, 'N60', NOW, op),
    refuses: { code: 'conflict', rule: 'term-in-use' },
  },
  {
    name: 'delete a term a bill unit uses',
    run: async (s, op) => {
      await s.transaction((tx) =>
        tx.run(
          sql`INSERT INTO bill_units (bill_unit_no, account_id, name, accounting_type, pay_type, payment_term)
              SELECT 'BU-REF', id, 'Reference test', 'open_item', 10001, 'N14' FROM accounts WHERE is_suspense = 1`,
        ),
      );
      // The default DD no longer names N14 (changed above): only the bill unit holds it.
      return deleteTerm(s, 'N14', NOW, op);
    },
    refuses: { code: 'conflict', rule: 'term-in-use' },
  },
  {
    name: 'delete a missing term',
    run: (s, op) => deleteTerm(s, 'QQQ', NOW, op),
    refuses: { code: 'not_found' },
  },
  {
    name: 'delete a default',
    run: (s, op) => deleteTermDefault(s, 'CC', NOW, op),
    audit: 'payment_term_default.delete',
  },
  {
    name: 'delete it again',
    run: (s, op) => deleteTermDefault(s, 'CC', NOW, op),
    refuses: { code: 'not_found' },
  },
  {
    name: 'delete the term now free',
    run: (s, op) => deleteTerm(s, 'N60', NOW, op),
    audit: 'payment_term.delete',
  },
  // mandate revision codes
  {
    name: 'add a lower-case mandate code',
    run: (s, op) =>
      saveMandateCode(
        s,
        {
          code: 'a1',
          name: 'Amended by the bank',
          action: 'amend',
          reasonType: 1,
          reasonCode: 9,
          eventType: 'MANDATE',
          eventCode: 'AMEND_DETAILS',
        },
        NOW,
        op,
      ),
    audit: 'mandate_code.save',
  },
  {
    name: 'change every field of a mandate code',
    run: (s, op) =>
      saveMandateCode(
        s,
        {
          code: 'B',
          name: 'Account closed by the bank',
          action: 'amend',
          reasonType: 3,
          reasonCode: 14,
          eventType: 'MANDATE2',
          eventCode: 'CLOSED',
        },
        NOW,
        op,
      ),
    audit: 'mandate_code.save',
  },
  {
    name: 'delete a mandate code',
    run: (s, op) => deleteMandateCode(s, '3', NOW, op),
    audit: 'mandate_code.delete',
  },
  {
    name: 'delete a missing mandate code',
    run: (s, op) => deleteMandateCode(s, 'nope', NOW, op),
    refuses: { code: 'not_found' },
  },
  // rejection codes
  {
    name: 'add a soft rejection code',
    run: (s, op) => saveRejectionCode(s, SOFT, NOW, op),
    audit: 'rejection_code.save',
  },
  {
    name: 'change a rejection code to hard',
    run: (s, op) =>
      saveRejectionCode(
        s,
        {
          ...SOFT,
          description: 'Never again',
          declineClass: 'hard',
          maxRetries: 0,
          retryReasonCode: null,
          retryEvent: null,
          suspensionDays: 0,
          exhaustedEvent: null,
          refundEvent: 'PAYMENT_REFUND',
          fallbackPayType: 10012,
        },
        NOW,
        op,
      ),
    audit: 'rejection_code.save',
  },
  {
    name: 'a soft decline that never retries',
    run: (s, op) =>
      saveRejectionCode(s, { ...SOFT, code: 'S0', maxRetries: 0, retryReasonCode: null }, NOW, op),
    refuses: { code: 'validation' },
  },
  {
    name: 'a hard decline that retries, falling back to a pay type not set up',
    run: (s, op) =>
      saveRejectionCode(s, { ...SOFT, code: 'H1', declineClass: 'hard', fallbackPayType: 4242 }, NOW, op),
    refuses: { code: 'validation' },
  },
  {
    name: 'delete a rejection code',
    run: (s, op) => deleteRejectionCode(s, 'AC01', NOW, op),
    audit: 'rejection_code.delete',
  },
  {
    name: 'delete a missing rejection code',
    run: (s, op) => deleteRejectionCode(s, 'AC01', NOW, op),
    refuses: { code: 'not_found' },
  },
  // currencies and rates
  {
    name: 'add a currency',
    run: (s, op) => saveCurrency(s, { code: 'NOK', exponent: 2, name: 'Norwegian Krone' }, NOW, op),
    audit: 'currency.save',
  },
  {
    name: 'rename a currency',
    run: (s, op) => saveCurrency(s, { code: 'USD', exponent: 2, name: 'United States Dollar' }, NOW, op),
    audit: 'currency.save',
  },
  {
    name: "change a currency's exponent",
    run: (s, op) => saveCurrency(s, { code: 'JPY', exponent: 2, name: 'Yen' }, NOW, op),
    refuses: { code: 'conflict', rule: 'currency-exponent' },
  },
  {
    name: 'add a rate',
    run: (s, op) =>
      saveRate(
        s,
        { fromCurrency: 'USD', toCurrency: 'EUR', validFrom: '2026-01-01', rate: '0.915' },
        NOW,
        op,
      ),
    audit: 'exchange_rate.save',
  },
  {
    name: 'replace the rate of that date',
    run: (s, op) =>
      saveRate(s, { fromCurrency: 'USD', toCurrency: 'EUR', validFrom: '2026-01-01', rate: '0.92' }, NOW, op),
    audit: 'exchange_rate.save',
  },
  {
    name: 'a later rate',
    run: (s, op) =>
      saveRate(s, { fromCurrency: 'USD', toCurrency: 'EUR', validFrom: '2026-07-01', rate: '0.9' }, NOW, op),
    audit: 'exchange_rate.save',
  },
  {
    name: 'another pair',
    run: (s, op) =>
      saveRate(s, { fromCurrency: 'GBP', toCurrency: 'EUR', validFrom: '2026-03-01', rate: '1.17' }, NOW, op),
    audit: 'exchange_rate.save',
  },
  {
    name: 'a rate from an unknown currency',
    run: (s, op) =>
      saveRate(s, { fromCurrency: 'XXX', toCurrency: 'EUR', validFrom: '2026-01-01', rate: '1' }, NOW, op),
    refuses: { code: 'validation' },
  },
  {
    name: 'a rate within one currency, of zero',
    run: (s, op) =>
      saveRate(s, { fromCurrency: 'EUR', toCurrency: 'EUR', validFrom: '2026-01-01', rate: '0' }, NOW, op),
    refuses: { code: 'validation' },
  },
  // the configuration import's statements, without a service around them
  {
    name: 'import: a currency with another exponent keeps its exponent',
    run: (s) =>
      s.transaction((tx) => tx.run(currencyUpsertQuery({ code: 'EUR', exponent: 3, name: 'Euro (import)' }))),
  },
  {
    name: 'import: a pay type not set up changes nothing',
    run: (s) => s.transaction((tx) => tx.run(payTypeUpdateQuery({ payType: 777, name: 'x', enabled: true }))),
  },
  {
    name: 'import: a mandate code replaced whole',
    run: (s) =>
      s.transaction((tx) =>
        tx.run(
          mandateCodeUpsertQuery({
            code: 'C',
            name: 'Imported',
            action: 'cancel',
            reasonType: 4,
            reasonCode: 44,
            eventType: 'E',
            eventCode: 'F',
          }),
        ),
      ),
  },
  {
    name: 'import: a rejection code replaced whole',
    run: (s) =>
      s.transaction((tx) =>
        tx.run(rejectionCodeUpsertQuery({ ...SOFT, code: '54', description: 'Imported', reasonCode: 6 })),
      ),
  },
  {
    name: 'import: a rate of an existing date',
    run: (s) =>
      s.transaction((tx) =>
        tx.run(
          rateUpsertQuery({
            fromCurrency: 'GBP',
            toCurrency: 'EUR',
            validFrom: '2026-03-01',
            rate: '1.171234',
          }),
        ),
      ),
  },
];

type Transcript = {
  fresh: Awaited<ReturnType<typeof snapshot>>;
  steps: { name: string; answer: Answer; audit: AuditRow[] }[];
  last: Awaited<ReturnType<typeof snapshot>>;
};

/** The transcripts of each database, compared once every row has run. */
const transcripts = new Map<string, Transcript>();

const ROWS: (MatrixRow & { label: string })[] = [
  ...STORAGES.map((r) => ({ ...r, label: r.dialect })),
  { ...STORAGES[1]!, label: 'postgres (ICU en-US)', open: () => freshPostgres({ icu: true }) },
];

describe.each(ROWS)('reference data on $label', (row) => {
  let storage: Storage;
  let dispose: () => Promise<void>;
  let operatorId: number;

  beforeAll(async () => {
    if (!row.available) return;
    ({ storage, dispose } = await row.open());
    operatorId = (await addOperators(storage, { ada: ['admin'] }, NOW)).ada;
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  it.runIf(row.available)(
    'lists the seeded rows, saves, changes and deletes with one audit row each, and refuses with nothing written',
    async () => {
      const fresh = await snapshot(storage);
      expect(fresh.channels).toHaveLength(5);
      expect(fresh.channels[0]).toEqual({ id: 0, description: 'Unspecified Payment Channel', active: true });
      expect(fresh.payTypes).toHaveLength(16);
      expect(fresh.terms.terms.map((t) => t.code)).toEqual(['DUE', 'N14', 'N30']);
      expect(fresh.terms.defaults).toEqual([
        { code: 'DD', payType: 10005, termCode: 'N14', securityLevels: ['supervisor', 'admin'] },
        {
          code: 'INV',
          payType: 10001,
          termCode: 'N30',
          securityLevels: ['clerk', 'analyst', 'supervisor', 'admin'],
        },
      ]);
      expect(fresh.mandateCodes.map((m) => m.code)).toEqual(['0', '1', '3', 'B', 'C']);
      expect(fresh.rejectionCodes).toHaveLength(28);
      expect(fresh.currencies.find((c) => c.code === 'KWD')).toEqual({
        code: 'KWD',
        exponent: 3,
        name: 'Kuwaiti Dinar',
      });
      expect(fresh.rates).toEqual([]);
      expect(fresh.audit).toEqual([]);

      const steps: Transcript['steps'] = [];
      let before = fresh;
      for (const step of STEPS) {
        const got = await answer(step.run(storage, operatorId));
        const after = await snapshot(storage);
        const audit = after.audit.slice(before.audit.length);
        if (step.refuses) {
          expect(got, step.name).toMatchObject({ error: step.refuses });
          expect(audit, step.name).toEqual([]);
          // A refusal writes nothing (the bill unit a step added itself is not reference data).
          expect(after, step.name).toEqual(before);
        } else {
          expect(got, step.name).not.toHaveProperty('error');
          expect(
            audit.map((a) => a.action),
            step.name,
          ).toEqual(step.audit ? [step.audit] : []);
        }
        steps.push({ name: step.name, answer: got, audit });
        before = after;
      }
      const last = before;
      transcripts.set(row.label, { fresh, steps, last });

      expect(last.channels.find((c) => c.id === 7)).toEqual({ id: 7, description: 'Mobile', active: false });
      expect(last.payTypes.find((p) => p.payType === 10011)).toMatchObject({
        name: 'Cash desk',
        enabled: false,
      });
      expect(last.terms.terms.map((t) => t.code)).toEqual(['DUE', 'N14', 'N30']);
      expect(last.terms.defaults.find((d) => d.code === 'DD')).toEqual({
        code: 'DD',
        payType: 10018,
        termCode: 'DUE',
        securityLevels: ['admin'],
      });
      // Code-point order on every database: upper case before lower case.
      expect(last.mandateCodes.map((m) => m.code)).toEqual(['0', '1', 'B', 'C', 'a1']);
      expect(last.mandateCodes.find((m) => m.code === 'C')).toEqual({
        code: 'C',
        name: 'Imported',
        action: 'cancel',
        reasonType: 4,
        reasonCode: 44,
        eventType: 'E',
        eventCode: 'F',
      });
      expect(last.rejectionCodes.map((r) => r.code).slice(-2)).toEqual(['STOP', 'x5']);
      expect(last.rejectionCodes.find((r) => r.code === '54')).toEqual({
        ...SOFT,
        code: '54',
        description: 'Imported',
        reasonCode: 6,
      });
      expect(last.currencies.find((c) => c.code === 'EUR')).toEqual({
        code: 'EUR',
        exponent: 2,
        name: 'Euro (import)',
      });
      expect(last.currencies.find((c) => c.code === 'JPY')).toEqual({
        code: 'JPY',
        exponent: 0,
        name: 'Yen',
      });
      expect(last.rates).toEqual([
        {
          fromCurrency: 'GBP',
          toCurrency: 'EUR',
          validFrom: '2026-03-01',
          ratePpm: 1_171_234,
          rate: '1.171234',
        },
        { fromCurrency: 'USD', toCurrency: 'EUR', validFrom: '2026-07-01', ratePpm: 900_000, rate: '0.9' },
        { fromCurrency: 'USD', toCurrency: 'EUR', validFrom: '2026-01-01', ratePpm: 920_000, rate: '0.92' },
      ]);
      expect(last.usdRates.map((r) => r.validFrom)).toEqual(['2026-07-01', '2026-01-01']);
      expect(last.toEurRates).toEqual(last.rates);

      const replaced = steps.find((s) => s.name === 'replace the rate of that date')!.audit[0]!;
      expect(replaced).toMatchObject({
        entity: 'exchange_rate',
        entityId: 'USD/EUR/2026-01-01',
        before: { ratePpm: 915_000, rate: '0.915' },
        after: { ratePpm: 920_000, rate: '0.92' },
      });
      const deleted = steps.find((s) => s.name === 'delete a default')!.audit[0]!;
      expect(deleted).toEqual({
        action: 'payment_term_default.delete',
        entity: 'payment_term_default',
        entityId: 'CC',
        before: { code: 'CC', payType: 10003, termCode: 'N60', securityLevels: ['admin', 'clerk'] },
        after: null,
      });
    },
    60_000,
  );
});

describe('both databases', () => {
  it.runIf(ROWS.every((r) => r.available))(
    'list a fresh ledger alike and answer and audit every step alike',
    () => {
      const sqlite = transcripts.get('sqlite');
      expect(sqlite).toBeDefined();
      for (const label of ['postgres', 'postgres (ICU en-US)']) {
        const other = transcripts.get(label);
        expect(other, label).toBeDefined();
        expect(other!.fresh, label).toEqual(sqlite!.fresh);
        for (const [i, step] of sqlite!.steps.entries())
          expect(other!.steps[i], `${label}: ${step.name}`).toEqual(step);
        expect(other!.last, label).toEqual(sqlite!.last);
      }
    },
  );
});

describe('the driver readers of the same rows', () => {
  it('read what the port writes, for the code that still runs in driver transactions', async () => {
    const { dir, cleanup } = tempDir();
    const ledger = openLedger(`${dir}/ledger.sqlite`, 'db/migrations');
    const storage = sqliteStorage(ledger.sqlite);
    try {
      const op = Number(
        ledger.sqlite
          .prepare(`INSERT INTO operators (login, name, roles, created_at) VALUES ('ada', 'Ada', 'admin', ?)`)
          .run(NOW.toISOString()).lastInsertRowid,
      );
      await saveRejectionCode(storage, SOFT, NOW, op);
      expect(listRejectionCodesSync(ledger.sqlite)).toEqual(await listRejectionCodes(storage));
      expect(findRejectionCode(ledger.sqlite, 'x5')).toEqual(SOFT);
      expect(findRejectionCode(ledger.sqlite, 'nope')).toBeUndefined();
      expect(payTypeEnabled(ledger.sqlite, 10011)).toBe(true);
      await savePayType(storage, { payType: 10011, name: 'Cash', enabled: false }, NOW, op);
      expect(payTypeEnabled(ledger.sqlite, 10011)).toBe(false);
      expect(payTypeEnabled(ledger.sqlite, 4242)).toBe(false);
    } finally {
      await storage.close();
      ledger.sqlite.close();
      cleanup();
    }
  });
});
