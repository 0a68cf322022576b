import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import type { ParsedReturns } from '../../src-main/bankfiles/types';
import { undoAllocation } from '../../src-main/ledger/allocation';
import { submitBatch } from '../../src-main/services/batches/submit';
import { validateBatch } from '../../src-main/services/batches/validate';
import { bouncePayment } from '../../src-main/services/returns/bounce';
import {
  importReturns,
  previewReturns,
  readReturnsFile,
  type ReturnsSource,
} from '../../src-main/services/returns/import';
import type { ReturnsImportDto } from '../../src-shared/dto/returns';
import { PAY_TYPE } from '../../src-shared/pay-types';
import { alikeOn, answer, type Answer } from '../helpers/alike';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { collectByFile, type CollectedDebit } from '../helpers/direct-debit';
import { freshApp } from '../helpers/ledger';
import { racing } from '../helpers/racing';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { value } from '../helpers/suspense';

// Issue #17: bank returns (the preview and import of a returns file, a bounced payment keyed by hand) run through the
// storage port. Collected debits made on SQLite and copied to PostgreSQL are previewed and imported alike, with the
// same return batches, entries, pending returns, import record, mandate corrections and audit rows; a failing import
// writes nothing; and the races of a team (one file imported by two clerks at once, a bounce racing an import or an
// allocation undo of the same payment) end as the same calls one after the other would.

const NOW = new Date('2026-11-22T09:00:00Z');
const UNDO_REASON = 4001;

type Db = { dialect: Dialect; storage: Storage };

