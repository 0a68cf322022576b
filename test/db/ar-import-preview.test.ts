import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArImportSummaryDto } from '../../src-shared/dto/app';
import type { ArPreviewDto } from '../../src-shared/dto/desk-ops';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';
import { ledgerFingerprintVia, value } from '../helpers/suspense';

const csv = (...rows: string[]): string => rows.join('\n') + '\n';
const ACCOUNTS = csv(
  'account_no,name,status,currency,default_pay_type',
  'P1,Mia Wolf,active,USD,10001',
  'P2,Koch Bakery,active,EUR,10003',
);
const UNITS = csv(
  'bill_unit_no,account_no,name,accounting_type,pay_type,payment_term,paying,parent_bill_unit_no,is_default,bill_cycle_day,next_bill_date',
  'PU1,P1,Main,open_item,10001,N30,1,,1,5,2026-12-05',
  'PU2,P2,Main,balance_forward,10003,N14,1,,1,12,',
);
const BILLS = csv(
  'bill_no,bill_unit_no,bill_date,due_date,currency,total',
  'PB1,PU1,2026-10-05,2026-11-04,USD,150.00',
);
const ITEMS = csv(
  'item_no,bill_no,type,amount,open_amount,gl_id',
  'PI1,PB1,recurring,100.00,100.00,101',
  'PI2,PB1,usage,50,50.00,102',
);
/** Two bad rows: an amount with three decimals, and an account in a currency the ledger does not know. */
const BAD_ITEMS = csv(
  'item_no,bill_no,type,amount,open_amount,gl_id',
  'PI1,PB1,recurring,100.001,100.00,101',
);
const BAD_ACCOUNTS = csv('account_no,name,status,currency,default_pay_type', 'P1,Mia Wolf,active,XXQ,10001');

const up = (text: string, fileName: string) => ({ content: Buffer.from(text).toString('base64'), fileName });

let app: TestApp;
const cli = cliOnApp(() => app);
const file = (name: string, text: string): string => {
  const path = join(app.dir, name);
  writeFileSync(path, text);
  return path;
};

describe.each(APPS.filter((r) => r.available))('receivables import preview ($dialect)', ({ open }) => {
  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await app.giveTestPassword('tester');
    process.env.PAYDESK_OPERATOR = 'tester';
  });
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app.dispose();
  });

  it('reports the counts the import then reports, and writes nothing', async () => {
    const files = {
      accountsUpload: up(ACCOUNTS, 'accounts.csv'),
      billUnitsUpload: up(UNITS, 'bill_units.csv'),
      billsUpload: up(BILLS, 'bills.csv'),
      itemsUpload: up(ITEMS, 'items.csv'),
    };
    const before = await ledgerFingerprintVia(app);
    const accountsBefore = await app.get(sql`SELECT count(*) AS n FROM accounts`);
    const preview = await value<ArPreviewDto>(app.dispatch('ar:preview', files));
    expect(preview).toMatchObject({
      ok: true,
      problems: [],
      problemCount: 0,
      accounts: { rows: 2, inserted: 2 },
      billUnits: { rows: 2, inserted: 2 },
      bills: { rows: 1, inserted: 1 },
      items: { rows: 2, inserted: 2 },
    });
    expect(await ledgerFingerprintVia(app)).toBe(before);
    expect(await app.get(sql`SELECT count(*) AS n FROM accounts`)).toEqual(accountsBefore);
    expect(await app.get(sql`SELECT count(*) AS n FROM audit_log WHERE action = 'ar.import'`)).toEqual({
      n: 0,
    });

    const imported = await value<ArImportSummaryDto>(app.dispatch('ar:import', files));
    const { elapsedMs: _a, ...importedCounts } = imported;
    const {
      ok: _o,
      problems: _p,
      problemCount: _c,
      elapsedMs: _b,
      ...previewCounts
    } = preview as ArPreviewDto & {
      elapsedMs: number;
    };
    expect(previewCounts).toEqual(importedCounts);
  });

  it('lists every problem with file, line and column, and changes nothing', async () => {
    const before = await ledgerFingerprintVia(app);
    const preview = await value<ArPreviewDto>(
      app.dispatch('ar:preview', {
        accountsUpload: up(BAD_ACCOUNTS, 'accounts.csv'),
        itemsUpload: up(BAD_ITEMS, 'items.csv'),
      }),
    );
    expect(preview.ok).toBe(false);
    expect(preview.problemCount).toBe(2);
    expect(preview.problems).toEqual([
      expect.objectContaining({ file: 'accounts.csv', line: 2, column: 'currency' }),
      expect.objectContaining({ file: 'items.csv', line: 2, column: 'amount' }),
    ]);
    expect(await ledgerFingerprintVia(app)).toBe(before);
  });

  it('ar import --preview on the command line: the report, one JSON document, exit 2 on problems', async () => {
    const ok = await cli(
      '--json',
      'ar',
      'import',
      '--preview',
      '--accounts',
      file('a.csv', csv('account_no,name,status,currency,default_pay_type', 'P3,New One,active,USD,10001')),
    );
    expect(ok.code, ok.err).toBe(0);
    expect(jsonOf<ArPreviewDto>(ok)).toMatchObject({ ok: true, accounts: { rows: 1, inserted: 1 } });
    const human = await cli(
      'ar',
      'import',
      '--preview',
      '--accounts',
      file('a.csv', csv('account_no,name,status,currency,default_pay_type', 'P3,New One,active,USD,10001')),
    );
    expect(human.out).toContain('nothing was imported');

    const bad = await cli('--json', 'ar', 'import', '--preview', '--items', file('bad.csv', BAD_ITEMS));
    expect(bad.code).toBe(2);
    const doc = jsonOf<ArPreviewDto>(bad);
    expect(doc.ok).toBe(false);
    expect(doc.problems[0]).toMatchObject({ file: 'bad.csv', line: 2, column: 'amount' });
    const text = await cli('ar', 'import', '--preview', '--items', file('bad.csv', BAD_ITEMS));
    expect(text.out).toContain('bad.csv line 2, amount');
    expect(await app.get(sql`SELECT count(*) AS n FROM accounts WHERE account_no = 'P3'`)).toEqual({ n: 0 });
  });
});
