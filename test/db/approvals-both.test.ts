import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalInsertQuery } from '../../db/repos/approvals';
import { appendAudit } from '../../db/repos/audit';
import type { Storage } from '../../db/storage/port';
import { AppFailure } from '../../src-main/ledger/errors';
import { encryptSecret, secretKey } from '../../src-main/processors/secrets';
import {
  bindExecutor,
  confirmApproval,
  getApproval,
  listApprovals,
  preparedApproval,
  stopForApproval,
  rejectApproval,
  type ApprovalsCtx,
  type Executor,
} from '../../src-main/services/approvals/approvals';
import { measureWithoutLedger } from '../../src-main/services/approvals/measure';
import { listPoliciesOf, savePolicy } from '../../src-main/services/approvals/policies';
import { totpCode } from '../../src-main/services/identity/totp';
import { commandInputs } from '../../src-shared/api/inputs';
import type { Result } from '../../src-shared/api/result';
import type { ApprovalDto, PolicyDto } from '../../src-shared/dto/approvals';
import { alikeOn, answer, failure, type OnDatabase } from '../helpers/alike';
import { addOperators, STORAGES } from '../helpers/storages';
import { racing } from '../helpers/racing';

// Issue #17: the four-eyes and second-factor approvals of issue #12 run through the storage port. Listing, showing,
// rejecting and confirming answer alike on SQLite and PostgreSQL and write the same approval, audit and policy rows;
// a refused confirmation records the same attempt and audit row on both and runs nothing. The approved command is a
// policy change (policies:save, itself on the port), executed through a bound executor that calls savePolicy as
// the preparer, so what an approval runs is written on the database under test. Exactly once: approvers confirming
// one approval at once run it once, and a confirmation racing a rejection leaves one decision, on both databases.

const START = new Date('2026-12-10T09:00:00Z');
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const KEY_FILE = ':memory:';

const OPERATORS = {
  lead: ['clerk', 'admin'],
  sue: ['supervisor'],
  max: ['supervisor'],
  kim: ['clerk'],
} as const;
type Login = keyof typeof OPERATORS;

type Db = OnDatabase & {
  ids: Record<Login, number>;
  /** Every run of an approved command on this database. */
  runs: { command: string; by: string }[];
  execute: Executor;
  as: (login: Login) => ApprovalsCtx;
};

let now = START;

/** What approvals may write: approvals, the audit trail, the policy table, the spent TOTP steps. */
function written(storage: Storage): Promise<Record<string, unknown[]>> {
  return storage.transaction(
    async (tx) => ({
      approvals: await tx.all(
        sql`SELECT id, operation, command, input_json, payload_hash, amounts_json, description, requirement, role,
                   status, prepared_by, prepared_roles, created_at, expires_at, attempts, decided_by, decided_at,
                   reason, outcome FROM approvals ORDER BY id`,
      ),
      audit: await tx.all(
        sql`SELECT id, at, operator_id, action, entity, entity_id, before, after FROM audit_log ORDER BY id`,
      ),
      policies: await tx.all(
        sql`SELECT id, operation, currency, above, requirement, role, updated_by, updated_at
            FROM approval_policies ORDER BY id`,
      ),
      steps: await tx.all(sql`SELECT id, totp_last_step FROM operators ORDER BY id`),
    }),
    { readOnly: true },
  );
}

/** Runs an approved policies:save on storage as the preparer (savePolicy, on the port), recording the run. */
function executorOn(storage: Storage, runs: Db['runs']): Executor {
  return async (client, command, input): Promise<Result<unknown>> => {
    const by = client.principal!.operator;
    runs.push({ command, by: by.login });
    // A batch submit is only recorded: what these tests check is the confirm's measure of the batch before it.
    if (command === 'batches:submit') return { ok: true, value: { submitted: input } };
    if (command !== 'policies:save')
      return { ok: false, error: { code: 'conflict', message: `${command} is not run here`, rule: 'test' } };
    try {
      return {
        ok: true,
        value: await savePolicy(storage, commandInputs['policies:save'].parse(input), now, by.id),
      };
    } catch (err) {
      if (err instanceof AppFailure) return { ok: false, error: err.error };
      throw err;
    }
  };
}

