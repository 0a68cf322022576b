import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  SuspenseCandidatesDto,
  SuspenseDetailDto,
  SuspenseMoveDto,
  SuspenseSavedSearchDto,
  SuspenseSearchDto,
} from '../../src-shared/dto/suspense';
import { searchSuspense } from '../../src-main/services/suspense/search';
import { foldTallyIn } from '../../src-main/ledger/suspense-tally';
import { commandInputs } from '../../src-shared/api/inputs';
import { APPS, type TestApp } from '../helpers/apps';
import { expectClean, postPayment, suspend, usdAccountsVia, value } from '../helpers/suspense';

let app: TestApp;

const search = (input: Record<string, unknown>): Promise<SuspenseSearchDto> =>
  value<SuspenseSearchDto>(app.dispatch('suspense:search', input));

const amountDue = async (billNo: string): Promise<number> =>
  (await app.get<{ d: number }>(sql`SELECT amount_due_minor AS d FROM bills WHERE bill_no = ${billNo}`))!.d;

describe.each(APPS.filter((r) => r.available))('Payment Center services ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await value(app.dispatch('demo:load', { accounts: 150, seed: 5 }));
  });
  afterEach(() => app.dispose());

  it('finds a payment by partial payer name, suggests candidates with reasons, distributes it leaving a remainder', async () => {
    const [a1, a2] = await usdAccountsVia(app, 2);
    const [id] = await suspend(app, [
      { amount: '500.00', payerName: 'Wolfgang Amadeus Trading', reference: `remit ${a1!.billNo}` },
      { amount: '12.00', payerName: 'Someone Else' },
    ]);
    const found = await search({ text: 'madeus tra' });
    expect(found.rows.map((r) => r.paymentId)).toEqual([id]);
    expect(found.total).toBe(1);
    expect(found.byAge.find((b) => b.bucket === '0-7')?.count).toBe(1);
    // Case-insensitive, and wildcards or SQL are only text.
    expect((await search({ payer: 'WOLFGANG' })).total).toBe(1);
    expect((await search({ text: "%' OR 1=1 --" })).total).toBe(0);
    expect((await search({ text: '*' })).total).toBe(0);
    for (const text of [
      '"wolf" OR x',
      'NEAR(a b)',
      'payer_name : x',
      "'); DROP TABLE payments; --",
      '_%',
      'ä"ö',
    ])
      expect(
        (await search({ text, payer: text, reference: text, accountHint: text, billNo: text })).total,
      ).toBe(0);
    expect((await search({ text: 'AMADEUS' })).total).toBe(1);
    expect((await search({ text: 'x'.repeat(200) })).total).toBe(0);

    const cand = await value<SuspenseCandidatesDto>(app.dispatch('suspense:candidates', { paymentId: id }));
    const top = cand.candidates[0]!;
    expect(top).toMatchObject({ accountNo: a1!.accountNo, billNo: a1!.billNo });
    expect(top.reasons.join(' ')).toContain(`names bill ${a1!.billNo}`);
    expect(top.score).toBeGreaterThanOrEqual(90);

    const dist = await value<SuspenseMoveDto>(
      app.dispatch('suspense:distribute', {
        paymentId: id,
        targets: [
          { accountNo: a1!.accountNo, billNo: a1!.billNo, amount: '100.00' },
          { accountNo: a2!.accountNo, amount: '150.00' },
        ],
      }),
    );
    expect(dist.posted.map((p) => [p.accountNo, p.amountMinor])).toEqual([
      [a1!.accountNo, 10000],
      [a2!.accountNo, 15000],
    ]);
    expect(dist.suspended).toEqual([{ paymentId: expect.any(Number), amountMinor: 25000, currency: 'USD' }]);
    const restId = dist.suspended[0]!.paymentId;
    const rest = await search({ text: 'amadeus' });
    expect(rest.rows.map((r) => [r.paymentId, r.state, r.amountMinor])).toEqual([[restId, 'partial', 25000]]);
    const all = await search({ text: 'amadeus', status: ['all'] });
    expect(all.rows.map((r) => r.state).sort()).toEqual(['distributed', 'partial']);

    const detail = await value<SuspenseDetailDto>(app.dispatch('suspense:show', { paymentId: restId }));
    expect(detail.rootId).toBe(id);
    expect(detail.tree.map((t) => t.kind)).toEqual(['suspended', 'distributed', 'distributed', 'suspended']);
    expect(detail.timeline.map((e) => e.action)).toEqual(['entered', 'distributed']);
    expect(detail.allowed.find((a) => a.action === 'remove')).toMatchObject({ ok: true });
    expect(detail.allowed.find((a) => a.action === 'reverse')).toMatchObject({ ok: false, rule: 'G7' });

    // The rest is removed as unallocatable (G/L 112).
    await value(app.dispatch('suspense:remove', { paymentId: restId, reasonCode: 4999 }));
    const journal = await app.get(sql`SELECT gl_id AS gl, kind FROM journals ORDER BY id DESC LIMIT 1`);
    expect(journal).toEqual({ gl: 112, kind: 'suspense_remove' });
    expect((await search({ text: 'amadeus' })).total).toBe(0);
    expect((await search({ text: 'amadeus', status: ['removed'] })).total).toBe(1);
    await expectClean(app);
  });

  it('recycles a wrongly posted payment into suspense and applies it to the right account', async () => {
    const [wrong, right] = await usdAccountsVia(app, 2, 3);
    const paymentId = await postPayment(app, wrong!.accountNo, '40.00', { payerName: 'Right Person' });
    const dueBefore = await amountDue(wrong!.billNo);
    const recycled = await value<SuspenseMoveDto>(
      app.dispatch('suspense:recycle', { paymentIds: [paymentId], reasonCode: 4002 }),
    );
    const rid = recycled.suspended[0]!.paymentId;
    const dueAfter = await amountDue(wrong!.billNo);
    expect(dueAfter).toBe(dueBefore + 4000);
    const row = (await search({ status: ['recycled'] })).rows[0]!;
    expect(row).toMatchObject({
      paymentId: rid,
      accountHint: wrong!.accountNo,
      amountMinor: 4000,
      state: 'recycled',
    });

    const applied = await value<SuspenseMoveDto>(
      app.dispatch('suspense:apply', { paymentId: rid, accountNo: right!.accountNo }),
    );
    expect(applied.posted).toMatchObject([{ accountNo: right!.accountNo, amountMinor: 4000 }]);
    expect(applied.posted[0]!.allocatedMinor).toBeGreaterThan(0);
    const detail = await value<SuspenseDetailDto>(app.dispatch('suspense:show', { paymentId: rid }));
    expect(detail.rootId).toBe(paymentId);
    expect(detail.timeline.map((e) => e.action)).toEqual(['posted', 'recycled', 'applied']);
    // Recycling may repeat (G3): the distributed payment goes back and is applied again.
    const again = await value<SuspenseMoveDto>(
      app.dispatch('suspense:recycle', { paymentIds: [applied.posted[0]!.paymentId], reasonCode: 110000 }),
    );
    await value(
      app.dispatch('suspense:apply', { paymentId: again.suspended[0]!.paymentId, billNo: wrong!.billNo }),
    );
    await expectClean(app);
  });

  it('reverses a whole case: posted payments first, then what is left in suspense', async () => {
    const [a1] = await usdAccountsVia(app, 1, 6);
    const [id] = await suspend(app, [{ amount: '90.00', payerName: 'Case Reverse' }]);
    const dist = await value<SuspenseMoveDto>(
      app.dispatch('suspense:distribute', {
        paymentId: id,
        targets: [{ accountNo: a1!.accountNo, amount: '30.00' }],
      }),
    );
    const rev = await value<SuspenseMoveDto>(
      app.dispatch('suspense:reverse', { paymentId: id, reasonCode: 4101 }),
    );
    expect(rev.reversed).toEqual([dist.posted[0]!.paymentId, dist.suspended[0]!.paymentId]);
    expect((await search({ text: 'case reverse', status: ['reversed'] })).total).toBe(1);
    await expectClean(app);
  });

  it('assigns owners in bulk, adds notes, changes the reason as a new event, exports and saves searches', async () => {
    const ids = await suspend(app, [
      { amount: '1.00', payerName: 'Alpha' },
      { amount: '2.00', payerName: 'Beta' },
      { amount: '3.00', payerName: 'Gamma' },
    ]);
    await value(app.dispatch('suspense:assign', { paymentIds: ids.slice(0, 2), owner: 102001 }));
    const owned = await search({ owner: 102001 });
    expect(owned.rows.map((r) => r.ownerLabel)).toEqual(['Alaya Baker', 'Alaya Baker']);
    const counts = await search({});
    expect(counts.byOwner).toEqual([
      { owner: 102001, label: 'Alaya Baker', count: 2 },
      { owner: null, label: null, count: 1 },
    ]);
    expect((await search({ owner: 'none' })).rows.map((r) => r.paymentId)).toEqual([ids[2]]);
    await value(app.dispatch('suspense:note', { paymentId: ids[0]!, text: 'Called the bank' }));
    const changed = await value<SuspenseMoveDto>(
      app.dispatch('suspense:change-reason', { paymentIds: [ids[0]!], reasonCode: 100101 }),
    );
    const newId = changed.suspended[0]!.paymentId;
    const detail = await value<SuspenseDetailDto>(app.dispatch('suspense:show', { paymentId: newId }));
    expect(detail.payment).toMatchObject({ reasonCode: 100101, actionOwner: 102001, state: 'suspended' });
    expect(detail.timeline.map((e) => e.action)).toEqual(['entered', 'owner', 'note', 'reason']);
    expect(detail.timeline[2]!.detail).toEqual({ text: 'Called the bank' });
    const csv = await value<{ csv: string; rows: number }>(
      app.dispatch('suspense:export', { paymentIds: ids }),
    );
    expect(csv.rows).toBe(3);
    expect(csv.csv.split('\r\n')[0]).toMatch(/^paymentId,state,amountMinor/);
    const saved = await value<SuspenseSavedSearchDto>(
      app.dispatch('suspense:save-search', { name: 'Mine', filters: { owner: 102001, status: ['active'] } }),
    );
    expect(await value(app.dispatch('suspense:saved-searches', {}))).toEqual([saved]);
    await value(app.dispatch('suspense:delete-search', { id: saved.id }));
    expect(await value(app.dispatch('suspense:saved-searches', {}))).toEqual([]);
    await expectClean(app);
  });

  it('pages through the whole result by cursor and by offset in any sort order, with totals', async () => {
    const amounts = Array.from({ length: 37 }, (_, i) => ({
      amount: `${1 + ((i * 7) % 23)}.${String(i).padStart(2, '0')}`,
    }));
    await suspend(app, amounts, { lockboxNo: 'LB-9' });
    for (const sortBy of ['amountMinor', 'paymentId', 'payerName', 'enteredOn'] as const) {
      for (const sortDir of ['asc', 'desc'] as const) {
        const seen: number[] = [];
        let cursor: string | null | undefined;
        do {
          const page = await search({
            sortBy,
            sortDir,
            limit: 5,
            lockboxNo: 'LB-9',
            ...(cursor ? { cursor } : {}),
          });
          seen.push(...page.rows.map((r) => r.paymentId));
          cursor = page.nextCursor;
        } while (cursor);
        expect(new Set(seen).size).toBe(37);
        const byOffset: number[] = [];
        for (let offset = 0; offset < 37; offset += 10)
          byOffset.push(
            ...(await search({ sortBy, sortDir, limit: 10, offset, lockboxNo: 'LB-9' })).rows.map(
              (r) => r.paymentId,
            ),
          );
        expect(byOffset).toEqual(seen);
      }
    }
    const byAmount = await search({ sortBy: 'amountMinor', limit: 100, minAmount: '6', maxAmount: '11.5' });
    expect(byAmount.rows.every((r) => r.amountMinor >= 600 && r.amountMinor <= 1150)).toBe(true);
    expect(byAmount.totalsByCurrency[0]!.amountMinor).toBe(
      byAmount.rows.reduce((s, r) => s + r.amountMinor, 0),
    );
    const bad = await app.dispatch('suspense:search', { cursor: 'garbage' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'validation' } });
  });

  it('keeps the counts right when old days are folded and payments move afterwards', async () => {
    const ids = await suspend(app, [{ amount: '1.00' }, { amount: '2.00' }, { amount: '3.00' }]);
    const later = new Date('2027-06-30T09:00:00Z');
    const input = commandInputs['suspense:search'].parse({});
    const days = () => app.all(sql`SELECT DISTINCT entered_on AS d FROM suspense_tally ORDER BY d`);
    // A search reads only, even when old days are due to fold: on a team server it must never wait for the lock.
    const tallyBefore = await days();
    expect(
      (await searchSuspense(app.ctx.storage, input, later)).byAge.find((b) => b.bucket === '90+')?.count,
    ).toBe(3);
    expect(await days()).toEqual(tallyBefore);
    // The suspense moves fold (they hold the lock anyway); on that later day, the same counts.
    await app.ctx.storage.transaction((tx) => foldTallyIn(tx, '2027-06-30'));
    expect(await days()).toEqual([{ d: '0000-01-01' }]);
    const folded = await searchSuspense(app.ctx.storage, input, later);
    expect(folded.byAge.find((b) => b.bucket === '90+')?.count).toBe(3);
    await value(app.dispatch('suspense:remove', { paymentId: ids[0]!, reasonCode: 4999 }));
    await value(app.dispatch('suspense:assign', { paymentIds: [ids[1]!], owner: 3001 }));
    const after = await searchSuspense(app.ctx.storage, input, later);
    expect(after.total).toBe(2);
    expect(after.byOwner).toEqual([
      { owner: 3001, label: 'Payments Processing', count: 1 },
      { owner: null, label: null, count: 1 },
    ]);
    expect(after.totalsByCurrency).toEqual([{ currency: 'USD', count: 2, amountMinor: 500 }]);
    await expectClean(app);
  });

  it('keeps changes to analysts, supervisors and admins', async () => {
    const [id] = await suspend(app, [{ amount: '5.00' }]);
    await app.ctx.storage.transaction(async (tx) => {
      await tx.run(
        sql`INSERT INTO operators (login, name, roles, active, created_at) VALUES ('clerk1', 'clerk1', 'clerk', 1, 'x')`,
      );
    });
    const clerkId = (await app.get<{ id: number }>(sql`SELECT id FROM operators WHERE login = 'clerk1'`))!.id;
    const saved = { ...app.ctx.operator };
    Object.assign(app.ctx.operator, { id: clerkId, login: 'clerk1', roles: ['clerk'] });
    try {
      const r = await app.dispatch('suspense:remove', { paymentId: id!, reasonCode: 4999 });
      expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect((await app.dispatch('suspense:search', {})).ok).toBe(true);
    } finally {
      Object.assign(app.ctx.operator, saved);
    }
  });

  it('suggests for a batch entry whose payment date is not a real date without inventing a distance', async () => {
    const [account] = await usdAccountsVia(app, 1);
    const batch = await value<{ id: number }>(
      app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
    );
    await value(
      app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: [
          { accountNo: 'NOPE-1', amount: '12.00', paymentDate: '2026-13-45', payerName: account!.name },
        ],
      }),
    );
    const entries = (
      await app.all<{ id: number }>(
        sql`SELECT id FROM batch_entries WHERE batch_id = ${batch.id} ORDER BY id`,
      )
    ).map((r) => r.id);
    // Open bills of the same amount exist, so the date-based suggestion is the one that could go wrong.
    await app.ctx.storage.transaction(async (tx) => {
      await tx.run(
        sql`UPDATE bills SET amount_due_minor = 1200, status = 'open' WHERE id IN
              (SELECT id FROM bills WHERE currency = 'USD' ORDER BY id LIMIT 3)`,
      );
    });
    const out = await value<SuspenseCandidatesDto>(
      app.dispatch('suspense:candidates', { batchId: batch.id, entryId: entries[0]! }),
    );
    expect(out.hints.effectiveDate).toBe('2026-13-45');
    expect(out.candidates.length).toBeGreaterThan(0);
    for (const c of out.candidates) {
      expect(Number.isInteger(c.score), JSON.stringify(c)).toBe(true);
      expect(c.reasons.join(' ')).not.toMatch(/NaN|days from the payment date/);
    }
  });
});
