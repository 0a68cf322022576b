import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '../../src-main/services/identity/client';
import { totpCode } from '../../src-main/services/identity/totp';
import type { AppError, Result } from '../../src-shared/api/result';
import type { ApprovalDto, PolicyDto } from '../../src-shared/dto/approvals';
import type { TotpEnrolmentDto } from '../../src-shared/dto/auth';
import type { BatchDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import { APPS, type TestApp } from '../helpers/apps';
import { addOperatorClientVia as addOperatorClient } from '../helpers/operators';
import { suspend } from '../helpers/suspense';

let now: Date;
let app: TestApp;

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

async function failure(p: Promise<Result<unknown>>): Promise<AppError> {
  const r = await p;
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value).slice(0, 200)}`);
  return r.error;
}

/** The approval id of an approval_required refusal. */
async function stopped(p: Promise<Result<unknown>>): Promise<number> {
  const e = await failure(p);
  if (e.code !== 'approval_required')
    throw new Error(`expected approval_required, got ${e.code}: ${e.message}`);
  return e.approvalId;
}

async function audits(action: string, approvalId?: number): Promise<number> {
  const only = approvalId === undefined ? sql`` : sql` AND entity_id = ${String(approvalId)}`;
  return (await app.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM audit_log WHERE action = ${action}${only}`,
  ))!.n;
}

async function batchStatus(batchId: number): Promise<string> {
  return (await app.get<{ status: string }>(sql`SELECT status FROM batches WHERE id = ${batchId}`))!.status;
}

/** A validated USD refund batch of one 40.00 refund from an account holding 50.00 of credit. */
async function validatedRefundBatch(): Promise<{ batch: BatchDto; accountNo: string }> {
  const { accountNo } = (await app.get<{ accountNo: string }>(
    sql`SELECT a.account_no AS "accountNo" FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
       ORDER BY a.id LIMIT 1`,
  ))!;
  await value(
    app.dispatch('payments:record', { accountNo, amount: '50.00', payType: 10012, allocate: 'none' }),
  );
  const batch = await value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'refund', payType: 10012, currency: 'USD' }),
  );
  await value(
    app.dispatch('batches:save-entries', {
      batchId: batch.id,
      entries: [{ accountNo, amount: '40.00', checkNo: 'R1' }],
    }),
  );
  await value(app.dispatch('batches:validate', { batchId: batch.id }));
  return { batch, accountNo };
}

let sue: Client;
let clerk: Client;