/** An operator's context on a storage, bound to an executor. */
function contextOf(
  storage: Storage,
  ids: Record<Login, number>,
  login: Login,
  execute: Executor,
): ApprovalsCtx {
  const ctx: ApprovalsCtx = {
    storage,
    clock: () => now,
    operator: { id: ids[login], login, name: login, roles: [...OPERATORS[login]] },
    ledger: { file: KEY_FILE },
  };
  bindExecutor(ctx, execute);
  return ctx;
}

/** Stores a policy change stopped for approval, as the guard does (the same row and audit), answering its id. */
async function stop(
  ctx: ApprovalsCtx,
  raw: Record<string, unknown>,
  needed: { requirement: 'four_eyes' | 'second_factor'; role: string | null },
): Promise<number> {
  const parsed = commandInputs['policies:save'].parse(raw) as Record<string, unknown>;
  const m = measureWithoutLedger('policies:save', parsed)!;
  const p = preparedApproval(
    ctx,
    { command: 'policies:save', parsed, raw, m, operation: 'policies:save', needed },
    now,
    240,
  );
  return ctx.storage.transaction(async (tx) => {
    const id = (await tx.get<{ id: number }>(approvalInsertQuery(p.row)))!.id;
    await appendAudit(tx, p.audit(id));
    return id;
  });
}

/**
 * Sends a refund batch's submit through the guard's port form (stopForApproval: measured on the port, as a confirm
 * re-measures it), answering the pending approval's id.
 */
async function stopSubmit(ctx: ApprovalsCtx, batchId: number): Promise<number> {
  const raw = { batchId };
  const parsed = commandInputs['batches:submit'].parse(raw) as Record<string, unknown>;
  const stopped = await stopForApproval(ctx, 'batches:submit', parsed, raw, now);
  expect(stopped).toMatchObject({ requirement: 'four_eyes', role: 'supervisor' });
  return stopped!.id;
}

async function refundBatch(storage: Storage, batchNo: string, by: number): Promise<number> {
  return storage.transaction(async (tx) => {
    const at = now.toISOString();
    const b = (await tx.get<{ id: number }>(
      sql`INSERT INTO batches (batch_no, batch_type, pay_type, currency, allocation_level, status, batch_date,
                               created_at, updated_at, created_by)
          VALUES (${batchNo}, 'refund', 10012, 'USD', 'bill', 'validated', '2026-12-10', ${at}, ${at}, ${by})
          RETURNING id`,
    ))!;
    for (const [i, amount] of [15000, 2550].entries())
      await tx.run(
        sql`INSERT INTO batch_entries (batch_id, seq, entry_key, account_no, amount_minor, status)
            VALUES (${b.id}, ${i + 1}, ${`${batchNo}-${i}`}, ${`A-${i}`}, ${amount}, 'valid')`,
      );
    return b.id;
  });
}

const fourEyes = { requirement: 'four_eyes', role: 'supervisor' } as const;
const change = (operation: string) => ({ operation, requirement: 'second_factor' });