/** What a returns import can write, read the same way on both databases. */
function written(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      batches: await tx.all(
        sql`SELECT id, batch_no AS "batchNo", batch_type AS "batchType", pay_type AS "payType", currency, status,
              control_count AS "controlCount", control_total_minor AS "controlTotalMinor", note,
              header_json AS header, source_file AS "sourceFile", source_sha256 AS "sourceSha256"
            FROM batches ORDER BY id`,
      ),
      entries: await tx.all(
        sql`SELECT id, batch_id AS "batchId", seq, entry_key AS "entryKey", source_line AS "sourceLine",
              account_no AS "accountNo", bill_no AS "billNo", amount_text AS "amountText",
              amount_minor AS "amountMinor", payment_date AS "paymentDate", reference, payment_ref AS "paymentRef",
              reason_code AS "reasonCode", status, currency
            FROM batch_entries ORDER BY id`,
      ),
      returns: await tx.all(
        sql`SELECT return_key AS "returnKey", batch_id AS "batchId", entry_seq AS "entrySeq",
              file_item_id AS "fileItemId", payment_id AS "paymentId", kind, bank_code AS "bankCode",
              bank_text AS "bankText", rejection_code AS "rejectionCode", source_format AS "sourceFormat",
              source_sha256 AS "sourceSha256", status, created_at AS "createdAt"
            FROM bank_returns ORDER BY id`,
      ),
      files: await tx.all(
        sql`SELECT kind, sha256, file_name AS "fileName", imported_at AS "importedAt" FROM imported_files
            ORDER BY id`,
      ),
      mandates: await tx.all(
        sql`SELECT id, routing_no AS "routingNo", account_no AS "accountNo", account_type AS "accountType",
              debtor_name AS "debtorName", version, updated_at AS "updatedAt" FROM mandates ORDER BY id`,
      ),
      events: await tx.all(
        sql`SELECT mandate_id AS "mandateId", at, kind, before_json AS "before", after_json AS "after", source, code,
              operator_id AS "operatorId" FROM mandate_events ORDER BY id`,
      ),
      items: await tx.all(
        sql`SELECT id, status, return_batch_id AS "returnBatchId" FROM bank_file_items ORDER BY id`,
      ),
      journals: await tx.get(sql`SELECT count(*) AS n FROM journals`),
      reversals: await tx.get(sql`SELECT count(*) AS n FROM reversals`),
      audit: await tx.all(
        sql`SELECT at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log WHERE action IN ('returns.import', 'batch.create', 'mandate.change-notice', 'file.read')
            ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** A rejection file (the CSV the bank-file readers detect by its header) returning debits with a bank code. */
function rejectionFile(
  lines: readonly { reference: string; amountMinor: number; code: string; text?: string }[],
  eol = '\n',
): string {
  return (
    ['reference,account_no,amount,currency,rejection_code,date,text']
      .concat(
        lines.map(
          (l) =>
            `${l.reference},,${(l.amountMinor / 100).toFixed(2)},EUR,${l.code},2026-11-21,${l.text ?? ''}`,
        ),
      )
      .join(eol) + eol
  );
}

const content = (text: string, fileName: string) => ({
  content: Buffer.from(text).toString('base64'),
  fileName,
});

/** What a raced call ended as: its batches' entry count, or the rule it was refused by. */
const outcome = (a: Answer): string =>
  'error' in a
    ? ((a.error as { rule?: string }).rule ?? a.error.code)
    : `imported ${(a.value as ReturnsImportDto).rows}`;

describe('bank returns on both databases', () => {
  const dbs: Db[] = [];
  let app: ReturnType<typeof freshApp>;
  let disposePg: (() => Promise<void>) | undefined;
  let clerk: number;
  let main: CollectedDebit[];
  let noc: CollectedDebit;
  let noc2: CollectedDebit;
  let twice: CollectedDebit[];
  let bounced: CollectedDebit;
  let undone: CollectedDebit;

  beforeAll(async () => {
    app = freshApp(NOW);
    await value(app.dispatch('demo:load', { accounts: 60, seed: 3 }));
    const db = app.ctx.ledger.sqlite;
    clerk = app.ctx.operator.id;
    main = collectByFile(db, { scheme: 'sepa', count: 4, messageId: 'MSG-MAIN' }, NOW);
    noc2 = collectByFile(db, { scheme: 'ach', count: 1, messageId: 'ACH-NOC2' }, NOW)[0]!;
    noc = collectByFile(db, { scheme: 'ach', count: 1, messageId: 'ACH-NOC' }, NOW)[0]!;
    twice = collectByFile(db, { scheme: 'sepa', count: 2, messageId: 'MSG-TWICE' }, NOW);
    bounced = collectByFile(db, { scheme: 'sepa', count: 1, messageId: 'MSG-BOUNCE' }, NOW)[0]!;
    undone = collectByFile(db, { scheme: 'sepa', count: 1, messageId: 'MSG-UNDO' }, NOW)[0]!;
    dbs.push({ dialect: 'sqlite', storage: app.ctx.storage });
    if (STORAGES[1]!.available) {
      const pg = await freshPostgres();
      disposePg = pg.dispose;
      await copyToPostgres(db, pg.storage);
      dbs.push({ dialect: 'postgres', storage: pg.storage });
    }
  }, 180_000);
  afterAll(async () => {
    await disposePg?.();
    app.dispose();
  });

  const { same, refused } = alikeOn(dbs, written);
  const who = () => ({ at: NOW, operatorId: clerk });

  const mainFile = () =>
    rejectionFile([
      {
        reference: main[0]!.endToEndId,
        amountMinor: main[0]!.amountMinor,
        code: 'AM04',
        text: 'Insufficient funds',
      },
      { reference: `P${main[1]!.paymentId}`, amountMinor: main[1]!.amountMinor, code: 'MD01' },
      { reference: main[2]!.endToEndId, amountMinor: main[2]!.amountMinor + 1, code: 'AM04' },
      { reference: 'NOT-OURS', amountMinor: 100, code: 'AC04' },
    ]);

  /** A notification of change correcting the ACH debit's mandate. */
  const nocParsed = (debit = noc): ParsedReturns => ({
    format: 'nacha',
    items: [],
    changes: [
      {
        // Trace numbers restart with each ACH file (the newest debit with one is taken): the second by end-to-end id.
        ref: debit === noc ? { traceNumber: debit.traceNumber! } : { endToEndId: debit.endToEndId },
        code: 'C03',
        correctedData: '021000021 99887766',
        corrected: { routingNo: '021000021', accountNo: '99887766' },
        line: 4,
      },
    ],
    accepted: 0,
    problems: [],
    warnings: [],
  });

  it('previews a returns file alike and writes nothing', async () => {
    const before = await same((db) => written(db.storage));
    const preview = await same(async (db) => {
      const { parsed, source } = await readReturnsFile(
        db.storage,
        content(mainFile(), 'rej.csv'),
        who(),
        'returns:preview',
      );
      return previewReturns(db.storage, parsed, source);
    });
    expect(preview.lines.map((l) => [l.matched, l.rejectionCode, l.declineClass])).toEqual([
      [true, 'AM04', 'soft'],
      [true, 'MD01', 'hard'],
      [false, 'AM04', 'soft'],
      [false, 'AC04', 'hard'],
    ]);
    expect(preview.lines[2]!.reason).toMatch(/^amount .* EUR differs from the debit's .* EUR$/);
    expect(preview.lines[3]!.reason).toBe('no debit or payment has reference NOT-OURS');
    expect(preview.lines[1]!.returnKey).toBe(`e2e:${main[1]!.endToEndId}:MD01`);
    expect(preview.totals).toEqual([
      { currency: 'EUR', count: 2, amountMinor: main[0]!.amountMinor + main[1]!.amountMinor },
    ]);
    expect(await same((db) => written(db.storage))).toEqual(before);
  });

  it('a failing import writes nothing: a notice applied before the batch is refused rolls back with it', async () => {
    const parsed = { ...nocParsed(), items: [] as ParsedReturns['items'] };
    parsed.items.push({
      ref: { endToEndId: main[3]!.endToEndId },
      amountMinor: null,
      currency: null,
      kind: 'return',
      code: 'AC04',
    });
    const source: ReturnsSource = { format: 'nacha', sha256: 'failing', fileName: 'failing.ach' };
    // SEPA switched off: the return batch is refused after the notice changed the mandate.
    await same((db) =>
      db.storage.transaction((tx) =>
        tx.run(sql`UPDATE pay_type_settings SET enabled = 0 WHERE pay_type = ${PAY_TYPE.sepa}`),
      ),
    );
    const error = await refused((db) => importReturns(db.storage, parsed, source, NOW, clerk));
    expect(error).toMatchObject({ code: 'validation' });
    await same((db) =>
      db.storage.transaction((tx) =>
        tx.run(sql`UPDATE pay_type_settings SET enabled = 1 WHERE pay_type = ${PAY_TYPE.sepa}`),
      ),
    );
    // A bounce with a code nobody configured, and of a payment that cannot be returned, are refused alike.
    expect(
      await refused((db) =>
        bouncePayment(db.storage, { paymentId: bounced.paymentId, code: 'NOPE' }, NOW, clerk),
      ),
    ).toMatchObject({ message: expect.stringMatching(/not configured/) });
    expect(
      await refused((db) => bouncePayment(db.storage, { paymentId: 999_999, code: 'NSF' }, NOW, clerk)),
    ).toMatchObject({ rule: 'not-returnable' });
  });

  it('imports a returns file and a notification of change alike: batches, entries, returns, mandate, audit', async () => {
    const imported = await same(async (db) => {
      const { parsed, source } = await readReturnsFile(
        db.storage,
        content(mainFile(), 'rej.csv'),
        who(),
        'returns:import',
      );
      return importReturns(db.storage, parsed, source, NOW, clerk);
    });
    expect(imported.rows).toBe(2);
    expect(imported.batches).toHaveLength(1);
    expect(imported.batch).toMatchObject({
      batchType: 'reversal',
      currency: 'EUR',
      status: 'open',
      sourceFile: 'rej.csv',
    });
    const notice = await same((db) =>
      importReturns(
        db.storage,
        nocParsed(),
        { format: 'nacha', sha256: 'noc', fileName: 'noc.ach' },
        NOW,
        clerk,
      ),
    );
    expect(notice.batch).toBeNull();
    expect(notice.changes[0]).toMatchObject({ applied: true, mandateId: noc.mandateId, code: 'C03' });
    const rows = await same((db) => written(db.storage));
    expect(rows.returns).toHaveLength(2);
    expect(rows.files).toHaveLength(2);
    expect(rows.events.filter((e) => (e as { kind: string }).kind === 'change-notice')).toEqual([
      expect.objectContaining({ mandateId: noc.mandateId, code: 'C03', operatorId: clerk }),
    ]);
    expect(rows.mandates.find((m) => (m as { id: number }).id === noc.mandateId)).toMatchObject({
      routingNo: '021000021',
      accountNo: '99887766',
      version: 2,
    });
    expect(rows.journals).toEqual({ n: expect.any(Number) });
  });

  it('refuses the same file imported again, also as a copy with CRLF line endings, and writes nothing', async () => {
    for (const eol of ['\n', '\r\n']) {
      const error = await refused(async (db) => {
        const text = mainFile().replace(/\n/g, eol);
        const { parsed, source } = await readReturnsFile(
          db.storage,
          content(text, 'copy.csv'),
          who(),
          'returns:import',
        );
        return importReturns(db.storage, parsed, source, NOW, clerk);
      });
      expect(error).toMatchObject({ rule: 'already-imported' });
    }
  });

  it('one file imported by two clerks at once (one a CRLF copy): imported once, the other refused as today', async () => {
    const text = rejectionFile(
      twice.map((d) => ({ reference: d.endToEndId, amountMinor: d.amountMinor, code: 'AM04' })),
    );
    const outcomes = await same(async (db) => {
      const race = racing(db.storage, 2);
      const files = [content(text, 'twice.csv'), content(text.replace(/\n/g, '\r\n'), 'twice-crlf.csv')];
      const sources = await Promise.all(
        files.map((f) => readReturnsFile(db.storage, f, who(), 'returns:import')),
      );
      const answers = await Promise.all(
        sources.map(({ parsed, source }) => answer(importReturns(race.storage, parsed, source, NOW, clerk))),
      );
      const rows = await db.storage.transaction(
        (tx) =>
          tx.all(
            sql`SELECT br.payment_id AS "paymentId", count(*) AS n FROM bank_returns br
                WHERE br.source_sha256 IS NOT NULL AND br.payment_id IN (${twice[0]!.paymentId}, ${twice[1]!.paymentId})
                GROUP BY br.payment_id ORDER BY br.payment_id`,
          ),
        { readOnly: true },
      );
      return { outcomes: answers.map(outcome).sort(), rows };
    });
    expect(outcomes.outcomes).toEqual(['already-imported', 'imported 2']);
    expect(outcomes.rows).toEqual(
      twice.map((d) => ({ paymentId: d.paymentId, n: 1 })).sort((a, b) => a.paymentId - b.paymentId),
    );
  });

  it('one notification of change imported twice at once: the mandate corrected once, the other refused', async () => {
    const ended = await same(async (db) => {
      const race = racing(db.storage, 2);
      const source: ReturnsSource = { format: 'nacha', sha256: 'noc-twice', fileName: 'noc2.ach' };
      const answers = await Promise.all(
        [0, 1].map(() => answer(importReturns(race.storage, nocParsed(noc2), source, NOW, clerk))),
      );
      const state = await db.storage.transaction(
        async (tx) => ({
          version: await tx.get(sql`SELECT version FROM mandates WHERE id = ${noc2.mandateId}`),
          events: await tx.get(
            sql`SELECT count(*) AS n FROM mandate_events WHERE mandate_id = ${noc2.mandateId} AND kind = 'change-notice'`,
          ),
        }),
        { readOnly: true },
      );
      return {
        outcomes: answers
          .map((a) =>
            'error' in a
              ? ((a.error as { rule?: string }).rule ?? a.error.code)
              : `applied ${(a.value as ReturnsImportDto).changes.filter((c) => c.applied).length}`,
          )
          .sort(),
        state,
      };
    });
    expect(ended).toEqual({
      outcomes: ['already-imported', 'applied 1'],
      state: { version: { version: 2 }, events: { n: 1 } },
    });
  });

  it('a bounce racing an import of a file returning the same payment: both recorded as one after the other, reversed once', async () => {
    const text = rejectionFile([
      { reference: bounced.endToEndId, amountMinor: bounced.amountMinor, code: 'AM04' },
    ]);
    const ended = await same(async (db) => {
      const race = racing(db.storage, 2);
      const { parsed, source } = await readReturnsFile(
        db.storage,
        content(text, 'b.csv'),
        who(),
        'returns:import',
      );
      const answers = await Promise.all([
        answer(importReturns(race.storage, parsed, source, NOW, clerk)),
        answer(bouncePayment(race.storage, { paymentId: bounced.paymentId, code: 'NSF' }, NOW, clerk)),
      ]);
      const keys = await db.storage.transaction(
        (tx) =>
          tx.all<{ k: string }>(
            sql`SELECT return_key AS k FROM bank_returns WHERE payment_id = ${bounced.paymentId} ORDER BY return_key`,
          ),
        { readOnly: true },
      );
      return { outcomes: answers.map(outcome), keys: keys.map((r) => r.k) };
    });
    expect(ended.outcomes).toEqual(['imported 1', 'imported 1']);
    expect(ended.keys).toEqual([
      `e2e:${bounced.endToEndId}:AM04`,
      `payment:${bounced.paymentId}:bounced:NSF`,
    ]);
    // Submitting both return batches (on the driver, SQLite) reverses the payment once: the second is refused.
    const batches = app.ctx.ledger.sqlite
      .prepare(`SELECT DISTINCT batch_id AS b FROM bank_returns WHERE payment_id = ? ORDER BY batch_id`)
      .pluck()
      .all(bounced.paymentId) as number[];
    expect(batches).toHaveLength(2);
    const db = app.ctx.ledger.sqlite;
    for (const b of batches) validateBatch(db, b, NOW, clerk);
    expect(submitBatch(db, { batchId: batches[0]! }, NOW, clerk).reversed).toBe(1);
    validateBatch(db, batches[1]!, NOW, clerk);
    expect(() => submitBatch(db, { batchId: batches[1]! }, NOW, clerk)).toThrow(/invalid/);
    expect(db.prepare('SELECT problem FROM batch_entries WHERE batch_id = ?').pluck().get(batches[1])).toBe(
      `payment ${bounced.paymentId} is already reversed`,
    );
    expect(
      db.prepare('SELECT count(*) FROM reversals WHERE payment_id = ?').pluck().get(bounced.paymentId),
    ).toBe(1);
  });

  it('a bounce racing an allocation undo of that payment: both apply, as one after the other', async () => {
    const ended = await same(async (db) => {
      const race = racing(db.storage, 2);
      const answers = await Promise.all([
        answer(bouncePayment(race.storage, { paymentId: undone.paymentId, code: 'NSF' }, NOW, clerk)),
        answer(
          undoAllocation(race.storage, { paymentId: undone.paymentId, reasonCode: UNDO_REASON }, NOW, clerk),
        ),
      ]);
      const state = await db.storage.transaction(
        async (tx) => ({
          returns: await tx.all(
            sql`SELECT return_key AS k, status FROM bank_returns WHERE payment_id = ${undone.paymentId}`,
          ),
          allocated: await tx.get(
            sql`SELECT coalesce(sum(amount_minor), 0) AS a FROM allocations WHERE payment_id = ${undone.paymentId}`,
          ),
          due: await tx.get(sql`SELECT amount_due_minor AS d FROM bills WHERE id = ${undone.billId}`),
        }),
        { readOnly: true },
      );
      return {
        bounce: outcome(answers[0]),
        undo:
          'error' in answers[1] ? answers[1].error.code : (answers[1].value as { outcome: string }).outcome,
        state,
      };
    });
    expect(ended).toMatchObject({
      bounce: 'imported 1',
      undo: 'undone',
      state: {
        returns: [{ k: `payment:${undone.paymentId}:bounced:NSF`, status: 'pending' }],
        allocated: { a: 0 },
        due: { d: undone.dueBeforeMinor },
      },
    });
    const batch = app.ctx.ledger.sqlite
      .prepare('SELECT batch_id FROM bank_returns WHERE payment_id = ?')
      .pluck()
      .get(undone.paymentId) as number;
    validateBatch(app.ctx.ledger.sqlite, batch, NOW, clerk);
    expect(submitBatch(app.ctx.ledger.sqlite, { batchId: batch }, NOW, clerk).reversed).toBe(1);
  });
});
