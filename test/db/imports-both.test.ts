import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../db/client';
import type { Dialect, Storage } from '../../db/storage/port';
import { sqliteStorage } from '../../db/storage/sqlite';
import { importBatchFileVia, type BatchFile } from '../../src-main/services/batches/batch-file';
import {
  importBankFile,
  importBankFileVia,
  previewBankFileVia,
  type ImportBankFileInput,
} from '../../src-main/services/batches/import-file';
import { seedStockTemplatesVia } from '../../src-main/services/batches/templates';
import { conflict } from '../../src-main/ledger/errors';
import type { BatchDto } from '../../src-shared/dto/batches';
import { alikeOn, answer } from '../helpers/alike';
import { buildCamt } from '../helpers/camt';
import { tempDir } from '../helpers/ledger';
import { racing } from '../helpers/racing';
import { addOperators, STORAGES } from '../helpers/storages';
import { csvTemplate } from '../helpers/lockbox-template';

// Issue #17: a bank file's import (lockbox CSV, BAI2, camt.053) on PostgreSQL, its preview, a hand-over file's load and `batch push` on the server run through the storage port. The same calls
// on SQLite and PostgreSQL answer alike and write the same batch, entries, origin, imported-file record and audit
// rows; refusals are alike and write nothing; two loads or two pushes of one file at once end as one after the
// other would: one batch, the second answered (a push) or refused `already-loaded` (a load).

const NOW = new Date('2026-12-06T09:00:00Z');
const ROWS = STORAGES.filter((r) => r.available);
const ELSEWHERE = 'ab'.repeat(16);

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; clerk: number; other: number };

