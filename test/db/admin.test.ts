import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectionCodeQuery } from '../../db/repos/reference-data';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import { convertOnIn } from '../../src-main/ledger/rates';
import type { CommandName, CommandOutput } from '../../src-shared/api/contract';
import type { AppError } from '../../src-shared/api/result';
import type { ConfigFileDto, RejectionCodeDto } from '../../src-shared/dto/admin';
import { APPS, type TestApp } from '../helpers/apps';

let app: TestApp;

/** Another operator's session on the same ledger (a new login starts as a clerk). */
function as(login: string): Promise<App<LedgerPlace>> {
  return app.again({ login, clock: () => new Date('2026-11-22T10:00:00Z') });
}

async function ok<K extends CommandName>(
  command: K,
  input: unknown,
  on: App<LedgerPlace> = app,
): Promise<CommandOutput<K>> {
  const r = await on.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${JSON.stringify(r.error)}`);
  return r.value as CommandOutput<K>;
}

async function fail(command: CommandName, input: unknown, on: App<LedgerPlace> = app): Promise<AppError> {
  const r = await on.dispatch(command, input);
  if (r.ok) throw new Error(`${command} unexpectedly succeeded: ${JSON.stringify(r.value)}`);
  return r.error;
}

const auditCount = async (): Promise<number> =>
  (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM audit_log`))!.n;

const write = (query: SQL): Promise<unknown> => app.ctx.storage.transaction((tx) => tx.run(query));