describe.runIf(STORAGES[1]!.available)('approvals on both databases', () => {
  const dbs: Db[] = [];
  const disposers: (() => Promise<void>)[] = [];
  const alike = alikeOn(dbs, written);
  /** The same call on each database: the same answer (or refusal) and the same rows written. */
  const same = async (fn: (db: Db) => Promise<unknown>): Promise<unknown> => {
    const out = await alike.same((db) => answer(fn(db)));
    const rows = await Promise.all(dbs.map((db) => written(db.storage)));
    for (const [i, r] of rows.entries()) expect(r, dbs[i]!.dialect).toEqual(rows[0]);
    return out;
  };
  const value = <T>(a: unknown): T => {
    expect(a).toHaveProperty('value');
    return (a as { value: T }).value;
  };
  const runsOf = (): number[] => dbs.map((db) => db.runs.length);

  beforeAll(async () => {
    for (const row of STORAGES) {
      const { storage, dispose } = await row.open();
      disposers.push(dispose);
      const ids = await addOperators(storage, OPERATORS, START);
      const runs: Db['runs'] = [];
      const execute = executorOn(storage, runs);
      const made = new Map<Login, ApprovalsCtx>();
      const as = (login: Login): ApprovalsCtx => {
        if (!made.has(login)) made.set(login, contextOf(storage, ids, login, execute));
        return made.get(login)!;
      };
      dbs.push({ dialect: row.dialect, storage, ids, runs, execute, as });
    }
    // The preparer's second factor: one TOTP secret, sealed with the key the contexts name.
    for (const db of dbs)
      await db.storage.transaction((tx) =>
        tx.run(
          sql`UPDATE operators SET totp_secret = ${encryptSecret(secretKey(KEY_FILE), SECRET)}, totp_enabled = 1
              WHERE login = 'lead'`,
        ),
      );
  }, 60_000);
  afterAll(async () => {
    for (const d of disposers) await d();
  });

  it('lists, shows, rejects, withdraws and confirms alike; the confirmed change runs once, as the preparer', async () => {
    now = START;
    for (const op of ['suspense:remove', 'suspense:recycle', 'collect:refund'])
      await same((db) => stop(db.as('lead'), change(op), fourEyes));
    const pending = value<{ rows: ApprovalDto[] }>(
      await same((db) => listApprovals(db.as('sue'), { status: 'pending', mine: false, limit: 10 })),
    );
    expect(pending.rows.map((r) => r.id)).toEqual([3, 2, 1]);
    expect(pending.rows[2]).toMatchObject({
      operation: 'policies:save',
      command: 'policies:save',
      input: { operation: 'suspense:remove', requirement: 'second_factor' },
      requirement: 'four_eyes',
      role: 'supervisor',
      status: 'pending',
      preparedBy: 'lead',
      attempts: 0,
      maxAttempts: 3,
      amounts: [],
    });
    expect(
      value<{ rows: ApprovalDto[] }>(
        await same((db) => listApprovals(db.as('sue'), { mine: true, limit: 10 })),
      ).rows,
    ).toEqual([]);
    expect(
      value<{ rows: ApprovalDto[] }>(
        await same((db) => listApprovals(db.as('lead'), { mine: true, limit: 2 })),
      ).rows.length,
    ).toBe(2);
    expect(value<ApprovalDto>(await same((db) => getApproval(db.as('kim'), 1)))).toEqual(pending.rows[2]);

    expect(
      value<ApprovalDto>(
        await same((db) => rejectApproval(db.as('sue'), { approvalId: 2, reason: 'not now' })),
      ),
    ).toMatchObject({ status: 'rejected', reason: 'not now', decidedBy: 'sue' });
    expect(
      value<ApprovalDto>(
        await same((db) => rejectApproval(db.as('lead'), { approvalId: 3, reason: 'typo' })),
      ),
    ).toMatchObject({ status: 'rejected', decidedBy: 'lead' });

    const done = value<ApprovalDto>(await same((db) => confirmApproval(db.as('sue'), { approvalId: 1 })));
    expect(done).toMatchObject({ status: 'executed', decidedBy: 'sue', attempts: 0 });
    expect(done.outcome).toMatchObject({
      operation: 'suspense:remove',
      requirement: 'second_factor',
      source: 'saved',
    });
    for (const db of dbs) expect(db.runs, db.dialect).toEqual([{ command: 'policies:save', by: 'lead' }]);
    const policies = value<PolicyDto[]>(await same((db) => listPoliciesOf(db.storage)));
    expect(policies.find((p) => p.operation === 'suspense:remove')).toMatchObject({
      requirement: 'second_factor',
      updatedBy: 'lead',
    });
    const actions = ((await written(dbs[0]!.storage)).audit as { action: string }[]).map((a) => a.action);
    expect(actions).toEqual([
      'approval.prepare',
      'approval.prepare',
      'approval.prepare',
      'approval.reject',
      'approval.withdraw',
      'approval.approve',
      'policy.save',
      'approval.execute',
    ]);
  });

  it('refuses alike: own request, missing role, decided, unknown; counts attempts and closes after the last', async () => {
    now = START;
    const id = (await same((db) => stop(db.as('lead'), change('batches:reversal'), fourEyes))) as {
      value: number;
    };
    const approvalId = id.value;
    const runs = runsOf();
    const own = (await same((db) => failure(confirmApproval(db.as('lead'), { approvalId })))) as {
      value: unknown;
    };
    expect(own.value).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('never approves their own'),
    });
    expect(
      ((await same((db) => failure(confirmApproval(db.as('kim'), { approvalId })))) as { value: unknown })
        .value,
    ).toMatchObject({
      code: 'forbidden',
      message: `approval #${approvalId} needs a supervisor: kim is not one`,
    });
    expect(
      (
        (await same((db) => failure(rejectApproval(db.as('kim'), { approvalId, reason: 'no' })))) as {
          value: unknown;
        }
      ).value,
    ).toMatchObject({ code: 'forbidden' });
    expect(value<ApprovalDto>(await same((db) => getApproval(db.as('sue'), approvalId)))).toMatchObject({
      status: 'pending',
      attempts: 2,
    });
    // The third failed attempt closes it.
    await same((db) => failure(confirmApproval(db.as('kim'), { approvalId })));
    const closed = value<ApprovalDto>(await same((db) => getApproval(db.as('sue'), approvalId)));
    expect(closed).toMatchObject({ status: 'rejected', attempts: 3 });
    expect(closed.reason).toContain('too many failed attempts (3)');
    expect(
      ((await same((db) => failure(confirmApproval(db.as('sue'), { approvalId })))) as { value: unknown })
        .value,
    ).toMatchObject({ code: 'conflict', rule: 'approval-not-pending' });
    expect(runsOf()).toEqual(runs);
    const refusals = (
      (await written(dbs[0]!.storage)).audit as { action: string; entity_id: string }[]
    ).filter((a) => a.entity_id === String(approvalId));
    expect(refusals.map((a) => a.action)).toEqual([
      'approval.prepare',
      'approval.refuse',
      'approval.refuse',
      'approval.refuse',
      'approval.refuse',
      'approval.refuse',
    ]);
    // An unknown approval is refused with nothing written at all.
    expect(await alike.refused((db) => confirmApproval(db.as('sue'), { approvalId: 999 }))).toMatchObject({
      code: 'not_found',
    });
    expect(
      await alike.refused((db) => rejectApproval(db.as('sue'), { approvalId: 999, reason: 'x' })),
    ).toMatchObject({ code: 'not_found' });
  });

  it('expires alike: a late confirmation is refused, a listing marks what is due', async () => {
    now = START;
    const a = value<number>(await same((db) => stop(db.as('lead'), change('operators'), fourEyes)));
    const b = value<number>(await same((db) => stop(db.as('lead'), change('creditors:save'), fourEyes)));
    now = new Date(START.getTime() + 241 * 60_000);
    expect(
      ((await same((db) => failure(confirmApproval(db.as('sue'), { approvalId: a })))) as { value: unknown })
        .value,
    ).toMatchObject({ code: 'conflict', rule: 'approval-expired' });
    expect(value<ApprovalDto>(await same((db) => getApproval(db.as('sue'), b))).status).toBe('pending');
    const listed = value<{ rows: ApprovalDto[] }>(
      await same((db) => listApprovals(db.as('sue'), { status: 'expired', mine: false, limit: 10 })),
    );
    expect(listed.rows.map((r) => [r.id, r.reason])).toEqual([
      [b, 'expired before approval'],
      [a, expect.stringContaining('expired at')],
    ]);
    const audit = (await written(dbs[0]!.storage)).audit as { action: string; operator_id: number | null }[];
    expect(audit.at(-1)).toMatchObject({ action: 'approval.expire', operator_id: null });
    now = START;
  });

  it('re-checks the payload: a stored input that no longer hashes as prepared is rejected, nothing runs', async () => {
    now = START;
    const id = value<number>(await same((db) => stop(db.as('lead'), change('settings:save'), fourEyes)));
    const runs = runsOf();
    for (const db of dbs)
      await db.storage.transaction((tx) =>
        tx.run(
          sql`UPDATE approvals SET input_json = ${JSON.stringify({ operation: 'settings:save', requirement: 'none' })}
              WHERE id = ${id}`,
        ),
      );
    expect(
      ((await same((db) => failure(confirmApproval(db.as('sue'), { approvalId: id })))) as { value: unknown })
        .value,
    ).toMatchObject({ code: 'conflict', rule: 'approval-changed' });
    expect(value<ApprovalDto>(await same((db) => getApproval(db.as('sue'), id)))).toMatchObject({
      status: 'rejected',
      attempts: 1,
    });
    expect(runsOf()).toEqual(runs);
  });

  it('a second factor: only the preparer, with the code of now, which is spent once used', async () => {
    now = START;
    const sf = { requirement: 'second_factor', role: null } as const;
    const id = value<number>(await same((db) => stop(db.as('lead'), change('processors:save'), sf)));
    const other = value<number>(await same((db) => stop(db.as('lead'), change('batches:refund'), sf)));
    const code = totpCode(SECRET, now);
    expect(
      (
        (await same((db) => failure(confirmApproval(db.as('sue'), { approvalId: id, code })))) as {
          value: unknown;
        }
      ).value,
    ).toMatchObject({ code: 'forbidden' });
    expect(
      (
        (await same((db) => failure(confirmApproval(db.as('lead'), { approvalId: id })))) as {
          value: unknown;
        }
      ).value,
    ).toMatchObject({ code: 'validation' });
    const wrong = code === '000000' ? '000001' : '000000';
    expect(
      (
        (await same((db) => failure(confirmApproval(db.as('lead'), { approvalId: id, code: wrong })))) as {
          value: unknown;
        }
      ).value,
    ).toMatchObject({ code: 'forbidden', message: expect.stringContaining('wrong or has expired') });
    expect(
      value<ApprovalDto>(await same((db) => confirmApproval(db.as('lead'), { approvalId: id, code }))),
    ).toMatchObject({ status: 'executed', decidedBy: 'lead', attempts: 2 });
    // The same code again, for another approval: its step is spent.
    expect(
      (
        (await same((db) => failure(confirmApproval(db.as('lead'), { approvalId: other, code })))) as {
          value: unknown;
        }
      ).value,
    ).toMatchObject({ code: 'forbidden' });
    const steps = (await written(dbs[0]!.storage)).steps as { totp_last_step: number | null }[];
    expect(steps.filter((s) => s.totp_last_step !== null)).toHaveLength(1);
  });

  it('a refund batch: its approval measures the batch on both, runs once, and is refused when the batch changed', async () => {
    now = START;
    const batchIds = await Promise.all(dbs.map((db) => refundBatch(db.storage, 'RF-1', db.ids.lead)));
    expect(batchIds).toEqual(dbs.map(() => batchIds[0]));
    const batchId = batchIds[0]!;
    // 175.50 is under the built-in 1,000.00: the guard lets the submit run until a policy covers it.
    const parsed = commandInputs['batches:submit'].parse({ batchId }) as Record<string, unknown>;
    expect(
      await same((db) => stopForApproval(db.as('lead'), 'batches:submit', parsed, { batchId }, now)),
    ).toEqual({ value: null });
    const rule = {
      operation: 'batches:refund',
      currency: '*',
      above: '100.00',
      requirement: 'four_eyes',
    } as const;
    await same((db) => savePolicy(db.storage, { ...rule, role: 'supervisor' }, now, db.ids.sue));
    const id = value<number>(await same((db) => stopSubmit(db.as('lead'), batchId)));
    const shown = value<ApprovalDto>(await same((db) => getApproval(db.as('sue'), id)));
    expect(shown).toMatchObject({
      operation: 'batches:refund',
      command: 'batches:submit',
      amounts: [{ currency: 'USD', amountMinor: 17550 }],
      description: 'Submit refund batch RF-1: 2 entries (175.50 USD)',
    });
    const runs = runsOf();
    const done = value<ApprovalDto>(await same((db) => confirmApproval(db.as('sue'), { approvalId: id })));
    expect(done).toMatchObject({ status: 'executed', outcome: { submitted: { batchId } } });
    expect(runsOf()).toEqual(runs.map((n) => n + 1));
    // Prepared, then an entry's amount changes: what the approval acts on is no longer what was approved.
    const again = value<number>(await same((db) => stopSubmit(db.as('lead'), batchId)));
    for (const db of dbs)
      await db.storage.transaction((tx) =>
        tx.run(sql`UPDATE batch_entries SET amount_minor = 2551 WHERE entry_key = 'RF-1-1'`),
      );
    const refused = value<{ code: string; rule: string; message: string }>(
      await same((db) => failure(confirmApproval(db.as('sue'), { approvalId: again }))),
    );
    expect(refused).toMatchObject({ code: 'conflict', rule: 'approval-changed' });
    expect(refused.message).toContain('now 175.51 USD');
    expect(runsOf()).toEqual(runs.map((n) => n + 1));
  });

  it('four supervisors confirming one approval at once: it runs once, the others are told it is decided', async () => {
    now = START;
    const id = value<number>(await same((db) => stop(db.as('lead'), change('pay:refund'), fourEyes)));
    for (const db of dbs) {
      const before = db.runs.length;
      const r = racing(db.storage, 4, { holdAt: 2 });
      const confirmers: Login[] = ['sue', 'max', 'sue', 'max'];
      const ctxs = confirmers.map((login) => contextOf(r.storage, db.ids, login, db.execute));
      const results = await Promise.allSettled(ctxs.map((c) => confirmApproval(c, { approvalId: id })));
      const won = results.filter((x) => x.status === 'fulfilled');
      expect(won, db.dialect).toHaveLength(1);
      expect((won[0] as PromiseFulfilledResult<ApprovalDto>).value.status).toBe('executed');
      for (const x of results)
        if (x.status === 'rejected')
          expect(x.reason, db.dialect).toMatchObject({
            error: { code: 'conflict', rule: 'approval-not-pending' },
          });
      expect(db.runs.length - before, db.dialect).toBe(1);
      const audit = (await written(db.storage)).audit as { action: string; entity_id: string }[];
      const mine = audit.filter((a) => a.entity_id === String(id)).map((a) => a.action);
      expect(
        mine.filter((a) => a === 'approval.approve'),
        db.dialect,
      ).toHaveLength(1);
      expect(
        mine.filter((a) => a === 'approval.execute'),
        db.dialect,
      ).toHaveLength(1);
      expect(
        mine.filter((a) => a === 'approval.refuse'),
        db.dialect,
      ).toHaveLength(3);
      // PostgreSQL aborted the claims that met the winner's (and retried them); SQLite ran them in turn.
      // Four decisions and the winner's record of the outcome; on PostgreSQL, retries besides.
      if (db.dialect === 'postgres') expect(r.attempts(), db.dialect).toBeGreaterThan(5);
      else expect(r.attempts(), db.dialect).toBe(5);
    }
  });

  it('a confirmation and a rejection at once: one decides, the other is refused, the rows agree', async () => {
    now = START;
    for (let round = 0; round < 3; round++) {
      // Each database may decide differently, so the rows are compared within each, not across.
      const ids = await Promise.all(dbs.map((db) => stop(db.as('lead'), change('collect:run'), fourEyes)));
      const id = ids[0]!;
      expect(ids).toEqual(dbs.map(() => id));
      for (const db of dbs) {
        const before = db.runs.length;
        const r = racing(db.storage, 2, { holdAt: 2 });
        const confirmer = contextOf(r.storage, db.ids, 'sue', db.execute);
        const rejecter = contextOf(r.storage, db.ids, 'max', db.execute);
        // Alternating who is sent first, so each side gets to win on SQLite's queue.
        const calls =
          round % 2 === 0
            ? [
                confirmApproval(confirmer, { approvalId: id }),
                rejectApproval(rejecter, { approvalId: id, reason: 'r' }),
              ]
            : [
                rejectApproval(rejecter, { approvalId: id, reason: 'r' }),
                confirmApproval(confirmer, { approvalId: id }),
              ];
        const results = await Promise.allSettled(calls);
        expect(
          results.filter((x) => x.status === 'fulfilled'),
          `${db.dialect} round ${round}`,
        ).toHaveLength(1);
        const lost = results.find((x) => x.status === 'rejected') as PromiseRejectedResult;
        expect(lost.reason).toMatchObject({ error: { code: 'conflict', rule: 'approval-not-pending' } });
        const shown = await getApproval(db.as('sue'), id);
        const ran = db.runs.length - before;
        if (shown.status === 'executed') expect(ran).toBe(1);
        else expect([shown.status, shown.reason, ran]).toEqual(['rejected', 'r', 0]);
        const audit = (await written(db.storage)).audit as { action: string; entity_id: string }[];
        const decisions = audit
          .filter((a) => a.entity_id === String(id))
          .map((a) => a.action)
          .filter((a) => a === 'approval.approve' || a === 'approval.reject');
        expect(decisions, `${db.dialect} round ${round}`).toHaveLength(1);
      }
    }
  });
});
