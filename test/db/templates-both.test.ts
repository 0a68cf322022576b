import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import { checkBankFile } from '../../src-main/services/bankfiles/check';
import {
  detectTemplates,
  listTemplates,
  saveTemplate,
  seedStockTemplatesVia,
} from '../../src-main/services/batches/templates';
import { STOCK_TEMPLATES } from '../../src-main/importers/bank-file/stock-templates';
import { alikeOn, answer } from '../helpers/alike';
import { racing } from '../helpers/racing';
import { addOperators, STORAGES } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: import templates (list, save, detect) and the bank-file check run through the storage port. The same
// calls on SQLite and PostgreSQL answer alike and write the same templates and audit rows; refusals (a broken
// definition, a stock template, an unknown template) are alike and write nothing; two admins saving one name at
// once take turns, so each save's audit row names the definition it really replaced.

const NOW = new Date('2026-12-06T09:00:00Z');
const ROWS = STORAGES.filter((r) => r.available);

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; admin: number };

const TEMP = tempDir('paydesk-templates-');

/** A delimited template: account, amount, date. */
const delimited = (name: string, delimiter = ','): Record<string, unknown> => ({
  name,
  format: 'delimited',
  delimiter,
  hasColumnHeader: true,
  dateFormat: 'yyyy-MM-dd',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
    { field: 'paymentDate', index: 2 },
  ],
});