describe.each(APPS.filter((r) => r.available))('admin configuration ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
  });
  afterEach(() => app.dispose());

  describe('settings', () => {
    it('lists every setting with its DOMAIN.md §5 default and sets typed values with an audit row', async () => {
      const all = await ok('admin:settings', {});
      const byKey = new Map(all.map((s) => [s.key, s]));
      expect(byKey.get('ALLOWACCOUNTDUP')).toMatchObject({ value: false, isDefault: true, kind: 'boolean' });
      expect(byKey.get('suspense.thresholdPercent')).toMatchObject({ value: 100, min: 0, max: 100 });
      expect(byKey.get('payment.batchLock')).toMatchObject({ value: 'batch', options: ['batch', 'account'] });
      expect(byKey.get('DefaultDateFormat')?.value).toBe('');
      expect(byKey.get('paymentCenter.dateFormat')?.value).toBe('MM/dd/yyyy');

      const set = await ok('admin:set-setting', { key: 'ALLOWACCOUNTDUP', value: true });
      expect(set).toMatchObject({ value: true, isDefault: false });
      const h = await ok('admin:history', { entity: 'setting' });
      expect(h.rows[0]).toMatchObject({
        action: 'setting.set',
        entityId: 'ALLOWACCOUNTDUP',
        operatorLogin: 'tester',
        before: { value: false },
        after: { value: true },
      });
    });

    it('refuses a value of the wrong type, out of range, or an unknown key, and changes nothing', async () => {
      const before = await auditCount();
      expect((await fail('admin:set-setting', { key: 'ALLOWACCOUNTDUP', value: 'yes' })).code).toBe(
        'validation',
      );
      expect((await fail('admin:set-setting', { key: 'suspense.thresholdPercent', value: 101 })).code).toBe(
        'validation',
      );
      expect((await fail('admin:set-setting', { key: 'payment.batchLock', value: 'row' })).code).toBe(
        'validation',
      );
      const unknown = await fail('admin:set-setting', { key: 'NoSuchThing', value: 1 });
      expect(unknown.code === 'validation' && unknown.issues?.[0]?.path).toBe('key');
      expect(await auditCount()).toBe(before);
      const all = await ok('admin:settings', {});
      expect(all.find((s) => s.key === 'ALLOWACCOUNTDUP')?.value).toBe(false);
    });
  });

  describe('reason codes', () => {
    it('adds codes above 100,000 only, with each domain’s G/L rule', async () => {
      const added = await ok('codes:add', { domainId: 14, id: 100_500, label: 'Disputed by customer' });
      expect(added).toMatchObject({ domainId: 14, id: 100_500, active: true, glId: null });
      const reserved = await fail('codes:add', { domainId: 14, id: 2500, label: 'Mine' });
      expect(reserved.code).toBe('validation');
      expect(reserved.message).toMatch(/reserved/);
      expect((await fail('codes:add', { domainId: 14, id: 100_500, label: 'Again' })).code).toBe('conflict');
      // Reversal reasons (16) must carry a G/L ID; action owners (15) must not.
      expect((await fail('codes:add', { domainId: 16, id: 110_100, label: 'Recycled' })).code).toBe(
        'validation',
      );
      await ok('codes:add', { domainId: 16, id: 110_100, label: 'Recycled', glId: 113 });
      expect((await fail('codes:add', { domainId: 15, id: 102_100, label: 'Sam', glId: 113 })).code).toBe(
        'validation',
      );
      expect((await fail('codes:add', { domainId: 99, id: 102_100, label: 'Sam' })).code).toBe('validation');
      const listed = await ok('codes:list', { domainId: 14 });
      expect(listed.map((c) => c.id)).toContain(100_500);
      const every = await ok('codes:list', {});
      expect(new Set(every.map((c) => c.domainId)).size).toBeGreaterThan(5);
    });

    it('retires codes (no longer accepted) and deletes only codes nothing uses', async () => {
      await ok('codes:add', { domainId: 14, id: 100_600, label: 'Unused' });
      await ok('codes:add', { domainId: 14, id: 100_601, label: 'Used' });
      const batch = await ok('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' });
      const [entry] = await ok('batches:save-entries', {
        batchId: batch.id,
        entries: [{ accountNo: 'X1', amount: '10.00' }],
      });
      await ok('batches:suspend-entry', { batchId: batch.id, entryId: entry!.id, reasonCode: 100_601 });

      const inUse = await fail('codes:delete', { domainId: 14, id: 100_601 });
      expect(inUse).toMatchObject({ code: 'conflict', rule: 'code-in-use' });
      expect((await fail('codes:delete', { domainId: 14, id: 2001 })).code).toBe('conflict');
      expect(await ok('codes:delete', { domainId: 14, id: 100_600 })).toMatchObject({ deleted: true });

      const retired = await ok('codes:retire', { domainId: 14, id: 100_601 });
      expect(retired.active).toBe(false);
      expect((await ok('codes:list', { domainId: 14 })).map((c) => c.id)).not.toContain(100_601);
      expect((await ok('codes:list', { domainId: 14, includeRetired: true })).map((c) => c.id)).toContain(
        100_601,
      );
      await ok('batches:suspend-entry', { batchId: batch.id, entryId: entry!.id, reasonCode: null });
      const refused = await fail('batches:suspend-entry', {
        batchId: batch.id,
        entryId: entry!.id,
        reasonCode: 100_601,
      });
      expect(refused.message).toMatch(/retired/);
      // The validator's own codes cannot be retired.
      expect((await fail('codes:retire', { domainId: 14, id: 2001 })).code).toBe('conflict');
      expect((await ok('codes:retire', { domainId: 14, id: 100_601, restore: true })).active).toBe(true);
    });

    it('exports a reasons file and imports it whole, listing every problem of a bad one', async () => {
      await ok('codes:add', { domainId: 15, id: 102_777, label: 'Night shift' });
      const file = await ok('codes:export', { domainId: 15 });
      expect(file.format).toBe('paydesk-reasons');
      expect(file.codes.every((c) => c.domainId === 15)).toBe(true);

      const good = join(app.dir, 'reasons.json');
      file.codes.push({
        domainId: 15,
        id: 102_778,
        label: 'Weekend team',
        help: '',
        glId: null,
        active: true,
      });
      file.codes[0] = { ...file.codes[0]!, label: 'Payments Processing (renamed)' };
      writeFileSync(good, JSON.stringify(file));
      expect(await ok('codes:import', { file: good })).toEqual({ added: 1, updated: 1, unchanged: 4 });

      const bad = join(app.dir, 'bad-reasons.json');
      writeFileSync(
        bad,
        JSON.stringify({
          format: 'paydesk-reasons',
          version: 1,
          locale: 'en_us',
          codes: [
            { domainId: 15, id: 102_900, label: 'New', help: '', glId: null, active: true },
            { domainId: 15, id: 102_900, label: 'Twice', help: '', glId: null, active: true },
            { domainId: 14, id: 2500, label: 'Reserved', help: '', glId: null, active: true },
            { domainId: 16, id: 110_900, label: 'No G/L', help: '', glId: null, active: true },
          ],
        }),
      );
      const err = await fail('codes:import', { file: bad });
      expect(err.code === 'validation' && err.issues?.map((i) => i.path)).toEqual([
        'codes.1.id',
        'codes.2.id',
        'codes.3.glId',
      ]);
      expect((await ok('codes:list', { domainId: 15 })).map((c) => c.id)).not.toContain(102_900);
    });
  });

  describe('channels, pay types, terms, CMP codes, currencies and rates', () => {
    it('keeps channel 0 as the unspecified channel and saves others', async () => {
      const channels = await ok('admin:channels', {});
      expect(channels[0]).toMatchObject({ id: 0, description: 'Unspecified Payment Channel', active: true });
      expect((await fail('admin:save-channel', { id: 0, description: 'x', active: false })).code).toBe(
        'validation',
      );
      await ok('admin:save-channel', { id: 7, description: 'Mobile app', active: true });
      expect((await ok('admin:channels', {})).map((c) => c.id)).toContain(7);
    });

    it('shows the behaviour matrix and switches pay types on and off', async () => {
      const types = await ok('admin:pay-types', {});
      const cash = types.find((t) => t.payType === 10011)!;
      expect(cash.behaviour.reversible).toMatch(/^no/);
      expect(cash.batchTypes).toEqual(['payment', 'refund']);
      const card = types.find((t) => t.payType === 10003)!;
      expect(card.batchTypes).toEqual(['reversal']);
      expect(card.behaviour.suspendable).toMatch(/^no/);
      const off = await ok('admin:save-pay-type', { payType: 10015, name: 'Postal order', enabled: false });
      expect(off.enabled).toBe(false);
      expect((await fail('admin:save-pay-type', { payType: 12345, name: 'x', enabled: true })).code).toBe(
        'not_found',
      );
    });

    it('enforces V17 on payment terms and defaults', async () => {
      expect((await fail('admin:save-term', { code: 'n45', description: 'Net 45', days: 45 })).code).toBe(
        'validation',
      );
      expect((await fail('admin:save-term', { code: 'N450', description: 'Net 450', days: 45 })).code).toBe(
        'validation',
      );
      expect(
        (await fail('admin:save-term', { code: 'N45', description: 'x'.repeat(31), days: 45 })).code,
      ).toBe('validation');
      await ok('admin:save-term', { code: 'N45', description: 'Net 45 days', days: 45 });
      expect(
        (
          await fail('admin:save-term-default', {
            code: 'CC',
            payType: 10003,
            termCode: 'N99',
            securityLevels: ['clerk'],
          })
        ).code,
      ).toBe('validation');
      await ok('admin:save-term-default', {
        code: 'CC',
        payType: 10003,
        termCode: 'N45',
        securityLevels: ['admin'],
      });
      expect(await fail('admin:delete-term', { code: 'N45' })).toMatchObject({ rule: 'term-in-use' });
      const terms = await ok('admin:terms', {});
      expect(terms.defaults.find((d) => d.code === 'CC')).toMatchObject({
        termCode: 'N45',
        securityLevels: ['admin'],
      });
    });

    it('keeps rejection codes consistent with their decline class', async () => {
      const soft = {
        code: '91',
        description: 'Issuer unavailable',
        reasonType: 2,
        reasonCode: 9,
        declineClass: 'soft',
        maxRetries: 0,
        retryReasonCode: null,
        retryEvent: null,
        suspensionDays: 3,
        exhaustedEvent: null,
        refundEvent: null,
        fallbackPayType: 10001,
      };
      const err = await fail('admin:save-rejection-code', soft);
      expect(err.code === 'validation' && err.issues?.map((i) => i.path).sort()).toEqual([
        'exhaustedEvent',
        'maxRetries',
        'retryEvent',
        'retryReasonCode',
      ]);
      await ok('admin:save-rejection-code', {
        ...soft,
        maxRetries: 2,
        retryReasonCode: 11,
        retryEvent: 'PAYMENT_RETRY',
        exhaustedEvent: 'PAYMENT_CANCELLED',
      });
      expect(await app.get<RejectionCodeDto>(rejectionCodeQuery('91'))).toMatchObject({
        declineClass: 'soft',
        maxRetries: 2,
      });
      expect(await app.get<RejectionCodeDto>(rejectionCodeQuery('1'))).toMatchObject({
        declineClass: 'hard',
      });
      expect(
        (
          await fail('admin:save-rejection-code', {
            ...soft,
            code: '92',
            declineClass: 'hard',
            suspensionDays: 3,
          })
        ).code,
      ).toBe('validation');
      await ok('admin:save-mandate-code', {
        code: 'E',
        name: 'Instruction amended',
        action: 'amend',
        reasonType: 1,
        reasonCode: 6,
        eventType: 'MANDATE',
        eventCode: 'AMEND_DETAILS',
      });
      expect((await ok('admin:mandate-codes', {})).map((m) => m.code)).toContain('E');
    });

    it('stores dated exchange rates as parts per million without floats', async () => {
      const r = await ok('admin:save-rate', {
        fromCurrency: 'EUR',
        toCurrency: 'USD',
        validFrom: '2026-11-01',
        rate: '1.0825',
      });
      expect(r).toMatchObject({ ratePpm: 1_082_500, rate: '1.0825' });
      expect(
        (
          await fail('admin:save-rate', {
            fromCurrency: 'USD',
            toCurrency: 'USD',
            validFrom: '2026-11-01',
            rate: '1',
          })
        ).code,
      ).toBe('validation');
      expect(
        (
          await fail('admin:save-rate', {
            fromCurrency: 'EUR',
            toCurrency: 'XXX',
            validFrom: '2026-11-01',
            rate: '1',
          })
        ).code,
      ).toBe('validation');
      const converted = await app.ctx.storage.transaction(
        (tx) => convertOnIn(tx, 10_000, 'EUR', 'USD', '2026-11-20'),
        { readOnly: true },
      );
      expect(converted.amountMinor).toBe(10_825);
      expect((await fail('admin:save-currency', { code: 'USD', exponent: 3, name: 'Dollar' })).code).toBe(
        'conflict',
      );
    });
  });

  describe('operators and roles', () => {
    it('lets admins add operators and grant or revoke roles, never removing the last admin', async () => {
      const added = await ok('operators:add', { login: 'mia', name: 'Mia Wolf', roles: ['clerk'] });
      expect(added).toMatchObject({ login: 'mia', roles: ['clerk'], active: true });
      expect((await ok('operators:grant', { login: 'mia', roles: ['supervisor'] })).roles).toEqual([
        'clerk',
        'supervisor',
      ]);
      expect((await ok('operators:revoke', { login: 'mia', roles: ['clerk'] })).roles).toEqual([
        'supervisor',
      ]);
      expect(await fail('operators:revoke', { login: 'tester', roles: ['admin'] })).toMatchObject({
        rule: 'last-admin',
      });
      expect((await fail('operators:add', { login: 'mia', name: 'Again', roles: ['clerk'] })).code).toBe(
        'conflict',
      );
      const mia = await as('mia');
      expect((await fail('operators:add', { login: 'x', name: 'X', roles: ['admin'] }, mia)).code).toBe(
        'forbidden',
      );
      const h = await ok('admin:history', { action: 'operator.*' });
      // The first operator was created on first use (operator.create); the rest are the admin's changes.
      expect(h.rows.map((r) => r.action)).toEqual([
        'operator.revoke',
        'operator.grant',
        'operator.add',
        'operator.create',
      ]);
      expect(h.rows[0]).toMatchObject({
        before: { roles: ['clerk', 'supervisor'] },
        after: { roles: ['supervisor'] },
      });
    });

    it('refuses a clerk every configuration change as forbidden, audited, with nothing changed', async () => {
      const clerk = await as('clara');
      expect(clerk.ctx.operator.roles).toEqual(['clerk']);
      const before = (await ok('admin:column-sets', {})).find((s) => s.batchType === 'payment')!;
      const attempts: [CommandName, unknown][] = [
        ['admin:set-setting', { key: 'ALLOWACCOUNTDUP', value: true }],
        ['codes:add', { domainId: 14, id: 100_700, label: 'x' }],
        ['admin:save-columns', { ...before, columns: before.columns.slice().reverse() }],
        ['admin:import-config', { config: { format: 'paydesk-config', version: 1 } }],
      ];
      for (const [command, input] of attempts) {
        const err = await fail(command, input, clerk);
        expect(err).toMatchObject({ code: 'forbidden', role: 'admin' });
      }
      const refusals = await ok('admin:history', { action: 'forbidden', operatorLogin: 'clara' });
      expect(refusals.rows.map((r) => r.entityId).sort()).toEqual(
        ['admin:import-config', 'admin:save-columns', 'admin:set-setting', 'codes:add'].sort(),
      );
      // Reading stays open to the clerk; the change history does not.
      expect((await ok('codes:list', { domainId: 14 }, clerk)).length).toBeGreaterThan(0);
      expect((await fail('admin:history', {}, clerk)).code).toBe('forbidden');
      expect((await ok('admin:column-sets', {})).find((s) => s.batchType === 'payment')).toEqual(before);
    });
  });

  describe('column configuration', () => {
    const paymentColumns = [
      {
        field: 'amount',
        caption: 'Amount',
        purpose: 'entry',
        width: 110,
        visible: true,
        required: true,
        format: '',
      },
      {
        field: 'accountNo',
        caption: 'Customer',
        purpose: 'entry',
        width: 140,
        visible: true,
        required: false,
        format: 'uppercase',
      },
      {
        field: 'custom:region',
        caption: 'Region',
        purpose: 'entry',
        width: 120,
        visible: true,
        required: false,
        format: 'code',
      },
      {
        field: 'checkNo',
        caption: 'Check no',
        purpose: 'entry',
        width: 100,
        visible: false,
        required: false,
        format: '',
      },
    ];

    it('checks the Payment Tool rules and lists every problem', async () => {
      const err = await fail('admin:save-columns', {
        batchType: 'payment',
        payType: 0,
        columns: [
          { ...paymentColumns[1]!, purpose: 'display' },
          { ...paymentColumns[2]! },
          { ...paymentColumns[3]!, field: 'paymentRef' },
          { ...paymentColumns[3]! },
          { ...paymentColumns[3]!, format: 'yyyy-MM-dd' },
        ],
      });
      expect(err.code).toBe('validation');
      const paths = err.code === 'validation' ? (err.issues ?? []).map((i) => i.path) : [];
      expect(paths).toEqual([
        'columns.0.purpose',
        'columns.1.field',
        'columns.2.field',
        'columns.4.field',
        'columns.4.format',
        'columns',
        'columns',
      ]);
      // A reversal batch may show read-only fields, a card pay type has no payment batches, a disabled one no set.
      await ok('admin:save-columns', {
        batchType: 'reversal',
        payType: 10003,
        columns: [
          {
            field: 'paymentRef',
            caption: 'Payment ID',
            purpose: 'entry',
            width: 120,
            visible: true,
            required: true,
            format: '',
          },
          {
            field: 'checkNo',
            caption: 'Credit Card No.',
            purpose: 'display',
            width: 150,
            visible: true,
            required: false,
            format: '',
          },
        ],
      });
      expect(
        (await fail('admin:save-columns', { batchType: 'payment', payType: 10003, columns: paymentColumns }))
          .code,
      ).toBe('validation');
    });

    it('saves an admin column set with a custom field; the grid shows it and a clerk keeps an own layout', async () => {
      await ok('admin:save-custom-field', {
        key: 'region',
        label: 'Region',
        type: 'code',
        codes: [
          { code: 'N', label: 'North' },
          { code: 'S', label: 'South' },
        ],
        maxLength: 10,
      });
      const saved = await ok('admin:save-columns', {
        batchType: 'payment',
        payType: 10012,
        columns: paymentColumns,
      });
      expect(saved.columns.map((c) => c.field)).toEqual(['amount', 'accountNo', 'custom:region', 'checkNo']);
      const clerk = await as('carl');
      const grid = await ok('columns:grid', { batchType: 'payment', payType: 10012 }, clerk);
      expect(grid).toMatchObject({ sourcePayType: 10012, layout: null });
      expect(grid.customFields.map((f) => f.key)).toEqual(['region']);
      const cash = await ok('columns:grid', { batchType: 'payment', payType: 10011 }, clerk);
      expect(cash.sourcePayType).toBe(0);
      expect(cash.columns[0]?.field).toBe('accountNo');

      const layout = {
        order: ['custom:region', 'amount', 'accountNo'],
        widths: { amount: 90 },
        hidden: ['accountNo'],
      };
      expect(
        (await ok('columns:save-layout', { batchType: 'payment', payType: 10012, layout }, clerk)).layout,
      ).toEqual(layout);
      expect((await ok('columns:grid', { batchType: 'payment', payType: 10012 })).layout).toBeNull();
      expect(
        (await ok('columns:reset-layout', { batchType: 'payment', payType: 10012 }, clerk)).layout,
      ).toBeNull();

      // The custom value is typed, stored with the entry and travels in the batch export.
      const batch = await ok(
        'batches:create',
        { batchType: 'payment', payType: 10012, currency: 'USD' },
        clerk,
      );
      const [bad] = await ok(
        'batches:save-entries',
        { batchId: batch.id, entries: [{ accountNo: 'A1', amount: '5.00', custom: { region: 'W' } }] },
        clerk,
      );
      expect(bad).toMatchObject({ status: 'invalid', problemColumn: 'custom:region' });
      const [good] = await ok(
        'batches:save-entries',
        { batchId: batch.id, entries: [{ id: bad!.id, custom: { region: 'N' } }] },
        clerk,
      );
      expect(good).toMatchObject({ status: 'new', custom: { region: 'N' } });
      const exported = await ok('batches:export', { batchId: batch.id }, clerk);
      expect(exported.entries[0]?.custom).toEqual({ region: 'N' });

      expect(await fail('admin:delete-custom-field', { key: 'region' })).toMatchObject({
        rule: 'custom-field-in-use',
      });
      expect(
        await fail('admin:save-custom-field', {
          key: 'region',
          label: 'Region',
          type: 'number',
          codes: [],
          maxLength: 10,
        }),
      ).toMatchObject({ rule: 'custom-field-in-use' });
      expect(await ok('admin:delete-columns', { batchType: 'payment', payType: 10012 })).toEqual({
        deleted: true,
      });
      expect((await ok('columns:grid', { batchType: 'payment', payType: 10012 })).sourcePayType).toBe(0);
    });
  });

  describe('configuration file', () => {
    it('exports the whole configuration and imports it into another ledger', async () => {
      await ok('admin:set-setting', { key: 'SearchBillAmount', value: true });
      await ok('codes:add', { domainId: 14, id: 100_800, label: 'Moved desk' });
      await ok('admin:save-custom-field', {
        key: 'note',
        label: 'Note',
        type: 'text',
        codes: [],
        maxLength: 50,
      });
      const set = (await ok('admin:column-sets', {})).find(
        (s) => s.batchType === 'payment' && s.payType === 0,
      )!;
      await ok('admin:save-columns', {
        ...set,
        columns: [
          ...set.columns.map((c) => (c.field === 'amount' ? { ...c, caption: 'Paid' } : c)),
          {
            field: 'custom:note',
            caption: 'Note',
            purpose: 'entry',
            width: 160,
            visible: true,
            required: false,
            format: '',
          },
        ],
      });
      const cfg = await ok('admin:export-config', {});
      expect(cfg).toMatchObject({ format: 'paydesk-config', version: 1 });

      const other = await open({ login: 'desk2', clock: () => new Date('2026-11-22T09:00:00Z') });
      try {
        const file = join(other.dir, 'config.json');
        writeFileSync(file, JSON.stringify(cfg));
        const r = await other.dispatch('admin:import-config', { file });
        expect(r.ok).toBe(true);
        const again = (await other.dispatch('admin:export-config', {})) as { ok: true; value: ConfigFileDto };
        const strip = (c: ConfigFileDto) => ({ ...c, exportedAt: '' });
        expect(strip(again.value)).toEqual(strip(cfg));
        const h = (await other.dispatch('admin:history', { entity: 'config' })) as {
          ok: true;
          value: { rows: { action: string; operatorLogin: string }[] };
        };
        expect(h.value.rows[0]).toMatchObject({ action: 'config.import', operatorLogin: 'desk2' });
      } finally {
        await other.dispose();
      }
    });

    it('rejects a bad file whole, listing every problem, and applies nothing', async () => {
      const cfg = await ok('admin:export-config', {});
      const bad = {
        ...cfg,
        surprise: 1,
        settings: { ...cfg.settings, ALLOWACCOUNTDUP: true, NoSuchSetting: 1 },
        channels: [...cfg.channels, { id: 1, description: 'Dup', active: true }],
        reasonCodes: [
          ...cfg.reasonCodes,
          { domainId: 14, id: 3500, label: 'Reserved', help: '', glId: null, active: true },
        ],
        columnSets: [
          {
            batchType: 'payment',
            payType: 0,
            columns: [
              {
                field: 'amount',
                caption: 'Amount',
                purpose: 'entry',
                width: 110,
                visible: true,
                required: true,
                format: '',
              },
              {
                field: 'custom:ghost',
                caption: 'Ghost',
                purpose: 'entry',
                width: 110,
                visible: true,
                required: false,
                format: '',
              },
            ],
          },
        ],
      };
      const file = join(app.dir, 'bad.json');
      writeFileSync(file, JSON.stringify(bad));
      // Unknown fields fail the strict parse first, reported with their path.
      const shape = await fail('admin:import-config', { file });
      expect(shape.code === 'validation' && shape.issues?.map((i) => i.message).join(' ')).toMatch(
        /surprise/,
      );
      const { surprise, ...known } = bad;
      void surprise;
      writeFileSync(file, JSON.stringify(known));
      const err = await fail('admin:import-config', { file });
      const paths = err.code === 'validation' ? (err.issues ?? []).map((i) => i.path) : [];
      expect(paths).toEqual(
        expect.arrayContaining([
          'settings.NoSuchSetting',
          `reasonCodes.${cfg.reasonCodes.length}.id`,
          `channels.${cfg.channels.length}.id`,
          'columnSets.0.columns.1.field',
          'columnSets.0.columns',
        ]),
      );
      expect(err.message).toMatch(/nothing was imported/);
      expect((await ok('admin:settings', {})).find((s) => s.key === 'ALLOWACCOUNTDUP')?.value).toBe(false);
      const wrongTypes = await fail('admin:import-config', {
        config: {
          format: 'paydesk-config',
          version: 1,
          channels: [{ id: 'one', description: 3, active: 'yes' }],
        },
      });
      expect(wrongTypes.code === 'validation' && wrongTypes.issues?.map((i) => i.path)).toEqual([
        'channels.0.id',
        'channels.0.description',
        'channels.0.active',
      ]);
    });
  });

  describe('ledger check', () => {
    it('stays clean after configuration changes and sees a broken column set', async () => {
      await ok('admin:save-custom-field', {
        key: 'ref2',
        label: 'Ref 2',
        type: 'text',
        codes: [],
        maxLength: 20,
      });
      const set = (await ok('admin:column-sets', {})).find(
        (s) => s.batchType === 'payment' && s.payType === 0,
      )!;
      await ok('admin:save-columns', {
        ...set,
        columns: [
          ...set.columns,
          {
            field: 'custom:ref2',
            caption: 'Ref 2',
            purpose: 'entry',
            width: 100,
            visible: true,
            required: false,
            format: '',
          },
        ],
      });
      expect((await ok('ledger:check', {})).violations).toEqual([]);
      await write(sql`DELETE FROM custom_fields WHERE key = 'ref2'`);
      const check = await ok('ledger:check', {});
      expect(check.violations.map((v) => v.rule)).toEqual(['column-custom-field-defined']);
    });
  });

  describe('pay types switched off', () => {
    it('refuse new batches of that pay type', async () => {
      await ok('admin:save-pay-type', { payType: 10011, name: 'Cash', enabled: false });
      const err = await fail('batches:create', { batchType: 'payment', payType: 10011, currency: 'USD' });
      expect(err.message).toMatch(/switched off/);
      await ok('admin:save-pay-type', { payType: 10011, name: 'Cash', enabled: true });
      await ok('batches:create', { batchType: 'payment', payType: 10011, currency: 'USD' });
    });
  });

  describe('required columns', () => {
    it('make validation mark entries without a value in them invalid with the column', async () => {
      await ok('admin:save-custom-field', {
        key: 'slip',
        label: 'Deposit slip',
        type: 'text',
        codes: [],
        maxLength: 20,
      });
      const set = (await ok('admin:column-sets', {})).find(
        (s) => s.batchType === 'payment' && s.payType === 0,
      )!;
      await ok('admin:save-columns', {
        batchType: 'payment',
        payType: 10012,
        columns: [
          ...set.columns.map((c) => (c.field === 'checkNo' ? { ...c, required: true } : c)),
          {
            field: 'custom:slip',
            caption: 'Slip',
            purpose: 'entry',
            width: 100,
            visible: true,
            required: true,
            format: '',
          },
        ],
      });
      // With payment suspense on, unknown accounts pass the batch rules (to be suspended), so only columns decide.
      await ok('admin:set-setting', { key: 'PaymentSuspense', value: true });
      const batch = await ok('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' });
      const saved = await ok('batches:save-entries', {
        batchId: batch.id,
        entries: [
          { accountNo: 'NOPE1', amount: '1.00' },
          { accountNo: 'NOPE2', amount: '2.00', checkNo: '77' },
          { accountNo: 'NOPE3', amount: '3.00', checkNo: '78', custom: { slip: 'S-1' } },
        ],
      });
      await ok('batches:validate', { batchId: batch.id });
      const page = await ok('batches:entries', { batchId: batch.id });
      const byId = new Map(page.rows.map((r) => [r.id, r]));
      expect(byId.get(saved[0]!.id)).toMatchObject({
        status: 'invalid',
        problemColumn: 'checkNo',
        problem: 'Check no is required',
      });
      expect(byId.get(saved[1]!.id)).toMatchObject({
        status: 'invalid',
        problemColumn: 'custom:slip',
        problem: 'Slip is required',
      });
      expect(byId.get(saved[2]!.id)).toMatchObject({ status: 'to_be_suspended', reasonCode: 2001 });

      // A value staged without the keyed-entry check (as a bank-file import stages custom:<key>) is checked on validate.
      await ok('admin:save-custom-field', {
        key: 'pieces',
        label: 'Pieces',
        type: 'number',
        codes: [],
        maxLength: 20,
      });
      await write(
        sql`UPDATE batch_entries SET custom_json = '{"slip":"S-1","pieces":"two"}' WHERE id = ${saved[2]!.id}`,
      );
      await ok('batches:validate', { batchId: batch.id });
      const again = (await ok('batches:entries', { batchId: batch.id })).rows.find(
        (r) => r.id === saved[2]!.id,
      );
      expect(again).toMatchObject({ status: 'invalid', problemColumn: 'custom:pieces' });
      expect(again?.problem).toMatch(/not a number/);
    });
  });
});
