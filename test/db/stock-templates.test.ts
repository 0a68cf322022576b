import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchImportDto, ImportTemplateDto, TemplateProposalDto } from '../../src-shared/dto/batches';
import { APPS, type TestApp } from '../helpers/apps';
import { value } from '../helpers/suspense';

const STANDARDS = resolve(process.cwd(), '../shared/standards');
const STOCK = ['Stock BAI2', 'Stock CSV', 'Stock lockbox (fixed width)'];
let app: TestApp;

const list = () => value<ImportTemplateDto[]>(app.dispatch('templates:list', {}));
const count = async (query: SQL): Promise<number> => (await app.get<{ n: number }>(query))!.n;
const content = (path: string) => ({
  content: readFileSync(resolve(STANDARDS, path)).toString('base64'),
  fileName: path.split('/').pop(),
});

describe.each(APPS.filter((r) => r.available))('import templates ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await value(app.dispatch('demo:load', { accounts: 30, seed: 5 }));
  });
  afterEach(() => app.dispose());

  describe('stock templates', () => {
    it('a fresh ledger has the three stock templates, marked stock, each seeded once and audited', async () => {
      const templates = await list();
      expect(templates.filter((t) => t.stock).map((t) => t.name)).toEqual(STOCK);
      expect(await count(sql`SELECT count(*) AS n FROM audit_log WHERE action = 'template.seed'`)).toBe(3);

      // Opening the same ledger again adds nothing.
      await app.again({ clock: () => new Date() });
      expect(await count(sql`SELECT count(*) AS n FROM import_templates`)).toBe(3);
      expect(await count(sql`SELECT count(*) AS n FROM audit_log WHERE action = 'template.seed'`)).toBe(3);
    });

    it('a stock template cannot be overwritten; a copy under another name can be saved and changed', async () => {
      const bai2 = (await list()).find((t) => t.name === 'Stock CSV')!;
      const r = await app.dispatch('templates:save', {
        name: 'Stock CSV',
        definition: { ...(bai2.definition as object), delimiter: ';' },
      });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('conflict');
        expect(r.error.message).toMatch(/stock template/);
      }
      expect((await list()).find((t) => t.name === 'Stock CSV')!.definition).toEqual(bai2.definition);

      const copy = await value<ImportTemplateDto>(
        app.dispatch('templates:save', {
          name: 'My CSV',
          definition: { ...(bai2.definition as object), name: 'My CSV', delimiter: ';' },
        }),
      );
      expect(copy).toMatchObject({ name: 'My CSV', stock: false });
    });

    it('never overwrites a template an admin saved under a stock name before the upgrade', async () => {
      await app.ctx.storage.transaction(async (tx) => {
        await tx.run(sql`DELETE FROM import_templates WHERE name = 'Stock CSV'`);
        await tx.run(
          sql`INSERT INTO import_templates (name, bank, definition, stock, created_at, updated_at)
       VALUES ('Stock CSV', 'Own', '{"name":"Stock CSV","format":"delimited","delimiter":";","dateFormat":"yyyy-MM-dd","columns":[{"field":"accountNo","index":0},{"field":"amount","index":1}]}', 0, 'x', 'x')`,
        );
      });
      await app.again({ clock: () => new Date() });
      const own = (await list()).find((t) => t.name === 'Stock CSV')!;
      expect(own).toMatchObject({ bank: 'Own', stock: false });
      expect((own.definition as { delimiter: string }).delimiter).toBe(';');
    });

    it('imports the public lockbox sample with Stock lockbox (fixed width)', async () => {
      const r = await value<BatchImportDto>(
        app.dispatch('batches:import-file', {
          ...content('lockbox/valid/test_lockbox.bai'),
          templateName: 'Stock lockbox (fixed width)',
          payType: 10012,
          currency: 'USD',
        }),
      );
      expect(r.rows).toBe(1);
      expect(r.batch).toMatchObject({
        lockboxNo: '0022222',
        batchDate: '2016-05-23',
        controlCount: 1,
        controlTotalMinor: 700000,
        templateName: 'Stock lockbox (fixed width)',
      });
    });

    it('imports a public BAI2 sample with Stock BAI2 (17 details, CAD from the file)', async () => {
      const r = await value<BatchImportDto>(
        app.dispatch('batches:import-file', {
          ...content('bai2/valid/sample1.txt'),
          templateName: 'Stock BAI2',
          payType: 10012,
        }),
      );
      expect(r.rows).toBe(17);
      expect(r.batch.currency).toBe('CAD');
    });

    it('imports a generic CSV with Stock CSV', async () => {
      const csv = [
        'Account,Amount,Date,Check,Payer,Reference',
        'A0000002,19.95,2026-11-19,1251,"Wolf, Mia",INV-1',
        'A0000003,40.00,2026-11-19,1252,Koch,',
      ].join('\n');
      const r = await value<BatchImportDto>(
        app.dispatch('batches:import-file', {
          content: Buffer.from(csv).toString('base64'),
          fileName: 'payments.csv',
          templateName: 'Stock CSV',
          payType: 10012,
          currency: 'USD',
        }),
      );
      expect(r.rows).toBe(2);
      expect(
        await count(sql`SELECT sum(amount_minor) AS n FROM batch_entries WHERE batch_id = ${r.batch.id}`),
      ).toBe(5995);
    });
  });

  describe('format detection', () => {
    const detect = (input: object) => value<TemplateProposalDto[]>(app.dispatch('templates:detect', input));

    it.each([
      'bai2/valid/sample1.txt',
      'bai2/valid/sample2.txt',
      'bai2/valid/sample3.txt',
      'bai2/valid/sample4-continuations-newline-delimited.txt',
      'bai2/valid/sample5-issue113.txt',
    ])('%s is proposed as BAI2 and never as CSV or fixed width', async (path) => {
      const proposals = await detect(content(path));
      expect(proposals[0]?.name).toBe('Stock BAI2');
      for (const p of proposals.filter((p) => p.name !== 'Stock BAI2')) expect(p.confidence).toBe(0);
    });

    it('a BAI2 file is not read as CSV even by a comma template that would parse it', async () => {
      // A template shaped to read 16 records as comma-separated rows (type, amount) still gets no confidence.
      await value(
        app.dispatch('templates:save', {
          name: 'commas',
          definition: {
            name: 'commas',
            format: 'delimited',
            delimiter: ',',
            dateFormat: 'yyMMdd',
            recordFilter: { index: 0, equals: ['16'] },
            columns: [
              { field: 'accountNo', index: 1 },
              { field: 'amount', index: 2 },
            ],
          },
        }),
      );
      const proposals = await detect(content('bai2/valid/sample1.txt'));
      expect(proposals.find((p) => p.name === 'commas')).toMatchObject({ confidence: 0 });
      expect(proposals[0]).toMatchObject({ name: 'Stock BAI2' });
      expect(proposals[0]!.confidence).toBeGreaterThanOrEqual(0.9);
    });

    it('proposes the lockbox layout for the lockbox sample and Stock CSV for a CSV with usual names', async () => {
      const lockbox = await detect(content('lockbox/valid/test_lockbox.bai'));
      expect(lockbox[0]).toMatchObject({ name: 'Stock lockbox (fixed width)', stock: true });
      expect(lockbox[0]!.confidence).toBeGreaterThanOrEqual(0.9);
      expect(lockbox[0]!.why).toMatch(/rows read cleanly/);

      const csv = await detect({
        lines: ['account,amount,date,check,payer,reference', 'A1,10.00,2026-11-19,7,Ann,R1'],
      });
      expect(csv[0]).toMatchObject({ name: 'Stock CSV' });
      expect(csv[0]!.confidence).toBeGreaterThanOrEqual(0.9);
      expect(csv.find((p) => p.name === 'Stock BAI2')!.confidence).toBe(0);
    });

    it('imports without a template when detection is sure, and asks to choose when it is not', async () => {
      const r = await value<BatchImportDto>(
        app.dispatch('batches:import-file', {
          ...content('lockbox/valid/test_lockbox.bai'),
          payType: 10012,
          currency: 'USD',
        }),
      );
      expect(r.batch.templateName).toBe('Stock lockbox (fixed width)');

      const batches = await count(sql`SELECT count(*) AS n FROM batches`);
      const unknown = await app.dispatch('batches:import-file', {
        content: Buffer.from('hello;world\nfoo;bar\n').toString('base64'),
        fileName: 'odd.txt',
        payType: 10012,
      });
      expect(unknown.ok).toBe(false);
      if (!unknown.ok) {
        expect(unknown.error.code).toBe('validation');
        expect(unknown.error.message).toMatch(/choose a template/);
      }
      expect(await count(sql`SELECT count(*) AS n FROM batches`)).toBe(batches);
    });
  });
});
