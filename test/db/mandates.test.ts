import { sql, type SQL } from 'drizzle-orm';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type {
  AuddisExtractDto,
  CreditorDto,
  MandateDetailDto,
  MandateDto,
  MandateExpireDto,
  MandateImportDto,
  MandatePageDto,
} from '../../src-shared/dto/mandates';
import { APPS, type TestApp } from '../helpers/apps';

let app: TestApp;

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message} ${JSON.stringify(r.error)}`);
  return r.value as T;
}
async function failure(
  p: Promise<Result<unknown>>,
): Promise<{ code: string; message: string } & Record<string, unknown>> {
  const r = await p;
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value).slice(0, 300)}`);
  return r.error;
}
const call = <T>(command: string, input: unknown): Promise<T> => value<T>(app.dispatch(command, input));
const csv = (text: string): { content: string; fileName: string } => ({
  content: Buffer.from(text).toString('base64'),
  fileName: 'mandates.csv',
});
/** An account of the demo in a currency, without a mandate yet. */
async function accountIn(currency: string, skip = 0): Promise<string> {
  const row = await app.get<{ no: string }>(
    sql`SELECT account_no AS "no" FROM accounts a WHERE currency = ${currency} AND status <> 'closed' AND is_suspense = 0
         AND NOT EXISTS (SELECT 1 FROM mandates m WHERE m.account_id = a.id) ORDER BY id LIMIT 1 OFFSET ${skip}`,
  );
  if (!row) throw new Error(`no ${currency} account`);
  return row.no;
}
const count = async (query: SQL): Promise<number> => (await app.get<{ n: number }>(query))!.n;

