import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { BankFilePreviewDto, BatchEntriesPageDto, BatchImportDto } from '../../src-shared/dto/batches';
import { APPS, type TestApp } from '../helpers/apps';
import { csvTemplate } from '../helpers/lockbox-template';

const STANDARDS = resolve(process.cwd(), '../shared/standards');
let app: TestApp;

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

async function batchCount(): Promise<number> {
  return (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM batches`))!.n;
}

describe.each(APPS.filter((r) => r.available))('bank file import into a batch ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await value(app.dispatch('demo:load', { accounts: 50, seed: 2 }));
  });
  afterEach(() => app.dispose());

  const write = (name: string, text: string): string => {
    const file = join(app.dir, name);
    writeFileSync(file, text);
    return file;
  };
  const csv = (footerTotal: string, second = '12.345'): string =>
    [
      'LOCKBOX,0042,11/20/2026',
      'Account Number,Payment Amount,Date,Check Number,Payer',
      'A0000002,19.95,11/19/2026,1251,"Wolf, Mia"',
      `A0000003,${second},11/19/2026,1252,Koch`,
      'A0000004,27.70,11/19/2026,1253,Baker',
      `TOTAL,3,${footerTotal}`,
    ].join('\r\n') + '\r\n';

  it('previews, saves a template, imports with it; row problems become invalid entries; header/footer fill the batch', async () => {
    const file = write('lockbox.csv', csv('60.00'));
    const preview = await value<BankFilePreviewDto>(
      app.dispatch('batches:preview-file', { file, template: csvTemplate, currency: 'USD' }),
    );
    expect(preview.fileErrors).toEqual([]);
    expect(preview.header).toMatchObject({ lockboxNo: '0042', date: '2026-11-20' });
    expect(preview.footer).toMatchObject({ count: 3, total: '60.00' });
    expect(preview.rows.map((r) => r.fields.payerName)).toEqual(['Wolf, Mia', 'Koch', 'Baker']);
    expect(preview.rowsWithProblems).toBe(1);
    expect(await batchCount()).toBe(0);

    await value(
      app.dispatch('templates:save', { name: 'first-bank', bank: 'First Bank', definition: csvTemplate }),
    );
    const imported = await value<BatchImportDto>(
      app.dispatch('batches:import-file', {
        file,
        templateName: 'first-bank',
        payType: 10012,
        currency: 'USD',
      }),
    );
    expect(imported).toMatchObject({ rows: 3, invalid: 1 });
    expect(imported.batch).toMatchObject({
      lockboxNo: '0042',
      batchDate: '2026-11-20',
      controlCount: 3,
      controlTotalMinor: 6000,
      sourceFile: 'lockbox.csv',
    });
    const page = await value<BatchEntriesPageDto>(
      app.dispatch('batches:entries', { batchId: imported.batch.id }),
    );
    expect(
      page.rows.map((r) => [r.accountNo, r.amountMinor, r.status, r.problemColumn, r.sourceLine]),
    ).toEqual([
      ['A0000002', 1995, 'new', null, 3],
      ['A0000003', null, 'invalid', 'amount', 4],
      ['A0000004', 2770, 'new', null, 5],
    ]);
    // The clerk fixes the bad amount in the grid; the zero proof then balances.
    await value(
      app.dispatch('batches:save-entries', {
        batchId: imported.batch.id,
        entries: [{ id: page.rows[1]!.id, amount: '12.35' }],
      }),
    );
    const after = await value<{ zeroProof: { balanced: boolean } }>(
      app.dispatch('batches:get', { batchId: imported.batch.id }),
    );
    expect(after.zeroProof.balanced).toBe(true);
  });

  it('a file whose footer contradicts its rows stages nothing and says why', async () => {
    const file = write('bad-total.csv', csv('99.00', '12.35'));
    const r = await app.dispatch('batches:import-file', {
      file,
      template: csvTemplate,
      payType: 10012,
      currency: 'USD',
    });
    expect(r.ok).toBe(false);
    if (!r.ok && r.error.code === 'validation') {
      expect(r.error.fileIssues?.[0]).toMatchObject({
        file,
        reason: expect.stringMatching(/99\.00|9900|total/i),
      });
    } else throw new Error('expected a validation error with file issues');
    expect(await batchCount()).toBe(0);
  });

  it('binary garbage or an empty file stages nothing', async () => {
    for (const [name, bytes] of [
      ['empty.csv', Buffer.alloc(0)],
      ['garbage.csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) & 0xff))],
    ] as const) {
      const file = join(app.dir, name);
      writeFileSync(file, bytes);
      const r = await app.dispatch('batches:import-file', {
        file,
        template: csvTemplate,
        payType: 10012,
        currency: 'USD',
      });
      expect(r).toMatchObject({ ok: false, error: { code: 'validation' } });
    }
    expect(await batchCount()).toBe(0);
  });

  it('warns before importing the same file again, and imports it when forced', async () => {
    const file = write('twice.csv', csv('60.00'));
    await value(
      app.dispatch('batches:import-file', { file, template: csvTemplate, payType: 10012, currency: 'USD' }),
    );
    const again = await app.dispatch('batches:import-file', {
      file,
      template: csvTemplate,
      payType: 10012,
      currency: 'USD',
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'already-imported' } });
    const preview = await value<BankFilePreviewDto>(
      app.dispatch('batches:preview-file', { file, template: csvTemplate, currency: 'USD' }),
    );
    expect(preview.alreadyImported).not.toBeNull();
    await value(
      app.dispatch('batches:import-file', {
        file,
        template: csvTemplate,
        payType: 10012,
        currency: 'USD',
        force: true,
      }),
    );
    expect(await batchCount()).toBe(2);
  });

  it('refuses a template with problems, listing each', async () => {
    const r = await app.dispatch('templates:save', {
      name: 'broken',
      definition: { ...csvTemplate, delimiter: ';;', columns: [{ field: 'amount' }] },
    });
    expect(r.ok).toBe(false);
    if (!r.ok && r.error.code === 'validation') expect(r.error.issues!.length).toBeGreaterThanOrEqual(2);
  });

  it('imports the public lockbox sample with a fixed-width template', async () => {
    const template = {
      name: 'lockbox',
      format: 'fixed',
      headerLines: 3,
      footerLines: 3,
      dateFormat: 'MMddyy',
      impliedDecimals: 2,
      recordFilter: { start: 1, length: 1, equals: ['6'] },
      columns: [
        { field: 'amount', start: 8, length: 10 },
        { field: 'accountNo', start: 27, length: 10 },
        { field: 'checkNo', start: 37, length: 10 },
        { field: 'paymentDate', start: 47, length: 6 },
        { field: 'payerName', start: 53, length: 30 },
      ],
      header: {
        lockboxNo: { line: 3, start: 8, length: 7 },
        date: { line: 3, start: 15, length: 6, dateFormat: 'yyMMdd' },
      },
      footer: { count: { line: 2, start: 21, length: 4 }, total: { line: 2, start: 25, length: 10 } },
    };
    const file = join(STANDARDS, 'lockbox/valid/test_lockbox.bai');
    expect(readFileSync(file).length).toBeGreaterThan(0);
    const r = await value<BatchImportDto>(
      app.dispatch('batches:import-file', { file, template, payType: 10012, currency: 'USD' }),
    );
    expect(r.batch).toMatchObject({
      lockboxNo: '0022222',
      batchDate: '2016-05-23',
      controlCount: 1,
      controlTotalMinor: 700000,
    });
    expect(r.rows).toBe(1);
  });
});