/** Every row a load or a push writes (audit included), comparable across databases. */
async function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      batches: await tx.all(sql`SELECT * FROM batches ORDER BY id`),
      entries: await tx.all(sql`SELECT * FROM batch_entries ORDER BY id`),
      origins: await tx.all(sql`SELECT * FROM batch_origins ORDER BY origin_ledger, origin_batch_id`),
      files: await tx.all(sql`SELECT kind, sha256, file_name, imported_at FROM imported_files ORDER BY id`),
      audit: await tx.all(
        sql`SELECT at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/**
 * The rows without their ids: a retried PostgreSQL transaction uses up identity values a SQLite rowid would not,
 * so racers' rows are compared by what they say.
 */
async function withoutIds(storage: Storage): Promise<unknown> {
  const t = await tables(storage);
  const strip = (rows: unknown[], ...keys: string[]) =>
    rows.map((r) =>
      Object.fromEntries(Object.entries(r as Record<string, unknown>).filter(([k]) => !keys.includes(k))),
    );
  return {
    batches: strip(t.batches, 'id'),
    entries: strip(t.entries, 'id', 'batch_id', 'entry_key'),
    origins: strip(t.origins, 'batch_id'),
    files: t.files,
    audit: strip(t.audit, 'entityId'),
  };
}

/** Another ledger's batch n as its hand-over file (each test its own n: the ledgers' audit is append-only). */
const handOver = (n: number, over: Partial<BatchFile> = {}, entries = 2): BatchFile => ({
  format: 'paydesk-batch',
  version: 1,
  origin: { ledgerId: ELSEWHERE, batchId: n, batchNo: `B-AWAY-${n}` },
  batch: {
    batchNo: `B-AWAY-${n}`,
    batchType: 'payment',
    payType: 10012,
    currency: 'USD',
    channelId: 0,
    allocationLevel: 'bill',
    lockboxNo: 'LB-9',
    batchDate: '2026-12-05',
    controlCount: entries,
    controlTotal: null,
    note: 'kept on the road',
    header: ['HDR'],
    footer: [],
  },
  entries: Array.from({ length: entries }, (_, i) => ({
    accountNo: `ACC-${i + 1}`,
    billNo: null,
    amount: `${10 + i}.50`,
    paymentDate: '2026-12-04',
    checkNo: `C${i + 1}`,
    payerName: `Payer ${i + 1}`,
    reference: null,
    channelId: null,
    paymentRef: null,
    currency: 'USD',
    custom: {},
    suspendReason: i === 1 ? 1 : null,
  })),
  ...over,
});

const content = (doc: unknown, crlf = false) => {
  const text = JSON.stringify(doc, null, 2);
  return {
    content: Buffer.from(crlf ? text.replace(/\n/g, '\r\n') : text).toString('base64'),
    fileName: 'away.paydesk.json',
  };
};

describe('hand-over imports on both databases', () => {
  const dbs: Db[] = [];

  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      const ops = await addOperators(storage, { clerk: ['clerk'], other: ['clerk'] }, NOW);
      dbs.push({ dialect: row.dialect, storage, dispose, clerk: ops.clerk, other: ops.other });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
  });

  const { same, refused } = alikeOn(dbs, tables);

  it('loads a hand-over file alike; the same content again (CRLF, other spacing) is refused and writes nothing', async () => {
    const loaded = await same(({ storage, clerk }) =>
      answer(importBatchFileVia(storage, content(handOver(1, { origin: undefined })), NOW, clerk)),
    );
    expect(loaded).toMatchObject({
      value: { batchNo: 'B-AWAY-1', status: 'open', lockboxNo: 'LB-9' },
    });
    await same(async ({ storage }) => withoutIds(storage));
    const again = await refused(({ storage, clerk }) =>
      importBatchFileVia(storage, content(handOver(1, { origin: undefined }), true), NOW, clerk),
    );
    expect(again).toMatchObject({ code: 'conflict', rule: 'already-loaded' });
    // Not JSON, and not a batch file: refused alike before anything is read from the ledger.
    await refused(({ storage, clerk }) =>
      importBatchFileVia(
        storage,
        { content: Buffer.from('{"format":').toString('base64'), fileName: 'x.json' },
        NOW,
        clerk,
      ),
    );
    await refused(({ storage, clerk }) =>
      importBatchFileVia(storage, content({ ...handOver(1), version: 2 }), NOW, clerk),
    );
  });

  it('a push recreates the batch once; the same push again answers it; changed content is refused', async () => {
    const first = (await same(({ storage, clerk }) =>
      answer(importBatchFileVia(storage, content(handOver(2)), NOW, clerk, { push: true })),
    )) as { value: BatchDto };
    const again = await same(({ storage, clerk }) =>
      answer(importBatchFileVia(storage, content(handOver(2), true), NOW, clerk, { push: true })),
    );
    expect(again).toEqual(first);
    const changed = handOver(2);
    changed.batch.note = 'changed on the road';
    const refusal = await refused(({ storage, clerk }) =>
      importBatchFileVia(storage, content(changed), NOW, clerk, { push: true }),
    );
    expect(refusal).toMatchObject({ code: 'conflict', rule: 'pushed-changed' });
    // A push of a batch kept in this very ledger is refused.
    const self = await refused(async ({ storage, clerk }) => {
      const here = (await storage.transaction((tx) =>
        tx.get<{ id: string }>(sql`SELECT ledger_id AS id FROM ledger_identity`),
      ))!.id;
      return importBatchFileVia(
        storage,
        content(handOver(2, { origin: { ledgerId: here, batchId: 1, batchNo: 'B-1' } })),
        NOW,
        clerk,
        { push: true },
      );
    });
    expect(self).toMatchObject({ code: 'conflict', rule: 'push-to-self' });
  });

  it('two pushes of one origin at once recreate it once and both answer that batch', async () => {
    const outcomes = await same(async ({ storage, clerk, other }) => {
      const race = racing(storage, 2, { writesOnly: true });
      const answers = await Promise.all(
        [clerk, other].map((who) =>
          answer(importBatchFileVia(race.storage, content(handOver(3)), NOW, who, { push: true })),
        ),
      );
      const batches = await storage.transaction((tx) =>
        tx.all(sql`SELECT id FROM batches WHERE batch_no = 'B-AWAY-3'`),
      );
      expect(batches).toHaveLength(1);
      return answers.map((a) => ('value' in a ? (a.value as BatchDto).batchNo : a.error));
    });
    expect(outcomes).toEqual(['B-AWAY-3', 'B-AWAY-3']);
    await same(async ({ storage }) => withoutIds(storage));
  });

  it('two loads of one file at once make one batch; the other is refused already-loaded', async () => {
    const outcomes = await same(async ({ storage, clerk, other }) => {
      const race = racing(storage, 2, { writesOnly: true });
      const answers = await Promise.all(
        [clerk, other].map((who) =>
          answer(importBatchFileVia(race.storage, content(handOver(4, { origin: undefined })), NOW, who)),
        ),
      );
      return answers
        .map((a) =>
          'value' in a ? 'loaded' : `${a.error.code}:${String((a.error as { rule?: string }).rule)}`,
        )
        .sort();
    });
    expect(outcomes).toEqual(['conflict:already-loaded', 'loaded']);
    await same(async ({ storage }) => {
      const t = (await withoutIds(storage)) as {
        batches: { batch_no: string; created_by: number }[];
        audit: { operatorId: number }[];
      };
      expect(t.batches.filter((b) => b.batch_no === 'B-AWAY-4')).toHaveLength(1);
      // Which clerk won is up to each database: the batch and the audit row name the winner.
      return {
        ...t,
        batches: t.batches.map(({ created_by: _c, ...b }) => b),
        audit: t.audit.map(({ operatorId: _o, ...a }) => a),
      };
    });
  });
});

const STANDARDS = resolve(process.cwd(), '../shared/standards');

/** A lockbox CSV: a bad amount (an invalid entry), two rows alike (one fingerprint), the footer's controls. */
const lockboxCsv = (footerTotal = '88.60', eol = '\n'): string =>
  [
    'LOCKBOX,0042,11/20/2026',
    'Account Number,Payment Amount,Date,Check Number,Payer',
    'ACC-0042,19.95,11/19/2026,1251,"Wolf, Mia"',
    'ACC-0043,12.3x5,11/19/2026,1252,Koch',
    'ACC-0044,34.35,11/19/2026,1253,Baker',
    'ACC-0044,34.35,11/19/2026,1253,Baker',
    `TRAILER,4,${footerTotal}`,
    '',
  ].join(eol);

const bytes = (text: string | Buffer, fileName: string) => ({
  content: Buffer.from(text).toString('base64'),
  fileName,
});

const bankInput = (
  src: { content: string; fileName: string },
  over: Partial<ImportBankFileInput> = {},
): ImportBankFileInput => ({
  ...src,
  batchType: 'payment',
  payType: 10012,
  channelId: 0,
  allocationLevel: 'bill',
  force: false,
  ...over,
});

type BankDb = Db & { driver?: Database.Database };

describe('bank-file imports on both databases (the driver import on SQLite alongside)', () => {
  const dbs: BankDb[] = [];
  const temp = tempDir('paydesk-imports-');

  beforeAll(async () => {
    const ledger = openLedger(`${temp.dir}/driver.sqlite`, 'db/migrations');
    const opened: {
      dialect: Dialect;
      driver?: Database.Database;
      storage: Storage;
      dispose?: () => Promise<void>;
    }[] = [
      { dialect: 'sqlite', driver: ledger.sqlite, storage: sqliteStorage(ledger.sqlite, { closeDb: true }) },
    ];
    for (const row of ROWS) opened.push({ dialect: row.dialect, ...(await row.open()) });
    for (const o of opened) {
      const ops = await addOperators(o.storage, { clerk: ['clerk'], other: ['clerk'] }, NOW);
      await seedStockTemplatesVia(o.storage, NOW);
      await o.storage.transaction(async (tx) => {
        for (const no of ['ACC-0042', 'ACC-0043', 'ACC-0044'])
          await tx.run(
            sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type, created_at)
                VALUES (${no}, ${no}, ${`Account ${no}`}, ${`account ${no.toLowerCase()}`}, 'active', 'USD', 10012,
                        ${NOW.toISOString()})`,
          );
      });
      dbs.push({
        dialect: o.dialect,
        storage: o.storage,
        dispose: o.dispose ?? (() => o.storage.close()),
        clerk: ops.clerk,
        other: ops.other,
        ...(o.driver ? { driver: o.driver } : {}),
      });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
    temp.cleanup();
  });

  /** The import as the job runs it: the driver's on the SQLite desk, the port's otherwise. */
  const importOn = (
    db: BankDb,
    input: ImportBankFileInput,
    who: number,
    progress?: (phase: string, done: number, total: number) => void,
    storage: Storage = db.storage,
  ): Promise<{ batch: BatchDto; rows: number; invalid: number }> =>
    db.driver
      ? Promise.resolve().then(() => importBankFile(db.driver!, input, NOW, who, progress))
      : importBankFileVia(storage, input, NOW, who, progress);

  const written = (storage: Storage) => withoutIds(storage);
  const { same, refused } = alikeOn(dbs, written);

  it('a lockbox CSV imports alike: header, entries, invalid row, fingerprints, audit, file record', async () => {
    const out = await same((db) =>
      answer(
        importOn(db, bankInput(bytes(lockboxCsv(), 'lockbox.csv'), { template: csvTemplate }), db.clerk),
      ),
    );
    expect(out).toMatchObject({
      value: { rows: 4, invalid: 1, batch: { lockboxNo: '0042', controlCount: 4, controlTotalMinor: 8860 } },
    });
    const rows = (await same(async ({ storage }) => written(storage))) as {
      entries: { fingerprint: string | null; status: string }[];
    };
    const prints = rows.entries.map((e) => e.fingerprint);
    expect(prints[2]).not.toBeNull();
    expect(prints[2]).toBe(prints[3]);
    expect(rows.entries.map((e) => e.status)).toEqual(['new', 'invalid', 'new', 'new']);
  });

  it('the same file again (also with CRLF line endings) is refused already-imported and writes nothing; forced it imports', async () => {
    for (const eol of ['\n', '\r\n']) {
      const again = await refused((db) =>
        importOn(
          db,
          bankInput(bytes(lockboxCsv('88.60', eol), 'copy.csv'), { template: csvTemplate }),
          db.clerk,
        ),
      );
      expect(again).toMatchObject({ code: 'conflict', rule: 'already-imported' });
    }
    const preview = await same(({ storage, clerk }) =>
      previewBankFileVia(
        storage,
        {
          ...bytes(lockboxCsv('88.60', '\r\n'), 'copy.csv'),
          template: csvTemplate,
          currency: 'USD',
          previewRows: 2,
        },
        { at: NOW, operatorId: clerk },
      ),
    );
    expect(preview).toMatchObject({ rowsWithProblems: 1, alreadyImported: { fileName: 'lockbox.csv' } });
    expect(preview.rows).toHaveLength(2);
    await same((db) =>
      answer(
        importOn(
          db,
          bankInput(bytes(lockboxCsv('88.60', '\r\n'), 'copy.csv'), { template: csvTemplate, force: true }),
          db.clerk,
        ),
      ),
    );
    await same(async ({ storage }) => written(storage));
  });

  it('a bad file (footer count contradicts the rows; no data rows) is refused alike and writes nothing', async () => {
    const count = await refused((db) =>
      importOn(
        db,
        bankInput(bytes(lockboxCsv().replace('TRAILER,4', 'TRAILER,5'), 'bad.csv'), {
          template: csvTemplate,
        }),
        db.clerk,
      ),
    );
    expect(count).toMatchObject({
      code: 'validation',
      message: 'bad.csv was not imported: the footer says 5 items but the file has 4 data rows',
    });
    const empty = await refused((db) =>
      importOn(
        db,
        bankInput(bytes('LOCKBOX,0042,11/20/2026\nAccount Number,Payment Amount\nTRAILER\n', 'empty.csv'), {
          template: csvTemplate,
        }),
        db.clerk,
      ),
    );
    expect(empty).toMatchObject({ code: 'validation' });
  });

  it('a BAI2 file is recognised by the stock template and imports alike (its currency decides)', async () => {
    const bai2 = readFileSync(`${STANDARDS}/bai2/valid/sample1.txt`);
    const out = await same((db) => answer(importOn(db, bankInput(bytes(bai2, 'sample1.txt')), db.clerk)));
    expect(out).toHaveProperty('value');
    await same(async ({ storage }) => written(storage));
  });

  it('a camt.053 statement imports alike (credits resolved to accounts) and its preview reads alike', async () => {
    const text = buildCamt({
      currency: 'USD',
      blocks: [
        [
          { amount: '10.00', side: 'CRDT', ustrd: ['Account ACC-0042 November'], debtorName: 'Mia Wolf' },
          { amount: '5.00', side: 'DBIT', endToEndId: 'FEE' },
          { amount: '42.00', side: 'CRDT', ustrd: ['Payment ref ZZ-77123'], endToEndId: 'E2E-2' },
          { amount: '7.00', side: 'CRDT' },
        ],
      ],
    });
    const preview = await same(({ storage, clerk }) =>
      previewBankFileVia(
        storage,
        { ...bytes(text, 'stmt.xml'), currency: 'USD', previewRows: 10 },
        { at: NOW, operatorId: clerk },
      ),
    );
    expect(preview.statement).toMatchObject({ format: 'camt.053', currency: 'USD' });
    const out = await same((db) => answer(importOn(db, bankInput(bytes(text, 'stmt.xml')), db.clerk)));
    expect(out).toMatchObject({ value: { rows: 3, invalid: 1 } });
    await same(async ({ storage }) => written(storage));
  });

  it('a cancelled import (progress throws) rolls back and writes nothing', async () => {
    const cancel = (_phase: string, done: number): void => {
      if (done > 0) throw conflict('cancelled', 'the job was cancelled');
    };
    const refusal = await refused((db) =>
      importOn(
        db,
        bankInput(bytes(lockboxCsv('88.60').replace('LOCKBOX,0042', 'LOCKBOX,0077'), 'c.csv'), {
          template: csvTemplate,
        }),
        db.clerk,
        cancel,
      ),
    );
    expect(refusal).toMatchObject({ rule: 'cancelled' });
  });

  it('one file imported by two clerks at once makes one batch; the other is refused already-imported', async () => {
    const file = bankInput(bytes(lockboxCsv('88.60').replace('LOCKBOX,0042', 'LOCKBOX,0099'), 'race.csv'), {
      template: csvTemplate,
    });
    const outcomes = await same(async (db) => {
      // The driver's imports run one after the other by construction; the port's are held to meet.
      const race = racing(db.storage, 2, { writesOnly: true });
      const answers = await Promise.all(
        [db.clerk, db.other].map((who) => answer(importOn(db, file, who, undefined, race.storage))),
      );
      return answers
        .map((a) =>
          'value' in a ? 'imported' : `${a.error.code}:${String((a.error as { rule?: string }).rule)}`,
        )
        .sort();
    });
    expect(outcomes).toEqual(['conflict:already-imported', 'imported']);
    await same(async ({ storage }) => {
      // Which clerk won is up to each database.
      const t = (await written(storage)) as {
        batches: { created_by: number }[];
        audit: { operatorId: number }[];
      };
      return {
        ...t,
        batches: t.batches.map(({ created_by: _c, ...b }) => b),
        audit: t.audit.map(({ operatorId: _o, ...a }) => a),
      };
    });
  });
});
