import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentTimelineDto } from '../../src-shared/dto/reports';
import { TIMELINE_KINDS } from '../../src-shared/dto/reports';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';
import { collectByFileVia, type CollectedDebit } from '../helpers/direct-debit';

describe.each(APPS.filter((r) => r.available))('payment timeline CLI ($dialect)', ({ open }) => {
  let app: TestApp;
  const cli = cliOnApp(() => app);
  let debit: CollectedDebit;

  beforeAll(async () => {
    // No in-process operator: `init` makes the first admin, as on a new ledger.
    app = await open();
    process.env.PAYDESK_OPERATOR = 'cli-timeline';
    expect((await cli('--json', 'init')).code).toBe(0);
    expect((await cli('--json', 'demo', '--accounts', '30', '--seed', '4')).code).toBe(0);
    debit = (
      await collectByFileVia(
        app.ctx.storage,
        { scheme: 'sepa', count: 1, messageId: 'TL-1' },
        new Date('2026-11-20T08:00:00Z'),
      )
    )[0]!;
  }, 60_000);
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app?.dispose();
  });

  it('--json prints exactly {paymentId, accountNo, amountMinor, currency, status, events}; a bounce shows up in order', async () => {
    const bounced = await cli('--json', 'payment', 'bounce', String(debit.paymentId), '--code', 'R10');
    expect(bounced.code, bounced.err).toBe(0);
    const batchId = (JSON.parse(bounced.out) as { batch: { id: number } }).batch.id;
    expect((await cli('--json', 'batch', 'validate', String(batchId))).code).toBe(0);
    const submitted = await cli('--json', 'batch', 'submit', String(batchId));
    expect(submitted.code, submitted.err + submitted.out).toBe(0);

    const t = jsonOf<PaymentTimelineDto>(await cli('--json', 'payment', 'timeline', String(debit.paymentId)));
    expect(Object.keys(t)).toEqual(['paymentId', 'accountNo', 'amountMinor', 'currency', 'status', 'events']);
    expect(t).toMatchObject({
      paymentId: debit.paymentId,
      accountNo: debit.accountNo,
      amountMinor: debit.amountMinor,
      currency: 'EUR',
      status: 'reversed',
    });
    for (const e of t.events) {
      expect(Object.keys(e).slice(0, 4)).toEqual(['at', 'kind', 'operator', 'detail']);
      expect(TIMELINE_KINDS).toContain(e.kind);
      expect(e.detail.length).toBeGreaterThan(10);
    }
    const kinds = t.events.map((e) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['submitted', 'posted']);
    expect(t.events[0]!.detail).toMatch(/^Collected by direct debit in bank file TL-1 \(pain\.008/);
    const returned = kinds.indexOf('returned');
    const reversed = kinds.indexOf('reversed');
    expect(returned).toBeGreaterThan(1);
    expect(reversed).toBeGreaterThan(returned);
    expect(t.events[returned]!.detail).toMatch(
      /^Bounced R10, rejection code R10, read from manual into return batch /,
    );
    expect(t.events[reversed]).toMatchObject({
      operator: 'cli-timeline',
      amountMinor: -debit.amountMinor,
      detail: expect.stringMatching(/^Reversed by reversal batch /),
    });
    // Sorted by time.
    expect(t.events.map((e) => e.at)).toEqual([...t.events.map((e) => e.at)].sort());
  });

  it('prints one line per event for people, and refuses an unknown payment with not_found', async () => {
    const human = await cli('payment', 'timeline', String(debit.paymentId));
    expect(human.code, human.err).toBe(0);
    const lines = human.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^Payment ${debit.paymentId} on ${debit.accountNo}: \\d+\\.\\d{2} EUR, `),
    );
    expect(lines[1]).toMatch(/^2026-11-20 08:00:00 {2}submitted {9}\S+ +Collected by direct debit/);
    const json = jsonOf<PaymentTimelineDto>(
      await cli('--json', 'payment', 'timeline', String(debit.paymentId)),
    );
    expect(lines).toHaveLength(json.events.length + 1);

    const missing = await cli('--json', 'payment', 'timeline', '987654');
    expect(missing.code).not.toBe(0);
    expect(JSON.parse(missing.out || missing.err)).toMatchObject({
      error: { code: 'not_found', message: 'payment 987654 not found' },
    });
    const bad = await cli('--json', 'payment', 'timeline', 'abc');
    expect(bad.code).not.toBe(0);
    expect(JSON.parse(bad.out || bad.err)).toMatchObject({
      error: { code: 'validation', message: '"abc" is not an integer' },
    });
  });
});