/** Every template and audit row a template command can write, ids left out where a retry may use one up. */
async function written(storage: Storage): Promise<unknown> {
  return storage.transaction(
    async (tx) => ({
      templates: await tx.all(
        sql`SELECT name, bank, definition, stock, created_at, updated_at FROM import_templates ORDER BY name`,
      ),
      audit: await tx.all(
        sql`SELECT at, operator_id, action, entity, entity_id, before, after FROM audit_log
            WHERE action LIKE 'template.%' OR action = 'file.read' ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

describe('import templates and the bank-file check on both databases', () => {
  const dbs: Db[] = [];
  const seeded: { dialect: Dialect; added: number }[] = [];

  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      const ops = await addOperators(storage, { admin: ['admin'] }, NOW);
      // A ledger's stock templates, added as the app adds them when it opens one: here by two at once.
      const race = racing(storage, 2);
      const added = await Promise.all([0, 1].map(() => seedStockTemplatesVia(race.storage, NOW)));
      seeded.push({ dialect: row.dialect, added: added.reduce((a, b) => a + b, 0) });
      dbs.push({ dialect: row.dialect, storage, dispose, admin: ops.admin });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
    TEMP.cleanup();
  });

  const { same, refused } = alikeOn(dbs, written);

  it('seeds the stock templates once each, audited once, though two openings seed at once; again adds nothing', async () => {
    expect(seeded).toEqual(ROWS.map((r) => ({ dialect: r.dialect, added: STOCK_TEMPLATES.length })));
    for (const db of dbs) {
      const before = await written(db.storage);
      expect(await seedStockTemplatesVia(db.storage, NOW)).toBe(0);
      expect(await written(db.storage)).toEqual(before);
      const seeds = await db.storage.transaction(
        (tx) =>
          tx.all<{ name: string }>(
            sql`SELECT entity_id AS name FROM audit_log WHERE action = 'template.seed'`,
          ),
        { readOnly: true },
      );
      expect(seeds.map((r) => r.name).sort(), db.dialect).toEqual(STOCK_TEMPLATES.map((t) => t.name).sort());
    }
  });

  it('saves and lists templates alike, by name in code-point order, each save audited', async () => {
    const answers = await same(async (db) => {
      const saved = await saveTemplate(
        db.storage,
        { name: 'alpha bank', bank: 'Alpha', definition: delimited('alpha bank') },
        NOW,
        db.admin,
      );
      await saveTemplate(db.storage, { name: 'Zeta', definition: delimited('Zeta', ';') }, NOW, db.admin);
      const replaced = await saveTemplate(
        db.storage,
        { name: 'alpha bank', bank: 'Alpha 2', definition: delimited('alpha bank', '|') },
        NOW,
        db.admin,
      );
      const list = (await listTemplates(db.storage)).map(({ id: _id, ...t }) => t);
      return {
        saved: { ...saved, id: 0 },
        replaced: { ...replaced, id: 0 },
        list,
        written: await written(db.storage),
      };
    });
    expect(answers.list.map((t) => [t.name, t.stock, t.bank])).toEqual([
      ['Stock BAI2', true, null],
      ['Stock CSV', true, null],
      ['Stock lockbox (fixed width)', true, null],
      ['Zeta', false, null],
      ['alpha bank', false, 'Alpha 2'],
    ]);
    expect(answers.replaced).toMatchObject({ bank: 'Alpha 2', stock: false, definition: { delimiter: '|' } });
  });

  it('refuses a broken definition, a stock template and an unknown template alike, writing nothing', async () => {
    expect(
      await refused((db) =>
        saveTemplate(db.storage, { name: 'broken', definition: { format: 'delimited' } }, NOW, db.admin),
      ),
    ).toMatchObject({ code: 'validation' });
    expect(
      await refused((db) =>
        saveTemplate(db.storage, { name: 'Stock CSV', definition: delimited('Stock CSV') }, NOW, db.admin),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'stock-template' });
    const file = join(TEMP.dir, 'plain.csv');
    writeFileSync(file, 'account,amount,date\nA-1,10.00,2026-12-01\n');
    expect(
      await same(async (db) =>
        answer(
          checkBankFile(
            db.storage,
            { content: Buffer.from('x').toString('base64'), template: 'nope' },
            {
              at: NOW,
              operatorId: db.admin,
            },
          ),
        ),
      ),
    ).toMatchObject({ error: { code: 'not_found' } });
  });

  it('detects and checks a file with a saved template alike (its read audited alike)', async () => {
    const file = join(TEMP.dir, 'payments.csv');
    writeFileSync(
      file,
      'account,amount,date,check,payer,reference\nA-1,10.00,2026-12-01,77,Ada,R1\nA-2,-2.50,2026-12-01,78,Bob,R2\n',
    );
    const answers = await same(async (db) => {
      const who = { at: NOW, operatorId: db.admin };
      const proposals = await detectTemplates(db.storage, { file }, who);
      const fromLines = await detectTemplates(
        db.storage,
        { lines: ['account,amount,date,check,payer,reference'] },
        who,
      );
      const check = await checkBankFile(db.storage, { file, template: 'Stock CSV', currency: 'EUR' }, who);
      return {
        proposals: proposals.map(({ templateId: _id, ...p }) => p),
        fromLines: fromLines.map(({ templateId: _id, ...p }) => p),
        check,
        written: await written(db.storage),
      };
    });
    expect(answers.proposals[0]).toMatchObject({ name: 'Stock CSV' });
    expect(answers.check).toMatchObject({
      format: 'delimited',
      template: 'Stock CSV',
      valid: true,
      entries: 2,
      totals: { count: 2, debitMinor: 250, creditMinor: 1000, currency: 'EUR' },
    });
  });

  it('two admins saving one name at once: each save audited with what it really replaced', async () => {
    const answers = await same(async (db) => {
      const race = racing(db.storage, 2);
      await Promise.all(
        ['|', ';'].map((d) =>
          saveTemplate(race.storage, { name: 'raced', definition: delimited('raced', d) }, NOW, db.admin),
        ),
      );
      const audit = await db.storage.transaction(
        (tx) =>
          tx.all<{ before: string | null; after: string }>(
            sql`SELECT before, after FROM audit_log WHERE action = 'template.save' AND entity_id = 'raced' ORDER BY id`,
          ),
        { readOnly: true },
      );
      const rows = audit.map((r) => ({
        before: r.before === null ? null : (JSON.parse(r.before) as { delimiter: string }).delimiter,
        after: (JSON.parse(r.after) as { delimiter: string }).delimiter,
      }));
      return {
        replacedWhatTheOtherSaved: rows[1]?.before === rows[0]?.after,
        first: rows[0]?.before ?? null,
      };
    });
    expect(answers).toEqual({ replacedWhatTheOtherSaved: true, first: null });
  });
});
