import { sql } from 'drizzle-orm';
import type { AppError } from '../../src-shared/api/result';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../db/storage/port';
import {
  addOperator,
  changeHistory,
  changeRoles,
  listOperators,
  operatorRow,
  updateOperator,
} from '../../src-main/services/admin/operators-admin';
import type { Role } from '../../src-shared/api/roles';
import type { OperatorAdminDto } from '../../src-shared/dto/admin';
import { ensureOperatorVia } from '../../src-main/services/operators';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { answer, type Answer } from '../helpers/alike';
import { racing } from '../helpers/racing';

// Issue #17: operator administration (profiles, roles, (de)activation) and the change history run through the
// storage port. The same changes on a fresh SQLite ledger, a fresh PostgreSQL one and one whose default collation is
// ICU en-US (where a login list left to the collation would put 'Zed' after 'mia') answer alike, write the same
// operator and audit rows, and refuse alike with nothing written. The rule that an active admin always remains holds
// when two admins demote each other at once: on SQLite the single writer orders them, on PostgreSQL the changes run
// serializable and the database aborts one, whose retry finds itself the last admin.

const NOW = new Date('2026-12-09T09:00:00Z');

/** What the operator services may write: the operators and the audit trail. */
function written(storage: Storage): Promise<{ operators: unknown[]; audit: unknown[] }> {
  return storage.transaction(
    async (tx) => ({
      operators: await tx.all(
        sql`SELECT id, login, name, roles, active, created_at, password_hash, password_changed_at, totp_enabled,
                   locked_until FROM operators ORDER BY id`,
      ),
      audit: await tx.all(
        sql`SELECT id, at, operator_id, action, entity, entity_id AS "entityId", before, after, reason_code
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** The active operators holding the admin role. */
async function activeAdmins(storage: Storage): Promise<string[]> {
  return (await listOperators(storage))
    .filter((o) => o.active && o.roles.includes('admin'))
    .map((o) => o.login);
}

async function auditCount(storage: Storage, action: string): Promise<number> {
  const row = await storage.transaction(
    (tx) => tx.get<{ n: number }>(sql`SELECT count(*) AS n FROM audit_log WHERE action = ${action}`),
    { readOnly: true },
  );
  return row!.n;
}

describe.runIf(STORAGES[1]!.available)('operators and the change history on both databases', () => {
  const opened: { label: string; storage: Storage; dispose: () => Promise<void> }[] = [];
  let ada: number;

  /** Runs the same call on every database: answers and written rows must be those of SQLite. */
  async function alike(run: (s: Storage) => Promise<unknown>): Promise<Answer> {
    const [first, ...rest] = opened;
    const here = await answer(run(first!.storage));
    const rows = await written(first!.storage);
    for (const o of rest) {
      expect(await answer(run(o.storage)), o.label).toEqual(here);
      expect(await written(o.storage), o.label).toEqual(rows);
    }
    return here;
  }

  /** A refusal on every database: the same error, and not a row written (audit included). */
  async function refusedAlike(run: (s: Storage) => Promise<unknown>): Promise<AppError> {
    const before = await Promise.all(opened.map((o) => written(o.storage)));
    const out = await alike(run);
    expect(out).toHaveProperty('error');
    for (const [i, o] of opened.entries()) expect(await written(o.storage), o.label).toEqual(before[i]);
    return (out as { error: AppError }).error;
  }

  const value = <T>(a: Answer): T => (a as { value: T }).value;

  beforeAll(async () => {
    const [lite, pg] = STORAGES;
    opened.push({ label: 'sqlite', ...(await lite!.open()) });
    opened.push({ label: 'postgres', ...(await pg!.open()) });
    opened.push({ label: 'postgres (ICU en-US)', ...(await freshPostgres({ icu: true })) });
    const ids: number[] = [];
    for (const o of opened)
      ids.push(
        (await o.storage.transaction((tx) =>
          tx.get<{ id: number }>(
            sql`INSERT INTO operators (login, name, roles, created_at)
                VALUES ('ada', 'Ada Admin', 'supervisor,admin', ${NOW.toISOString()}) RETURNING id`,
          ),
        ))!.id,
      );
    expect(new Set(ids).size).toBe(1);
    ada = ids[0]!;
  }, 60_000);
  afterAll(async () => {
    for (const o of opened) await o.dispose();
  });

  it('lists, adds, grants, revokes and updates alike, audited alike', async () => {
    const fresh = value<OperatorAdminDto[]>(await alike((s) => listOperators(s)));
    expect(fresh).toEqual([
      {
        id: ada,
        login: 'ada',
        name: 'Ada Admin',
        roles: ['supervisor', 'admin'],
        active: true,
        createdAt: NOW.toISOString(),
        hasPassword: false,
        totpEnabled: false,
        lockedUntil: null,
      },
    ]);
    const mia = value<OperatorAdminDto>(
      await alike((s) => addOperator(s, { login: 'mia', name: 'Mia Wolf', roles: ['clerk'] }, NOW, ada)),
    );
    expect(mia).toMatchObject({ login: 'mia', roles: ['clerk'], active: true, hasPassword: false });
    // Roles are stored in the product's order whatever order they came in; a first password counts as set now.
    const zed = value<OperatorAdminDto>(
      await alike((s) =>
        addOperator(
          s,
          { login: 'Zed', name: 'Zed', roles: ['admin', 'clerk'] },
          NOW,
          ada,
          '$argon2id$v=19$x',
        ),
      ),
    );
    expect(zed).toMatchObject({ roles: ['clerk', 'admin'], hasPassword: true });
    await alike((s) => addOperator(s, { login: 'b_o', name: 'Bo', roles: ['analyst'] }, NOW, ada));
    // Code-point order on every database: upper case before lower, '_' after upper-case letters.
    const listed = value<OperatorAdminDto[]>(await alike((s) => listOperators(s)));
    expect(listed.map((o) => o.login)).toEqual(['Zed', 'ada', 'b_o', 'mia']);

    expect(
      value<OperatorAdminDto>(
        await alike((s) => changeRoles(s, { login: 'mia', roles: ['supervisor'] }, true, NOW, ada)),
      ).roles,
    ).toEqual(['clerk', 'supervisor']);
    expect(
      value<OperatorAdminDto>(
        await alike((s) => changeRoles(s, { login: 'mia', roles: ['clerk'] }, false, NOW, ada)),
      ).roles,
    ).toEqual(['supervisor']);
    // Granting a role already held changes nothing but is still recorded, as before the move.
    await alike((s) => changeRoles(s, { login: 'mia', roles: ['supervisor'] }, true, NOW, ada));
    await alike((s) => updateOperator(s, { login: 'mia', name: 'Mia Wolf-Berg' }, NOW, ada));
    expect(
      value<OperatorAdminDto>(
        await alike((s) => updateOperator(s, { login: 'Zed', active: false }, NOW, ada)),
      ),
    ).toMatchObject({ active: false, name: 'Zed' });
    await alike((s) => updateOperator(s, { login: 'Zed', active: true, name: 'Zed Zu' }, NOW, ada));
    expect(value<OperatorAdminDto>(await alike((s) => operatorRow(s, 'mia')))).toMatchObject({
      name: 'Mia Wolf-Berg',
      roles: ['supervisor'],
    });

    const rows = (await written(opened[0]!.storage)).audit as { action: string }[];
    expect(rows.map((r) => r.action)).toEqual([
      'operator.add',
      'operator.add',
      'operator.add',
      'operator.grant',
      'operator.revoke',
      'operator.grant',
      'operator.update',
      'operator.update',
      'operator.update',
    ]);
  });

  it('reads the change history alike, filtered and paged', async () => {
    type Page = {
      rows: { action: string; operatorLogin: string | null; before: unknown; after: unknown }[];
      total: number;
    };
    const all = value<Page>(await alike((s) => changeHistory(s, { limit: 50, offset: 0 })));
    expect(all.total).toBe(9);
    expect(all.rows[0]).toMatchObject({
      action: 'operator.update',
      operatorLogin: 'ada',
      before: { name: 'Zed', active: false },
      after: { name: 'Zed Zu', active: true },
    });
    expect(all.rows[8]).toMatchObject({ action: 'operator.add', before: null, after: { login: 'mia' } });
    const revoke = value<Page>(
      await alike((s) => changeHistory(s, { action: 'operator.revoke', limit: 50, offset: 0 })),
    );
    expect(revoke).toMatchObject({ total: 1, rows: [{ before: { roles: ['clerk', 'supervisor'] } }] });
    expect(
      value<Page>(await alike((s) => changeHistory(s, { action: 'operator.*', limit: 50, offset: 0 }))).total,
    ).toBe(9);
    expect(
      value<Page>(await alike((s) => changeHistory(s, { action: 'operator.g*', limit: 50, offset: 0 })))
        .total,
    ).toBe(2);
    expect(
      value<Page>(await alike((s) => changeHistory(s, { action: '*', limit: 50, offset: 0 }))).total,
    ).toBe(9);
    // The prefix is literal text: '_' and '%' are no wildcards, and case counts.
    for (const action of ['operator_*', 'operator%*', 'OPERATOR.*', 'operator.'])
      expect(value<Page>(await alike((s) => changeHistory(s, { action, limit: 50, offset: 0 }))).total).toBe(
        0,
      );
    const paged = value<Page>(
      await alike((s) => changeHistory(s, { entity: 'operator', operatorLogin: 'ada', limit: 2, offset: 3 })),
    );
    expect(paged.total).toBe(9);
    expect(paged.rows.map((r) => r.action)).toEqual(['operator.grant', 'operator.revoke']);
    expect(
      value<Page>(await alike((s) => changeHistory(s, { operatorLogin: 'mia', limit: 5, offset: 0 }))),
    ).toEqual({
      rows: [],
      total: 0,
    });
    expect(
      value<Page>(await alike((s) => changeHistory(s, { entity: 'setting', limit: 5, offset: 0 }))).total,
    ).toBe(0);
  });

  it('refuses alike and writes nothing', async () => {
    // Ada becomes the only active admin.
    await alike((s) => changeRoles(s, { login: 'Zed', roles: ['admin'] }, false, NOW, ada));
    expect(await activeAdmins(opened[0]!.storage)).toEqual(['ada']);
    const lastAdmin = { code: 'conflict', rule: 'last-admin' };
    expect(
      await refusedAlike((s) => changeRoles(s, { login: 'ada', roles: ['admin'] }, false, NOW, ada)),
    ).toMatchObject(lastAdmin);
    expect(
      await refusedAlike((s) => updateOperator(s, { login: 'ada', active: false }, NOW, ada)),
    ).toMatchObject(lastAdmin);
    expect(
      await refusedAlike((s) => addOperator(s, { login: 'mia', name: 'Again', roles: ['clerk'] }, NOW, ada)),
    ).toMatchObject({ code: 'conflict', rule: 'operator-exists', message: 'operator mia already exists' });
    expect(
      await refusedAlike((s) => changeRoles(s, { login: 'mia', roles: ['supervisor'] }, false, NOW, ada)),
    ).toMatchObject({ code: 'conflict', rule: 'no-roles' });
    const unknown = { code: 'not_found', entity: 'operator', key: 'nobody' };
    expect(await refusedAlike((s) => operatorRow(s, 'nobody'))).toMatchObject(unknown);
    expect(
      await refusedAlike((s) => changeRoles(s, { login: 'nobody', roles: ['clerk'] }, true, NOW, ada)),
    ).toMatchObject(unknown);
    expect(
      await refusedAlike((s) => updateOperator(s, { login: 'nobody', name: 'X' }, NOW, ada)),
    ).toMatchObject(unknown);
    const root = ['root'] as unknown as Role[];
    expect(
      await refusedAlike((s) => addOperator(s, { login: 'rooty', name: 'R', roles: root }, NOW, ada)),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'roles' }] });
    expect(
      await refusedAlike((s) => changeRoles(s, { login: 'mia', roles: root }, true, NOW, ada)),
    ).toMatchObject({
      code: 'validation',
    });
  });

  it('two admins demoting each other at once: one wins, an admin remains', async () => {
    await alike((s) => changeRoles(s, { login: 'Zed', roles: ['admin'] }, true, NOW, ada));
    const zed = value<OperatorAdminDto>(await alike((s) => operatorRow(s, 'Zed'))).id;
    type Race = (s: Storage) => Promise<unknown>[];
    const races: [string, Race][] = [
      [
        'each revokes the admin role of the other',
        (s) => [
          changeRoles(s, { login: 'Zed', roles: ['admin'] }, false, NOW, ada),
          changeRoles(s, { login: 'ada', roles: ['admin'] }, false, NOW, zed),
        ],
      ],
      [
        'one deactivates the other, who revokes the admin role of the first',
        (s) => [
          updateOperator(s, { login: 'Zed', active: false }, NOW, ada),
          changeRoles(s, { login: 'ada', roles: ['admin'] }, false, NOW, zed),
        ],
      ],
    ];
    for (const [name, race] of races)
      for (const o of opened) {
        const what = `${name} on ${o.label}`;
        // Both admins again, active, whoever won the last round.
        await o.storage.transaction((tx) =>
          tx.run(sql`UPDATE operators SET roles = 'clerk,admin', active = 1 WHERE login IN ('ada', 'Zed')`),
        );
        expect(await activeAdmins(o.storage), what).toEqual(['Zed', 'ada']);
        const changes =
          (await auditCount(o.storage, 'operator.revoke')) + (await auditCount(o.storage, 'operator.update'));
        // Held before the third query, the last-admin read: both have written their change, neither committed.
        const r = racing(o.storage, 2, { holdAt: 3 });
        const results = await Promise.allSettled(race(r.storage));
        expect(
          results.filter((x) => x.status === 'fulfilled'),
          what,
        ).toHaveLength(1);
        const lost = results.find((x) => x.status === 'rejected');
        expect((lost as PromiseRejectedResult).reason, what).toMatchObject({
          error: { code: 'conflict', rule: 'last-admin' },
        });
        expect(await activeAdmins(o.storage), what).toHaveLength(1);
        expect(
          (await auditCount(o.storage, 'operator.revoke')) + (await auditCount(o.storage, 'operator.update')),
          what,
        ).toBe(changes + 1);
        // PostgreSQL aborted one of the two (and retried it); SQLite ran them in turn.
        if (o.storage.dialect === 'postgres') expect(r.attempts(), what).toBeGreaterThan(2);
        else expect(r.attempts(), what).toBe(2);
      }
  });

  it('four admins adding the same login at once: one adds it, the others are told it exists', async () => {
    for (const o of opened) {
      const r = racing(o.storage, 4, { holdAt: 2 });
      const results = await Promise.allSettled(
        [1, 2, 3, 4].map(() =>
          addOperator(r.storage, { login: 'kit', name: 'Kit', roles: ['clerk'] }, NOW, ada),
        ),
      );
      expect(
        results.filter((x) => x.status === 'fulfilled'),
        o.label,
      ).toHaveLength(1);
      for (const x of results)
        if (x.status === 'rejected')
          expect(x.reason, o.label).toMatchObject({ error: { code: 'conflict', rule: 'operator-exists' } });
      expect(
        (await listOperators(o.storage)).filter((op) => op.login === 'kit'),
        o.label,
      ).toHaveLength(1);
      expect(await auditCount(o.storage, 'operator.add'), o.label).toBe(4);
    }
  });

  it('the in-process caller: four openings at once add its login once (a clerk, audited once), then find it', async () => {
    const answers = [];
    for (const o of opened) {
      const r = racing(o.storage, 4, { holdAt: 2, writesOnly: true });
      const got = await Promise.all([1, 2, 3, 4].map(() => ensureOperatorVia(r.storage, 'bench', NOW)));
      expect(new Set(got.map((g) => g.id)).size, o.label).toBe(1);
      expect(await ensureOperatorVia(o.storage, 'bench', NOW), o.label).toEqual(got[0]);
      expect(await auditCount(o.storage, 'operator.create'), o.label).toBe(1);
      answers.push({ ...got[0], id: undefined });
    }
    // Ids may differ: PostgreSQL's sequence keeps the numbers a refused or retried insert used up.
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ login: 'bench', roles: ['clerk'] });
  });
});