describe.each(APPS.filter((r) => r.available))('mandates ($dialect)', ({ open }) => {
  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await value(app.dispatch('demo:load', { accounts: 300, seed: 5 }));
  }, 60_000);
  afterAll(async () => {
    await app?.dispose();
  });

  describe('creditors', () => {
    it('lists the demo creditors and checks identifiers, IBANs and routing numbers', async () => {
      const list = await call<CreditorDto[]>('creditors:list', {});
      expect(list.map((c) => c.code)).toEqual(['EU-MAIN', 'UK-MAIN', 'US-MAIN']);
      const bad = await failure(
        app.dispatch('creditors:add', {
          code: 'EU-BAD',
          scheme: 'sepa',
          name: 'Bad',
          identifier: 'DE97ZZZ09999999999',
          iban: 'DE89370400440532013001',
        }),
      );
      expect(bad.code).toBe('validation');
      const paths = (bad.issues as { path: string }[]).map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['identifier', 'iban']));
      const ach = await failure(
        app.dispatch('creditors:add', {
          code: 'US-BAD',
          scheme: 'ach',
          name: 'X',
          identifier: '123',
          routingNo: '011000016',
        }),
      );
      expect((ach.issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
        'identifier',
        'routingNo',
      ]);
      const ok = await call<CreditorDto>('creditors:add', {
        code: 'EU-2',
        scheme: 'sepa',
        name: 'Second GmbH',
        identifier: 'DE98ZZZ09999999999',
        iban: 'DE89370400440532013000',
        painVersion: 'pain.008.001.02',
      });
      expect(ok).toMatchObject({ currency: 'EUR', painVersion: 'pain.008.001.02', isDefault: false });
      const wrongCurrency = await failure(
        app.dispatch('creditors:update', { code: 'EU-2', currency: 'USD' }),
      );
      expect(wrongCurrency.code).toBe('validation');
    });

    it('a changed SEPA creditor identifier becomes a pending amendment on its live mandates', async () => {
      const acc = await accountIn('EUR');
      const m = await call<MandateDetailDto>('mandates:add', {
        accountNo: acc,
        scheme: 'sepa_core',
        creditor: 'EU-2',
        iban: 'DE89 3704 0044 0532 0130 00',
        signedOn: '2026-10-01',
      });
      await call<CreditorDto>('creditors:update', {
        code: 'EU-2',
        identifier: 'DE13ZZZ00000012345',
        name: 'Renamed',
      });
      const after = await call<MandateDetailDto>('mandates:show', { mandateId: m.id });
      expect(after.pendingAmendment).toEqual({
        originalCreditorId: 'DE98ZZZ09999999999',
        originalCreditorName: 'Second GmbH',
      });
      expect(after.version).toBe(m.version + 1);
      expect(after.events.map((e) => e.kind)).toEqual(['created', 'amended']);
    });
  });

  describe('mandates', () => {
    it('adds a SEPA mandate with a generated UMR, refuses a non-SEPA IBAN and a USD account', async () => {
      const acc = await accountIn('EUR', 1);
      const m = await call<MandateDetailDto>('mandates:add', {
        accountNo: acc,
        scheme: 'sepa_core',
        iban: 'FR1420041010050500013M02606',
        bic: 'PSSTFRPPXXX',
        signedOn: '2026-11-01',
      });
      expect(m.reference).toBe(`MD${acc}-1`);
      expect(m).toMatchObject({
        status: 'active',
        creditorCode: 'EU-MAIN',
        version: 1,
        iban: 'FR1420041010050500013M02606',
      });
      expect(m.events.map((e) => e.kind)).toEqual(['created']);
      // Same account again: the next free reference.
      const again = await call<MandateDetailDto>('mandates:add', {
        accountNo: acc,
        scheme: 'sepa_core',
        iban: 'FR1420041010050500013M02606',
        signedOn: '2026-11-01',
      });
      expect(again.reference).toBe(`MD${acc}-2`);
      const pk = await failure(
        app.dispatch('mandates:add', {
          accountNo: acc,
          scheme: 'sepa_core',
          iban: 'PK36SCBL0000001123456702',
          signedOn: '2026-11-01',
        }),
      );
      expect(pk.issues).toEqual([{ path: 'iban', message: 'IBAN country PK is not in the SEPA scheme' }]);
      const usd = await failure(
        app.dispatch('mandates:add', {
          accountNo: await accountIn('USD'),
          scheme: 'sepa_core',
          iban: 'DE89370400440532013000',
          signedOn: '2026-11-01',
        }),
      );
      expect(usd.code).toBe('validation');
      expect(usd.message).toMatch(/collects EUR/);
      const taken = await failure(
        app.dispatch('mandates:add', {
          accountNo: acc,
          scheme: 'sepa_core',
          reference: m.reference,
          iban: 'DE89370400440532013000',
          signedOn: '2026-11-01',
        }),
      );
      expect(taken.issues).toEqual([{ path: 'reference', message: 'already used for creditor EU-MAIN' }]);
    });

    it('checks ACH routing check digits and BACS sort codes; BACS starts pending', async () => {
      const bad = await failure(
        app.dispatch('mandates:add', {
          accountNo: await accountIn('USD'),
          scheme: 'ach',
          routingNo: '021000022',
          bankAccountNo: '12345',
          signedOn: '2026-11-01',
        }),
      );
      expect(bad.issues).toEqual([{ path: 'routingNo', message: 'routing number check digit is wrong' }]);
      const ach = await call<MandateDetailDto>('mandates:add', {
        accountNo: await accountIn('USD'),
        scheme: 'ach',
        routingNo: '021000021',
        bankAccountNo: '12345',
        signedOn: '2026-11-01',
      });
      expect(ach).toMatchObject({
        status: 'active',
        accountType: 'checking',
        secCode: 'PPD',
        creditorCode: 'US-MAIN',
      });
      const bacsBad = await failure(
        app.dispatch('mandates:add', {
          accountNo: await accountIn('GBP'),
          scheme: 'bacs',
          sortCode: '12-34-5',
          bankAccountNo: '1234567',
          iban: 'DE89370400440532013000',
          signedOn: '2026-11-01',
        }),
      );
      expect((bacsBad.issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
        'bankAccountNo',
        'iban',
        'sortCode',
      ]);
      const bacs = await call<MandateDetailDto>('mandates:add', {
        accountNo: await accountIn('GBP'),
        scheme: 'bacs',
        sortCode: '12-34-56',
        bankAccountNo: '12345678',
        signedOn: '2026-11-01',
      });
      expect(bacs).toMatchObject({ status: 'pending', sortCode: '123456' });
    });

    it('amends a SEPA mandate recording the original identifiers, refuses a stale version', async () => {
      const acc = await accountIn('EUR', 2);
      const m = await call<MandateDetailDto>('mandates:add', {
        accountNo: acc,
        scheme: 'sepa_core',
        iban: 'DE89370400440532013000',
        bic: 'COBADEFFXXX',
        signedOn: '2026-11-01',
      });
      // Same bank (bank code 37040044), another account: the original IBAN.
      const a1 = await call<MandateDetailDto>('mandates:amend', {
        mandateId: m.id,
        version: 1,
        iban: 'DE19370400440000019991',
        newReference: 'UMR-NEW-1',
      });
      expect(a1.pendingAmendment).toEqual({
        originalReference: m.reference,
        originalIban: 'DE89370400440532013000',
      });
      expect(a1.version).toBe(2);
      const stale = await failure(
        app.dispatch('mandates:amend', { mandateId: m.id, version: 1, debtorName: 'X' }),
      );
      expect(stale.code).toBe('conflict');
      // Another bank: SMNDA, the original IBAN is no longer presented; the original reference stays the first one.
      const a2 = await call<MandateDetailDto>('mandates:amend', {
        reference: 'UMR-NEW-1',
        version: 2,
        iban: 'FR1420041010050500013M02606',
        bic: 'PSSTFRPPXXX',
        newReference: 'UMR-NEW-2',
      });
      expect(a2.pendingAmendment).toEqual({ originalReference: m.reference, smnda: true });
      expect(a2.events.map((e) => e.kind)).toEqual(['created', 'amended', 'amended']);
      expect(a2.events[1]?.before).toMatchObject({ iban: 'DE89370400440532013000', reference: m.reference });
      expect(
        await count(
          sql`SELECT count(*) AS n FROM audit_log WHERE action = 'mandate.amend' AND entity_id = ${String(m.id)}`,
        ),
      ).toBe(2);
      const nothing = await failure(
        app.dispatch('mandates:amend', { mandateId: m.id, debtorName: a2.debtorName }),
      );
      expect(nothing.message).toBe('nothing to amend');
    });

    it('a new IBAN at another bank without a BIC drops the old BIC (it would route the debit to the old bank)', async () => {
      const acc = await accountIn('EUR', 3);
      const m = await call<MandateDetailDto>('mandates:add', {
        accountNo: acc,
        scheme: 'sepa_core',
        iban: 'DE89370400440532013000',
        bic: 'COBADEFFXXX',
        signedOn: '2026-11-01',
      });
      const moved = await call<MandateDetailDto>('mandates:amend', {
        mandateId: m.id,
        version: 1,
        iban: 'DE75512108001245126199',
      });
      expect(moved.bic).toBeNull();
      expect(moved.pendingAmendment).toEqual({ smnda: true });
      // The same bank keeps its BIC.
      const same = await call<MandateDetailDto>('mandates:amend', {
        mandateId: m.id,
        version: 2,
        iban: 'DE19370400440000019991',
        bic: 'COBADEFFXXX',
      });
      const again = await call<MandateDetailDto>('mandates:amend', {
        mandateId: m.id,
        version: 3,
        iban: 'DE89370400440532013000',
      });
      expect(same.bic).toBe('COBADEFFXXX');
      expect(again.bic).toBe('COBADEFFXXX');
    });

    it('cancels for future collections and never reactivates', async () => {
      const m = await call<MandateDetailDto>('mandates:add', {
        accountNo: await accountIn('EUR', 3),
        scheme: 'sepa_core',
        iban: 'DE89370400440532013000',
        signedOn: '2026-11-01',
      });
      const c = await call<MandateDetailDto>('mandates:cancel', {
        mandateId: m.id,
        reason: 'customer letter',
        version: 1,
      });
      expect(c).toMatchObject({
        status: 'cancelled',
        cancelledOn: '2026-11-22',
        cancelReason: 'customer letter',
        version: 2,
      });
      const amend = await failure(
        app.dispatch('mandates:amend', { mandateId: m.id, debtorName: 'New Name' }),
      );
      expect(amend).toMatchObject({ code: 'conflict' });
      expect(amend.message).toMatch(/cancelled: it cannot be amended/);
      const again = await failure(app.dispatch('mandates:cancel', { mandateId: m.id, reason: 'again' }));
      expect(again.code).toBe('conflict');
    });

    it('lists with filters and pages', async () => {
      const all = await call<MandatePageDto>('mandates:list', { limit: 5 });
      expect(all.rows).toHaveLength(5);
      const sepa = await call<MandatePageDto>('mandates:list', {
        scheme: 'sepa_core',
        status: 'active',
        limit: 5000,
      });
      expect(sepa.total).toBe(
        await count(sql`SELECT count(*) AS n FROM mandates WHERE scheme = 'sepa_core' AND status = 'active'`),
      );
      expect(sepa.rows.every((r) => r.scheme === 'sepa_core' && r.status === 'active')).toBe(true);
      const pref = await call<MandatePageDto>('mandates:list', { referencePrefix: 'UMR-NEW', limit: 10 });
      expect(pref.rows.map((r) => r.reference)).toEqual(['UMR-NEW-2']);
      const page2 = await call<MandatePageDto>('mandates:list', { limit: 5, offset: 5 });
      expect(page2.rows[0]?.id).toBeLessThan(all.rows[4]!.id);
    });

    it('expires dormant mandates (36 months) as of a date', async () => {
      const old = await call<MandateDetailDto>('mandates:add', {
        accountNo: await accountIn('EUR', 4),
        scheme: 'sepa_core',
        iban: 'DE89370400440532013000',
        signedOn: '2023-11-21',
      });
      const young = await call<MandateDetailDto>('mandates:add', {
        accountNo: await accountIn('EUR', 5),
        scheme: 'sepa_core',
        iban: 'DE89370400440532013000',
        signedOn: '2023-11-23',
      });
      const r = await call<MandateExpireDto>('mandates:expire', { asOf: '2026-11-22' });
      expect(r.references).toContain(old.reference);
      expect(r.references).not.toContain(young.reference);
      expect(
        await count(
          sql`SELECT count(*) AS n FROM mandates WHERE status = 'active' AND type = 'recurrent' AND coalesce(last_collected_on, signed_on) <= '2023-11-22'`,
        ),
      ).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM mandate_events WHERE kind = 'expired'`)).toBe(
        r.expired,
      );
      const shown = await call<MandateDetailDto>('mandates:show', { mandateId: old.id });
      expect(shown).toMatchObject({ status: 'expired', version: 2 });
      const again = await call<MandateExpireDto>('mandates:expire', { asOf: '2026-11-22' });
      expect(again.expired).toBe(0);
      const revive = await failure(
        app.dispatch('mandates:amend', { mandateId: old.id, debtorName: 'Back Again' }),
      );
      expect(revive.code).toBe('conflict');
    });
  });

  describe('mandate revision file', () => {
    const activeRefs = (scheme: string, n: number): Promise<MandateDto[]> =>
      app.all<MandateDto>(
        sql`SELECT id, reference FROM mandates WHERE scheme = ${scheme} AND status = 'active' ORDER BY id LIMIT ${n}`,
      );

    it('reports unknown codes and unknown mandates and applies nothing', async () => {
      const [a, b] = await activeRefs('bacs', 2);
      const text = `\uFEFFreference,revision_code,new_sort_code,new_account_no\r\n${a!.reference},C,654321,87654321\r\n${b!.reference},Z,,\r\nNOPE-123,0,,\r\n`;
      const before = await count(sql`SELECT count(*) AS n FROM mandate_events`);
      const r = await call<MandateImportDto>('mandates:import', { ...csv(text) });
      expect(r.applied).toBe(0);
      expect(r.problems).toEqual([
        {
          line: 3,
          column: 'revision_code',
          reason: 'unknown mandate revision code Z (configure it in Admin)',
        },
        { line: 4, column: 'reference', reason: 'no mandate NOPE-123' },
      ]);
      expect(await count(sql`SELECT count(*) AS n FROM mandate_events`)).toBe(before);
      expect(await count(sql`SELECT count(*) AS n FROM mandate_files`)).toBe(0);
    });

    it('refuses bad new data with its column', async () => {
      const [a] = await activeRefs('bacs', 1);
      const r = await call<MandateImportDto>('mandates:import', {
        ...csv(`reference,revision_code,new_sort_code\n${a!.reference},C,12345\n`),
      });
      expect(r.problems).toEqual([{ line: 2, column: 'new_sort_code', reason: 'a sort code has 6 digits' }]);
    });

    it('previews, then applies an amend and a cancel with workflow events; the same file twice is refused', async () => {
      const [a, b] = await activeRefs('bacs', 2);
      const text = `reference,revision_code,effective_date,new_sort_code,new_account_no,creditor\n${a!.reference},C,2026-11-20,654321,87654321,UK-MAIN\n${b!.reference},B,2026-11-20,,,\n`;
      const events = await count(sql`SELECT count(*) AS n FROM mandate_events`);
      const preview = await call<MandateImportDto>('mandates:import', { ...csv(text), preview: true });
      expect(preview).toMatchObject({ preview: true, applied: 0, problems: [] });
      expect(preview.rows.map((r) => [r.line, r.action, r.after.status])).toEqual([
        [2, 'amend', 'active'],
        [3, 'cancel', 'cancelled'],
      ]);
      expect(preview.rows[0]?.after).toMatchObject({ sortCode: '654321', bankAccountNo: '87654321' });
      expect(await count(sql`SELECT count(*) AS n FROM mandate_events`)).toBe(events);
      const wf = await count(sql`SELECT count(*) AS n FROM workflow_items WHERE kind = 'mandate-revision'`);
      const applied = await call<MandateImportDto>('mandates:import', { ...csv(text) });
      expect(applied).toMatchObject({ applied: 2, problems: [] });
      const ma = await call<MandateDetailDto>('mandates:show', { mandateId: a!.id });
      expect(ma).toMatchObject({ sortCode: '654321', bankAccountNo: '87654321', status: 'active' });
      expect(ma.events.at(-1)).toMatchObject({ kind: 'revision', code: 'C' });
      expect(ma.events.at(-1)?.after?.reason).toBe(
        'Account transferred to a new account (revision code C, effective 2026-11-20)',
      );
      const mb = await call<MandateDetailDto>('mandates:show', { mandateId: b!.id });
      expect(mb.status).toBe('cancelled');
      const items = await app.all<{ message: string }>(
        sql`SELECT message FROM workflow_items WHERE kind = 'mandate-revision' ORDER BY id`,
      );
      expect(items.length).toBe(wf + 2);
      expect(items.at(-1)?.message).toMatch(
        /^MANDATE\/CANCELLED: mandate .* cancelled .*revision code B \(Account closed\); reason 1\/4$/,
      );
      const twice = await failure(app.dispatch('mandates:import', { ...csv(text) }));
      expect(twice).toMatchObject({ code: 'conflict', rule: 'mandate-file-duplicate' });
      // A copy with other line endings (or a BOM-less re-save) is the same file, not a new one.
      const crlf = text.includes('\r\n') ? text.replaceAll('\r\n', '\n') : text.replaceAll('\n', '\r\n');
      const copy = await failure(app.dispatch('mandates:import', { ...csv(crlf) }));
      expect(copy).toMatchObject({ code: 'conflict', rule: 'mandate-file-duplicate' });
      // The cancelled mandate in a new file is a problem, nothing applied.
      const later = await call<MandateImportDto>('mandates:import', {
        ...csv(`reference,revision_code\n${b!.reference},0\n`),
      });
      expect(later.problems).toEqual([
        { line: 2, column: 'reference', reason: `mandate ${b!.reference} is cancelled` },
      ]);
    });

    it('rejects a file without the required columns', async () => {
      const r = await call<MandateImportDto>('mandates:import', { ...csv('ref,code\nX,0\n') });
      expect(r.problems.map((p) => p.column)).toEqual(['ref', 'code', 'reference', 'revision_code']);
    });
  });

  describe('AUDDIS extract', () => {
    it('lists new, amended (0C + 0N) and cancelled instructions once, and activates new ones', async () => {
      const first = await call<AuddisExtractDto>('mandates:auddis', {});
      expect(first.extractId).not.toBeNull();
      expect(first.count).toBeGreaterThan(0);
      expect(
        await count(sql`SELECT count(*) AS n FROM mandates WHERE scheme = 'bacs' AND status = 'pending'`),
      ).toBe(0);
      expect(first.activated).toBe(first.lines.filter((l) => l.transactionCode === '0N').length);
      const none = await call<AuddisExtractDto>('mandates:auddis', {});
      expect(none).toMatchObject({ extractId: null, count: 0 });

      const acc = await accountIn('GBP', 1);
      const m = await call<MandateDetailDto>('mandates:add', {
        accountNo: acc,
        scheme: 'bacs',
        sortCode: '200000',
        bankAccountNo: '55779911',
        debtorName: 'Short Name',
        signedOn: '2026-11-01',
      });
      const lodged = await app.all<{ id: number; reference: string; s: string; a: string; version: number }>(
        sql`SELECT id, reference, sort_code AS s, account_no AS a, version FROM mandates
           WHERE scheme = 'bacs' AND status = 'active' ORDER BY id LIMIT 2`,
      );
      await call('mandates:amend', {
        mandateId: lodged[0]!.id,
        sortCode: '309634',
        bankAccountNo: '11112222',
      });
      await call('mandates:cancel', { mandateId: lodged[1]!.id, reason: 'closed' });
      // Created and cancelled before any extract: the bank never hears of it.
      const ghost = await call<MandateDetailDto>('mandates:add', {
        accountNo: await accountIn('GBP', 2),
        scheme: 'bacs',
        sortCode: '200001',
        bankAccountNo: '55779912',
        signedOn: '2026-11-01',
      });
      await call('mandates:cancel', { mandateId: ghost.id, reason: 'typo' });

      const out = join(app.dir, 'auddis.csv');
      const r = await call<AuddisExtractDto>('mandates:auddis', { out });
      expect(r.lines.map((l) => [l.transactionCode, l.mandateId])).toEqual([
        ['0C', lodged[0]!.id],
        ['0N', lodged[0]!.id],
        ['0C', lodged[1]!.id],
        ['0N', m.id],
      ]);
      expect(r.lines[0]).toMatchObject({ sortCode: lodged[0]!.s, accountNo: lodged[0]!.a });
      expect(r.lines[1]).toMatchObject({ sortCode: '309634', accountNo: '11112222' });
      expect(r.lines[3]).toMatchObject({ accountName: 'SHORT NAME', serviceUserNumber: '123456' });
      expect(existsSync(out)).toBe(true);
      expect(readFileSync(out, 'utf8')).toBe(r.content);
      expect(r.content.split('\r\n')[0]).toBe(
        'transaction_code,sort_code,account_no,account_name,reference,service_user_number',
      );
      expect((await call<MandateDetailDto>('mandates:show', { mandateId: m.id })).status).toBe('active');
      expect(
        await count(sql`SELECT count(*) AS n FROM mandate_events WHERE auddis_extract_id = ${r.extractId}`),
      ).toBeGreaterThanOrEqual(6);
      expect((await call<AuddisExtractDto>('mandates:auddis', {})).extractId).toBeNull();
    });
  });
});
