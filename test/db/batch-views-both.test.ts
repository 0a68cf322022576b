import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalInsertQuery } from '../../db/repos/approvals';
import type { Dialect, Storage } from '../../db/storage/port';
import type { App } from '../../src-main/app-context';
import { exportBatchFile, exportBatchFileVia } from '../../src-main/services/batches/batch-file';
import { markPushed } from '../../src-main/services/batches/push';
import { batchReport } from '../../src-main/services/batches/report';
import { undoPreview, undoPreviewVia } from '../../src-main/services/batches/undo';
import { alikeOn, answer, type Answer } from '../helpers/alike';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { racing } from '../helpers/racing';
import { buildReportScenario, type ReportScenario } from '../helpers/reports-scenario';
import { freshPostgres, STORAGES } from '../helpers/storages';

// Issue #17: the batch report, the hand-over file export, the undo preview and the push mark run through the storage
// port. On a worked ledger built by the services on SQLite (a deposit with a split-off exception batch, an entry
// posted to suspense and removed, a payment reversed, an open batch, a EUR cash batch) and copied to PostgreSQL, the
// report's figures and CSV, the hand-over file (byte for byte) and the undo preview are alike on both, and alike with
// what the driver forms (still used by a batch import and by the undo itself) make. Marks of one batch racing end as
// one after another: marked and audited once.

const NOW = new Date('2026-11-22T09:00:00Z');
const SERVER = 'https://team.example:8443/paydesk';

type Db = { dialect: Dialect; storage: Storage };