describe.each(APPS.filter((r) => r.available))('approvals ($dialect)', ({ open }) => {
  beforeEach(async () => {
    now = new Date('2026-11-22T09:00:00Z');
    app = await open({ login: 'lead', clock: () => now });
    await value(app.dispatch('demo:load', { accounts: 40, seed: 3 }));
    // Every refund batch needs a supervisor other than its preparer.
    await value(
      app.dispatch('policies:save', {
        operation: 'batches:refund',
        above: '0',
        requirement: 'four_eyes',
        role: 'supervisor',
      }),
    );
    sue = await addOperatorClient(app, 'sue', ['supervisor']);
    clerk = await addOperatorClient(app, 'kim', ['clerk']);
  });

  afterEach(() => app.dispose());

  describe('policies', () => {
    it('lists the defaults, saves a rule (audited) and refuses a clerk (audited)', async () => {
      const fresh = await open({ login: 'admin', clock: () => now });
      try {
        const defaults = await value<PolicyDto[]>(fresh.dispatch('policies:list', {}));
        expect(defaults.find((p) => p.operation === 'pay:one-off')).toMatchObject({
          currency: '*',
          above: '1000.00',
          requirement: 'four_eyes',
          role: 'supervisor',
          source: 'default',
        });
        expect(defaults.find((p) => p.operation === 'batches:refund')).toMatchObject({
          above: '1000.00',
          requirement: 'four_eyes',
        });
        expect(defaults.find((p) => p.operation === 'operators')).toMatchObject({ requirement: 'none' });
      } finally {
        await fresh.dispose();
      }
      const saved = await value<PolicyDto[]>(app.dispatch('policies:list', {}));
      expect(saved.find((p) => p.operation === 'batches:refund')).toMatchObject({
        above: '0',
        source: 'saved',
        updatedBy: 'lead',
      });
      expect(await audits('policy.save')).toBe(1);
      const byClerk = await failure(
        app.dispatch('policies:save', { operation: 'operators', requirement: 'none' }, clerk),
      );
      expect(byClerk.code).toBe('forbidden');
      expect(
        await app.get(
          sql`SELECT count(*) AS n FROM audit_log WHERE action = 'forbidden' AND entity_id = 'policies:save'`,
        ),
      ).toEqual({ n: 1 });
      const noRole = await failure(
        app.dispatch('policies:save', { operation: 'operators', requirement: 'four_eyes' }),
      );
      expect(noRole.code).toBe('validation');
    });

    it('covers the policy table itself: a four-eyes rule on policies:save stops the next change', async () => {
      await value(
        app.dispatch('policies:save', {
          operation: 'policies:save',
          requirement: 'four_eyes',
          role: 'admin',
        }),
      );
      const id = await stopped(
        app.dispatch('policies:save', { operation: 'suspense:remove', requirement: 'second_factor' }),
      );
      const list = await value<PolicyDto[]>(app.dispatch('policies:list', {}));
      expect(list.find((p) => p.operation === 'suspense:remove')).toMatchObject({ requirement: 'none' });
      const other = await addOperatorClient(app, 'ada', ['admin']);
      const done = await value<ApprovalDto>(app.dispatch('approvals:confirm', { approvalId: id }, other));
      expect(done.status).toBe('executed');
      const after = await value<PolicyDto[]>(app.dispatch('policies:list', {}));
      // It ran as the preparer: the policy names lead, and the audit both operators.
      expect(after.find((p) => p.operation === 'suspense:remove')).toMatchObject({
        requirement: 'second_factor',
        updatedBy: 'lead',
      });
      const exec = (await app.get<{ op: number; after: string }>(
        sql`SELECT operator_id AS op, after FROM audit_log WHERE action = 'approval.execute' AND entity_id = ${String(id)}`,
      ))!;
      expect(JSON.parse(exec.after)).toMatchObject({ preparedBy: 'lead', approvedBy: 'ada' });
    });
  });

  describe('policies in the configuration file', () => {
    it('exports the policy table, imports it (audited), and an import that changes policies is covered by policies:save', async () => {
      const cfg = await value<{ policies: PolicyDto[] }>(app.dispatch('admin:export-config', {}));
      expect(cfg.policies.find((p) => p.operation === 'batches:refund')).toEqual({
        operation: 'batches:refund',
        currency: '*',
        above: '0',
        requirement: 'four_eyes',
        role: 'supervisor',
      });
      const changed = {
        ...cfg,
        policies: [
          {
            operation: 'suspense:recycle',
            currency: 'USD',
            above: '500.00',
            requirement: 'second_factor',
            role: null,
          },
        ],
      };
      const imported = await value<{ applied: Record<string, number> }>(
        app.dispatch('admin:import-config', { config: changed }),
      );
      expect(imported.applied.policies).toBe(1);
      const list = await value<PolicyDto[]>(app.dispatch('policies:list', {}));
      expect(list.find((p) => p.operation === 'suspense:recycle' && p.currency === 'USD')).toMatchObject({
        above: '500.00',
        requirement: 'second_factor',
        source: 'saved',
      });
      const dup = await failure(
        app.dispatch('admin:import-config', {
          config: { ...cfg, policies: [cfg.policies[0], cfg.policies[0]] },
        }),
      );
      expect(dup.code).toBe('validation');

      await value(
        app.dispatch('policies:save', {
          operation: 'policies:save',
          requirement: 'four_eyes',
          role: 'admin',
        }),
      );
      // Re-importing what is there changes nothing and is not stopped; a change is.
      const same = await value<{ policies: PolicyDto[] }>(app.dispatch('admin:export-config', {}));
      await value(app.dispatch('admin:import-config', { config: same }));
      const id = await stopped(
        app.dispatch('admin:import-config', {
          config: { ...same, policies: [{ operation: 'policies:save', requirement: 'none' }] },
        }),
      );
      expect((await value<ApprovalDto>(app.dispatch('approvals:show', { approvalId: id }))).operation).toBe(
        'policies:save',
      );
    });
  });

  describe('four eyes', () => {
    it('the preparer cannot approve their own refund batch (refused, audited); a supervisor runs it once', async () => {
      const { batch } = await validatedRefundBatch();
      const id = await stopped(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(await audits('approval.prepare', id)).toBe(1);
      const shown = await value<ApprovalDto>(app.dispatch('approvals:show', { approvalId: id }));
      expect(shown).toMatchObject({
        status: 'pending',
        operation: 'batches:refund',
        command: 'batches:submit',
        requirement: 'four_eyes',
        role: 'supervisor',
        preparedBy: 'lead',
        amounts: [{ currency: 'USD', amountMinor: 4000 }],
      });
      expect(shown.payloadHash).toMatch(/^[0-9a-f]{64}$/);
      // Nothing posted yet.
      expect(await batchStatus(batch.id)).toBe('validated');

      const own = await failure(app.dispatch('approvals:confirm', { approvalId: id }));
      expect(own.code).toBe('forbidden');
      expect(own.message).toContain('never approves their own operation');
      const byClerk = await failure(app.dispatch('approvals:confirm', { approvalId: id }, clerk));
      expect(byClerk.code).toBe('forbidden');
      expect(await audits('approval.refuse', id)).toBe(2);

      // Sent twice at once: the conditional update lets exactly one run.
      const [a, b] = await Promise.all([
        app.dispatch('approvals:confirm', { approvalId: id }, sue),
        app.dispatch('approvals:confirm', { approvalId: id }, sue),
      ]);
      const oks = [a, b].filter((r) => r.ok);
      expect(oks).toHaveLength(1);
      const done = oks[0]!.value as ApprovalDto;
      expect(done).toMatchObject({ status: 'executed', decidedBy: 'sue', attempts: 2 });
      expect((done.outcome as BatchSubmitDto).refunded).toBe(1);
      expect(await audits('approval.execute', id)).toBe(1);
      expect(await audits('approval.approve', id)).toBe(1);
      expect(await batchStatus(batch.id)).toBe('submitted');
      const again = await failure(app.dispatch('approvals:confirm', { approvalId: id }, sue));
      expect(again).toMatchObject({ code: 'conflict', rule: 'approval-not-pending' });
    });

    it('refuses a changed payload: the batch changed after preparation', async () => {
      const { batch } = await validatedRefundBatch();
      const id = await stopped(app.dispatch('batches:submit', { batchId: batch.id }));
      const entry = (await app.get<{ id: number }>(
        sql`SELECT id FROM batch_entries WHERE batch_id = ${batch.id}`,
      ))!;
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ id: entry.id, amount: '45.00' }],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const e = await failure(app.dispatch('approvals:confirm', { approvalId: id }, sue));
      expect(e).toMatchObject({ code: 'conflict', rule: 'approval-changed' });
      const shown = await value<ApprovalDto>(app.dispatch('approvals:show', { approvalId: id }));
      expect(shown.status).toBe('rejected');
      expect(await audits('approval.refuse', id)).toBe(1);
      expect(await batchStatus(batch.id)).toBe('validated');
    });

    it('expires, and runs out of attempts', async () => {
      const { batch } = await validatedRefundBatch();
      const id = await stopped(app.dispatch('batches:submit', { batchId: batch.id }));
      now = new Date(now.getTime() + 241 * 60_000);
      const late = await failure(app.dispatch('approvals:confirm', { approvalId: id }, sue));
      expect(late).toMatchObject({ code: 'conflict', rule: 'approval-expired' });
      expect((await value<ApprovalDto>(app.dispatch('approvals:show', { approvalId: id }))).status).toBe(
        'expired',
      );

      const id2 = await stopped(app.dispatch('batches:submit', { batchId: batch.id }));
      for (let i = 0; i < 3; i++)
        expect((await failure(app.dispatch('approvals:confirm', { approvalId: id2 }, clerk))).code).toBe(
          'forbidden',
        );
      const shown = await value<ApprovalDto>(app.dispatch('approvals:show', { approvalId: id2 }));
      expect(shown).toMatchObject({ status: 'rejected', attempts: 3 });
      expect(shown.reason).toContain('too many failed attempts');
      const tooLate = await failure(app.dispatch('approvals:confirm', { approvalId: id2 }, sue));
      expect(tooLate).toMatchObject({ code: 'conflict', rule: 'approval-not-pending' });
      expect(await audits('approval.refuse', id2)).toBe(4);
    });

    it('rejects with a reason (approver), withdraws (preparer), refuses a clerk; lists pending and mine', async () => {
      const { batch } = await validatedRefundBatch();
      const id = await stopped(app.dispatch('batches:submit', { batchId: batch.id }));
      const pending = await value<{ rows: ApprovalDto[] }>(
        app.dispatch('approvals:list', { status: 'pending' }, sue),
      );
      expect(pending.rows.map((r) => r.id)).toEqual([id]);
      expect(
        (await value<{ rows: ApprovalDto[] }>(app.dispatch('approvals:list', { mine: true }, sue))).rows,
      ).toEqual([]);
      const noClerk = await failure(
        app.dispatch('approvals:reject', { approvalId: id, reason: 'no' }, clerk),
      );
      expect(noClerk.code).toBe('forbidden');
      const rejected = await value<ApprovalDto>(
        app.dispatch('approvals:reject', { approvalId: id, reason: 'wrong account' }, sue),
      );
      expect(rejected).toMatchObject({ status: 'rejected', reason: 'wrong account', decidedBy: 'sue' });
      expect(await audits('approval.reject', id)).toBe(1);
      const id2 = await stopped(app.dispatch('batches:submit', { batchId: batch.id }));
      const withdrawn = await value<ApprovalDto>(
        app.dispatch('approvals:reject', { approvalId: id2, reason: 'typo' }),
      );
      expect(withdrawn).toMatchObject({ status: 'rejected', decidedBy: 'lead' });
      expect(await audits('approval.withdraw', id2)).toBe(1);
      expect((await failure(app.dispatch('approvals:confirm', { approvalId: id2 }, sue))).code).toBe(
        'conflict',
      );
    });

    it('re-checks the preparer when it runs: a preparer who lost the role fails the execution', async () => {
      const { batch } = await validatedRefundBatch();
      const maker = await addOperatorClient(app, 'mo', ['clerk']);
      const id = await stopped(app.dispatch('batches:submit', { batchId: batch.id }, maker));
      await app.ctx.storage.transaction(async (tx) => {
        await tx.run(sql`UPDATE operators SET active = 0 WHERE login = 'mo'`);
      });
      const e = await failure(app.dispatch('approvals:confirm', { approvalId: id }, sue));
      expect(e.message).toContain(`approval #${id} was approved but the command failed`);
      const shown = await value<ApprovalDto>(app.dispatch('approvals:show', { approvalId: id }));
      expect(shown.status).toBe('failed');
      expect(await audits('approval.fail', id)).toBe(1);
    });
  });

  describe('operations covered', () => {
    it('suspense removal over a USD threshold waits for a supervisor; under it runs; processor settings need a second factor', async () => {
      await value(
        app.dispatch('policies:save', {
          operation: 'suspense:remove',
          currency: 'USD',
          above: '100.00',
          requirement: 'four_eyes',
          role: 'supervisor',
        }),
      );
      const [big, small] = await suspend(app, [{ amount: '250.00' }, { amount: '50.00' }]);
      const id = await stopped(app.dispatch('suspense:remove', { paymentId: big!, reasonCode: 4999 }));
      expect((await value<ApprovalDto>(app.dispatch('approvals:show', { approvalId: id }))).amounts).toEqual([
        { currency: 'USD', amountMinor: 25000 },
      ]);
      await value(app.dispatch('suspense:remove', { paymentId: small!, reasonCode: 4999 }));
      const done = await value<ApprovalDto>(app.dispatch('approvals:confirm', { approvalId: id }, sue));
      expect(done.status).toBe('executed');
      expect(await audits('suspense.remove')).toBe(2);

      await value(
        app.dispatch('policies:save', { operation: 'processors:save', requirement: 'second_factor' }),
      );
      const e = await failure(
        app.dispatch('processors:save', {
          name: 'sim',
          url: 'http://127.0.0.1:9',
          merchants: { USD: { merchant: 'm', mid: '1' } },
          secret: 'topsecret-99',
        }),
      );
      expect(e).toMatchObject({ code: 'approval_required', requirement: 'second_factor' });
      const row = (await app.get<{ j: string }>(
        sql`SELECT input_json AS j FROM approvals WHERE command = 'processors:save'`,
      ))!;
      expect(row.j).not.toContain('topsecret');
    });
  });

  describe('second factor', () => {
    it('needs the preparer with a valid TOTP code; a wrong code counts; another operator cannot', async () => {
      await value(
        app.dispatch('policies:save', { operation: 'settings:save', requirement: 'second_factor' }),
      );
      const begun = await value<TotpEnrolmentDto>(app.dispatch('auth:totp-begin', {}));
      await value(app.dispatch('auth:totp-enable', { code: totpCode(begun.secret, now) }));
      now = new Date(now.getTime() + 60_000);
      const id = await stopped(app.dispatch('admin:set-setting', { key: 'collect.softRetries', value: 5 }));
      const shown = await value<ApprovalDto>(app.dispatch('approvals:show', { approvalId: id }));
      expect(shown).toMatchObject({ requirement: 'second_factor', role: null, operation: 'settings:save' });
      expect((await failure(app.dispatch('approvals:confirm', { approvalId: id }))).code).toBe('validation');
      const wrong = await failure(app.dispatch('approvals:confirm', { approvalId: id, code: '000000' }));
      expect(wrong.code).toBe('forbidden');
      const other = await failure(
        app.dispatch('approvals:confirm', { approvalId: id, code: totpCode(begun.secret, now) }, sue),
      );
      expect(other.code).toBe('forbidden');
      const done = await value<ApprovalDto>(
        app.dispatch('approvals:confirm', { approvalId: id, code: totpCode(begun.secret, now) }),
      );
      expect(done).toMatchObject({ status: 'executed', attempts: 2, decidedBy: 'lead' });
      const setting = (await app.get<{ value: string }>(
        sql`SELECT value FROM settings WHERE key = 'collect.softRetries'`,
      ))!;
      expect(JSON.parse(setting.value)).toBe(5);
    });

    it('stores a password of a covered operators command encrypted, never in clear', async () => {
      const ada = await addOperatorClient(app, 'ada', ['admin']);
      await value(
        app.dispatch('policies:save', { operation: 'operators', requirement: 'four_eyes', role: 'admin' }),
      );
      const id = await stopped(
        app.dispatch('operators:add', {
          login: 'neo',
          name: 'Neo',
          roles: ['clerk'],
          password: 'correct horse battery',
        }),
      );
      const row = (await app.get<{ j: string }>(
        sql`SELECT input_json AS j FROM approvals WHERE id = ${id}`,
      ))!;
      expect(row.j.startsWith('enc:')).toBe(true);
      expect(row.j).not.toContain('correct horse');
      const audit = (await app.get<{ after: string }>(
        sql`SELECT after FROM audit_log WHERE action = 'approval.prepare' AND entity_id = ${String(id)}`,
      ))!;
      expect(audit.after).not.toContain('correct horse');
      const shown = await value<ApprovalDto>(app.dispatch('approvals:show', { approvalId: id }));
      expect(shown.input).toMatchObject({ login: 'neo', password: '[redacted]' });
      expect(
        (await value<ApprovalDto>(app.dispatch('approvals:confirm', { approvalId: id }, ada))).status,
      ).toBe('executed');
      expect(await app.get(sql`SELECT roles FROM operators WHERE login = 'neo'`)).toEqual({ roles: 'clerk' });
    });
  });
});
