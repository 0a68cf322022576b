import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src-main/processors/simulator';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import type { CliRun } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

let app: TestApp;
const cli = cliOnApp(() => app);

/** Runs the CLI as an operator (password from PAYDESK_PASSWORD, or none at all when password is null). */
async function cliAs(login: string | null, password: string | null, ...args: string[]): Promise<CliRun> {
  const saved = {
    pw: process.env.PAYDESK_PASSWORD,
    op: process.env.PAYDESK_OPERATOR,
    tok: process.env.PAYDESK_TOKEN,
  };
  if (password === null) delete process.env.PAYDESK_PASSWORD;
  else process.env.PAYDESK_PASSWORD = password;
  delete process.env.PAYDESK_OPERATOR;
  delete process.env.PAYDESK_TOKEN;
  try {
    return await cli(...(login ? ['--operator', login] : []), ...args);
  } finally {
    for (const [k, v] of [
      ['PAYDESK_PASSWORD', saved.pw],
      ['PAYDESK_OPERATOR', saved.op],
      ['PAYDESK_TOKEN', saved.tok],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

const ROOT_PW = 'amber-lantern-7741';
const SUE_PW = 'velvet-harbor-2290';
const KIM_PW = 'quiet-meadow-5518';

let sim: Simulator;
let simDir: { dir: string; cleanup: () => void };

async function ok(run: Promise<CliRun>): Promise<unknown> {
  const r = await run;
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}${r.out}`);
  return JSON.parse(r.out) as unknown;
}

beforeAll(async () => {
  simDir = tempDir('paydesk-sim-');
  sim = await startSimulator({ port: 0, configFile: join(simDir.dir, 'sim.json') });
});
afterAll(async () => {
  await sim.close();
  simDir.cleanup();
});

/** A pending one-off payment of 1,500.00 prepared by kim (the clerk), confirmed by kim: exit 9, the approval id. */
async function fourEyesPayment(): Promise<{ pendingId: number; approvalId: number }> {
  const acct = (await app.get<{ accountNo: string; methodId: number }>(
    sql`SELECT a.account_no AS "accountNo", m.id AS "methodId" FROM accounts a JOIN payment_methods m ON m.account_id = a.id AND m.type = 'card'
     WHERE a.currency = 'USD' AND a.status = 'active' ORDER BY a.id LIMIT 1`,
  ))!;
  const p = (await ok(
    cliAs(
      'kim',
      KIM_PW,
      '--json',
      'pay',
      'prepare',
      acct.accountNo,
      '1500.00',
      '--method',
      String(acct.methodId),
    ),
  )) as { id: number; needsSupervisor: boolean };
  expect(p.needsSupervisor).toBe(true);
  const stopped = await cliAs('kim', KIM_PW, 'pay', 'confirm', String(p.id));
  expect(stopped.code).toBe(9);
  const m = /approval #(\d+)/.exec(stopped.err);
  expect(m).not.toBeNull();
  expect(stopped.err).toContain(`ask a supervisor to run: paydesk approval confirm ${m![1]}`);
  return { pendingId: p.id, approvalId: Number(m![1]) };
}

async function auditCount(action: string, entityId: string): Promise<number> {
  return (await app.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM audit_log WHERE action = ${action} AND entity_id = ${entityId}`,
  ))!.n;
}

describe.each(APPS.filter((r) => r.available))(
  'paydesk approval (four eyes from the command line) ($dialect)',
  ({ open }) => {
    beforeEach(async () => {
      // No in-process operator: `init` makes root the first admin.
      app = await open();
      expect((await cliAs('root', ROOT_PW, '--json', 'init')).code).toBe(0);
      await ok(cliAs('root', ROOT_PW, '--json', 'demo', '--accounts', '40', '--seed', '4'));
      await ok(
        cliAs(
          'root',
          ROOT_PW,
          '--json',
          'call',
          'operators:add',
          JSON.stringify({ login: 'sue', name: 'Sue', roles: ['supervisor'], password: SUE_PW }),
        ),
      );
      await ok(
        cliAs(
          'root',
          ROOT_PW,
          '--json',
          'call',
          'operators:add',
          JSON.stringify({ login: 'kim', name: 'Kim', roles: ['clerk'], password: KIM_PW }),
        ),
      );
      await ok(
        cliAs(
          'root',
          ROOT_PW,
          '--json',
          'call',
          'processors:save',
          JSON.stringify({
            name: 'sim',
            url: `http://127.0.0.1:${sim.port}`,
            merchants: { USD: { merchant: 'ispname', mid: '050505' } },
            secret: 'topsecret-99',
          }),
        ),
      );
    });
    afterEach(() => app.dispose());

    it('impersonation fails: --operator sue without a password or token cannot confirm (audited); sue signed in can', async () => {
      const { pendingId, approvalId } = await fourEyesPayment();
      const forged = await cliAs('sue', null, '--json', 'approval', 'confirm', String(approvalId));
      expect(forged.code).toBe(8);
      expect((JSON.parse(forged.out) as { error: { code: string } }).error.code).toBe('unauthenticated');
      expect(await auditCount('auth.sign-in-failed', 'sue')).toBe(1);
      const wrong = await cliAs(
        'sue',
        'not-her-password',
        '--json',
        'approval',
        'confirm',
        String(approvalId),
      );
      expect(wrong.code).toBe(8);
      expect(await auditCount('auth.sign-in-failed', 'sue')).toBe(2);
      expect(await app.get(sql`SELECT status FROM approvals WHERE id = ${approvalId}`)).toEqual({
        status: 'pending',
      });

      // The clerk who confirmed cannot approve it: refused (exit 5) and audited.
      const own = await cliAs('kim', KIM_PW, 'approval', 'confirm', String(approvalId));
      expect(own.code).toBe(5);
      expect(own.err).toContain('never approves their own operation');
      expect(await auditCount('approval.refuse', String(approvalId))).toBe(1);

      const listed = (await ok(cliAs('sue', SUE_PW, '--json', 'approval', 'list'))) as {
        rows: { id: number; preparedBy: string; amounts: unknown }[];
      };
      expect(listed.rows).toEqual([
        expect.objectContaining({
          id: approvalId,
          preparedBy: 'kim',
          amounts: [{ currency: 'USD', amountMinor: 150000 }],
        }),
      ]);
      const human = await cliAs('sue', SUE_PW, 'approval', 'list');
      expect(human.out).toContain(`#${approvalId}`);
      expect(human.out).toContain('1500.00 USD');

      const done = (await ok(cliAs('sue', SUE_PW, '--json', 'approval', 'confirm', String(approvalId)))) as {
        status: string;
        decidedBy: string;
        outcome: { status: string; decidedBy: string };
      };
      expect(done).toMatchObject({
        status: 'executed',
        decidedBy: 'sue',
        outcome: { status: 'confirmed', decidedBy: 'kim' },
      });
      expect(await app.get(sql`SELECT status FROM pending_payments WHERE id = ${pendingId}`)).toEqual({
        status: 'confirmed',
      });
      const exec = (await app.get<{ after: string }>(
        sql`SELECT after FROM audit_log WHERE action = 'approval.execute' AND entity_id = ${String(approvalId)}`,
      ))!;
      expect(JSON.parse(exec.after)).toMatchObject({ preparedBy: 'kim', approvedBy: 'sue' });
      // Never twice.
      expect((await cliAs('sue', SUE_PW, 'approval', 'confirm', String(approvalId))).code).toBe(4);
    });

    it("a clerk's token cannot run an admin command (audited)", async () => {
      const token = (await ok(
        cliAs('kim', KIM_PW, '--json', 'call', 'tokens:create', JSON.stringify({ name: 'nightly' })),
      )) as { token: string };
      const saved = process.env.PAYDESK_TOKEN;
      let run: CliRun;
      try {
        run = await cliAs(
          null,
          null,
          '--json',
          '--token',
          token.token,
          'policy',
          'set',
          'operators',
          '--requirement',
          'none',
        );
      } finally {
        if (saved === undefined) delete process.env.PAYDESK_TOKEN;
        else process.env.PAYDESK_TOKEN = saved;
      }
      expect(run.code).toBe(5);
      expect(await auditCount('forbidden', 'policies:save')).toBe(1);
      const op = await app.all(
        sql`SELECT o.login FROM audit_log l JOIN operators o ON o.id = l.operator_id WHERE l.action = 'forbidden' AND l.entity_id = 'policies:save'`,
      );
      expect(op).toEqual([{ login: 'kim' }]);
    });

    it('reject with a reason; policy list and set', async () => {
      const { approvalId } = await fourEyesPayment();
      const rejected = await cliAs(
        'sue',
        SUE_PW,
        'approval',
        'reject',
        String(approvalId),
        '--reason',
        'customer called',
      );
      expect(rejected.code).toBe(0);
      expect(rejected.out).toContain('rejected');
      expect(await app.get(sql`SELECT reason FROM approvals WHERE id = ${approvalId}`)).toEqual({
        reason: 'customer called',
      });
      const list = await cliAs('root', ROOT_PW, 'policy', 'list');
      expect(list.out).toMatch(/pay:one-off\s+\*\s+above 1000\.00\s+four eyes \(supervisor\)\s+default/);
      const set = await cliAs(
        'root',
        ROOT_PW,
        '--json',
        'policy',
        'set',
        'suspense:remove',
        '--requirement',
        'four_eyes',
        '--role',
        'supervisor',
        '--currency',
        'USD',
        '--above',
        '250.00',
      );
      expect(set.code).toBe(0);
      expect(JSON.parse(set.out)).toMatchObject({
        operation: 'suspense:remove',
        currency: 'USD',
        above: '250.00',
        requirement: 'four_eyes',
        role: 'supervisor',
        source: 'saved',
        updatedBy: 'root',
      });
      const bad = await cliAs('root', ROOT_PW, 'policy', 'set', 'no-such-op', '--requirement', 'none');
      expect(bad.code).toBe(2);
    });
  },
);