/** What these commands can write: push marks and the audit trail. */
function written(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      pushes: await tx.all(
        sql`SELECT batch_id AS "batchId", server_url AS "serverUrl", server_batch_id AS "serverBatchId",
              server_batch_no AS "serverBatchNo", pushed_at AS "pushedAt", operator_id AS "operatorId"
            FROM batch_pushes ORDER BY batch_id`,
      ),
      batches: await tx.all(sql`SELECT id, status, updated_at AS "updatedAt" FROM batches ORDER BY id`),
      audit: await tx.all(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** What a raced mark ended as: marked, answered the first mark, or the rule it was refused by. */
const outcome = (a: Answer): string =>
  'error' in a
    ? ((a.error as { rule?: string }).rule ?? a.error.code)
    : (a.value as { marked: boolean }).marked
      ? 'marked'
      : 'already';

describe('batch report, export, undo preview and push mark on both databases', () => {
  const dbs: Db[] = [];
  let scenario: ReportScenario;
  let app: App;
  let disposePg: (() => Promise<void>) | undefined;
  /** Every batch of the scenario, the reversal batch included. */
  let batchIds: number[];
  let operator: number;

  beforeAll(async () => {
    scenario = await buildReportScenario();
    app = scenario.open(NOW.toISOString());
    operator = app.ctx.operator.id;
    batchIds = (
      app.ctx.ledger.sqlite.prepare('SELECT id FROM batches ORDER BY id').all() as { id: number }[]
    ).map((b) => b.id);
    dbs.push({ dialect: 'sqlite', storage: app.ctx.storage });
    if (STORAGES[1]!.available) {
      const pg = await freshPostgres();
      disposePg = pg.dispose;
      await copyToPostgres(app.ctx.ledger.sqlite, pg.storage);
      dbs.push({ dialect: 'postgres', storage: pg.storage });
    }
  }, 240_000);
  afterAll(async () => {
    await disposePg?.();
    app?.close();
    scenario?.cleanup();
  });

  const { same, refused } = alikeOn(dbs, written);

  it('reports every batch alike: figures per status, the suspended and exception lists, exception batches, CSV', async () => {
    const reports = await same(async ({ storage }) => {
      const out = [];
      for (const batchId of batchIds)
        out.push(await batchReport(storage, { batchId, csv: true, pdf: false }, NOW));
      return out;
    });
    const b1 = reports.find((r) => r.batch.id === scenario.b1)!;
    expect(b1.postedToAccounts).toEqual({ count: 3, totalMinor: 6000 });
    expect(b1.postedToSuspense).toEqual({ count: 1, totalMinor: 1500 });
    expect(b1.suspended.total).toBe(1);
    expect(b1.suspended.rows[0]).toMatchObject({ seq: 3, accountNo: 'NOBODY-1', amountMinor: 1500 });
    expect(b1.suspended.rows[0]!.reasonLabel).toEqual(expect.any(String));
    expect(b1.exceptionBatches).toEqual([
      { id: scenario.b1Exception, batchNo: expect.any(String), status: 'open', entries: 1, totalMinor: 1200 },
    ]);
    const exception = reports.find((r) => r.batch.id === scenario.b1Exception)!;
    expect(exception.exceptions).toMatchObject({ total: 1, totalMinor: 1200 });
    expect(exception.exceptions.rows[0]!.problem).toMatch(/^paymentDate: /);
    expect(b1.csv).toContain('\r\nsuspended,#3,,15.00,USD,NOBODY-1,');
    // The PDF is made from the same figures after the snapshot (its bytes carry the moment it was made).
    const pdf = await batchReport(dbs.at(-1)!.storage, { batchId: scenario.b1, csv: false, pdf: true }, NOW);
    expect(Buffer.from(pdf.pdfBase64!, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    await refused(({ storage }) => batchReport(storage, { batchId: 9999, csv: true, pdf: false }, NOW));
  });

  it('exports every hand-over file alike byte for byte, and as the driver form a batch import compares with', async () => {
    const files = await same(async ({ storage }) => {
      const out: string[] = [];
      for (const batchId of batchIds) out.push(JSON.stringify(await exportBatchFileVia(storage, batchId)));
      return out;
    });
    expect(files).toEqual(batchIds.map((id) => JSON.stringify(exportBatchFile(app.ctx.ledger.sqlite, id))));
    const b3 = JSON.parse(files[batchIds.indexOf(scenario.b3)]!) as {
      batch: { controlCount: number; controlTotal: string; lockboxNo: string };
      entries: { amount: string }[];
    };
    expect(b3.batch).toMatchObject({ controlCount: 3, controlTotal: '50.00', lockboxNo: 'LB1' });
    expect(b3.entries.map((e) => e.amount)).toEqual(['20.00', '5.00']);
    const error = await refused(({ storage }) => exportBatchFileVia(storage, 9999));
    expect(error).toMatchObject({ code: 'not_found' });
  });

  it('previews an undo alike (and as the undo itself reads it), with the approval a reversal waits for', async () => {
    const previews = () =>
      same(async ({ storage }) => {
        const out = [];
        for (const batchId of batchIds) out.push(await answer(undoPreviewVia(storage, batchId, NOW)));
        return out;
      });
    const first = await previews();
    expect(first).toEqual(batchIds.map((id) => ({ value: undoPreview(app.ctx.ledger.sqlite, id, NOW) })));
    const b1 = (first[batchIds.indexOf(scenario.b1)] as { value: ReturnType<typeof undoPreview> }).value;
    expect(b1.entries.map((e) => [e.seq, e.action])).toEqual([
      [1, 'reverse'],
      [2, 'skip'],
      // Posted to suspense, then removed as unallocatable: reversed, nothing moved on from it.
      [3, 'skip'],
      [4, 'reverse'],
    ]);
    expect(b1.reversal).toBeNull();
    const b3 = (first[batchIds.indexOf(scenario.b3)] as { value: ReturnType<typeof undoPreview> }).value;
    expect(b3.canUndo).toBe(false);

    // An undo's reversal batch waiting for a submit approval (an encrypted approval and an expired one beside it).
    const b1No = b1.batch.batchNo;
    await same(({ storage }) =>
      storage.transaction(async (tx) => {
        const row = await tx.get<{ id: number }>(
          sql`INSERT INTO batches (batch_no, batch_type, pay_type, currency, channel_id, allocation_level, status,
                batch_date, created_at, updated_at)
              VALUES (${`${b1No}-U1`}, 'reversal', 10012, 'USD', 0, 'bill', 'validated', '2026-11-22', ${NOW.toISOString()},
                ${NOW.toISOString()})
              RETURNING id`,
        );
        const approval = (inputJson: string, expiresAt: string) =>
          tx.get<{ id: number }>(
            approvalInsertQuery({
              operation: 'batches:reversal',
              command: 'batches:submit',
              inputJson,
              payloadHash: 'h',
              amountsJson: '[]',
              description: 'submit',
              requirement: 'four_eyes',
              role: null,
              preparedBy: operator,
              preparedRoles: 'clerk',
              createdAt: NOW.toISOString(),
              expiresAt,
            }),
          );
        const waiting = await approval(JSON.stringify({ batchId: row!.id }), '2026-11-23T09:00:00.000Z');
        await approval('enc:AAAA', '2026-11-23T09:00:00.000Z');
        await approval(JSON.stringify({ batchId: row!.id }), '2026-11-21T09:00:00.000Z');
        return [row!.id, waiting!.id];
      }),
    );
    const second = await previews();
    const waiting = (second[batchIds.indexOf(scenario.b1)] as { value: ReturnType<typeof undoPreview> })
      .value;
    expect(waiting.reversal).toMatchObject({ batchNo: `${b1No}-U1`, status: 'validated' });
    expect(waiting.reversal!.pendingApprovalId).toEqual(expect.any(Number));
    expect(waiting.reversalBatchNo).toBe(`${b1No}-U1`);
    expect(second).toEqual(batchIds.map((id) => ({ value: undoPreview(app.ctx.ledger.sqlite, id, NOW) })));
    await refused(({ storage }) => undoPreviewVia(storage, 9999, NOW));
  });

  it('marks a batch pushed once when four marks race, answering the others the first mark', async () => {
    const results = await same(async ({ storage }) => {
      const race = racing(storage, 4, { holdAt: 3 });
      const answers = await Promise.all(
        [1, 2, 3, 4].map(() =>
          answer(
            markPushed(
              race.storage,
              { batchId: scenario.b3, serverUrl: SERVER, serverBatchId: 41, serverBatchNo: 'S-41' },
              NOW,
              operator,
            ),
          ),
        ),
      );
      return answers.map(outcome).sort();
    });
    expect(results).toEqual(['already', 'already', 'already', 'marked']);
    const rows = await same(async ({ storage }) => written(storage));
    expect(rows.pushes).toEqual([
      {
        batchId: scenario.b3,
        serverUrl: 'https://team.example:8443',
        serverBatchId: 41,
        serverBatchNo: 'S-41',
        pushedAt: NOW.toISOString(),
        operatorId: operator,
      },
    ]);
    expect(rows.audit.filter((a) => (a as { action: string }).action === 'batch.pushed')).toHaveLength(1);
    // Marked again with the same server batch: the first mark, nothing written; with another: refused.
    await same(async ({ storage }) => {
      const before = await written(storage);
      const again = await markPushed(
        storage,
        { batchId: scenario.b3, serverUrl: SERVER, serverBatchId: 41, serverBatchNo: 'S-41' },
        NOW,
        operator,
      );
      expect(await written(storage)).toEqual(before);
      return again;
    });
    const other = await refused(({ storage }) =>
      markPushed(
        storage,
        { batchId: scenario.b3, serverUrl: SERVER, serverBatchId: 42, serverBatchNo: 'S-42' },
        NOW,
        operator,
      ),
    );
    expect(other).toMatchObject({ code: 'conflict', rule: 'batch-pushed' });
  });

  it('marks once when marks naming different server batches race: the others are refused batch-pushed', async () => {
    const results = await same(async ({ storage }) => {
      const race = racing(storage, 3, { holdAt: 3 });
      const answers = await Promise.all(
        [51, 52, 53].map((serverBatchId) =>
          answer(
            markPushed(
              race.storage,
              {
                batchId: scenario.b1Exception,
                serverUrl: SERVER,
                serverBatchId,
                serverBatchNo: `S-${serverBatchId}`,
              },
              NOW,
              operator,
            ),
          ),
        ),
      );
      return answers.map(outcome).sort();
    });
    expect(results).toEqual(['batch-pushed', 'batch-pushed', 'marked']);
    const rows = await same(async ({ storage }) => (await written(storage)).audit.length);
    expect(rows).toBeGreaterThan(0);
    // A submitted batch is not marked (it posted here), and a missing one is not found: nothing written.
    expect(
      await refused(({ storage }) =>
        markPushed(
          storage,
          { batchId: scenario.b2, serverUrl: SERVER, serverBatchId: 60, serverBatchNo: 'S-60' },
          NOW,
          operator,
        ),
      ),
    ).toMatchObject({ rule: 'batch-submitted' });
    await refused(({ storage }) =>
      markPushed(
        storage,
        { batchId: 9999, serverUrl: SERVER, serverBatchId: 61, serverBatchNo: 'S-61' },
        NOW,
        operator,
      ),
    );
  });
});
