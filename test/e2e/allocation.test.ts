import fc from 'fast-check';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDetailDto, AccountSearchDto, PaymentHistoryDto } from '../../src-shared/dto/accounts';
import type {
  AllocationResultDto,
  AllocationRowDto,
  AllocationViewDto,
  AllocBillDto,
  RecordedPaymentDto,
} from '../../src-shared/dto/allocation';
import type { AppInfoDto } from '../../src-shared/dto/app';
import { formatMinor } from '../../src-shared/money';
import { planAllocation, type AllocTarget } from '../../src-main/domain/allocation';
import { planFill, type FillPolicy } from '../../src-renderer/src/features/allocation/allocation-fill';
import { startSession, type E2eSession } from './helpers';

/** Calls a command through the services of the same ledger (not through the UI) and unwraps the result. */
async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** The display text the UI must show for an amount, computed independently of the renderer code. */
function expectedMoney(exponent: number, amountMinor: number, currency: string, withCode = false): string {
  const text = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(formatMinor(amountMinor, exponent) as `${number}`);
  return withCode ? `${text} ${currency}` : text;
}

/** The data-testid of the focused element. */
async function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
}

/** Waits until the element with this test id has the focus. */
async function waitFocused(page: Page, testId: string): Promise<void> {
  await page.waitForFunction((id) => document.activeElement?.getAttribute('data-testid') === id, testId, {
    timeout: 5_000,
  });
}

/** Waits until an element's data-minor attribute shows this amount (the UI refetches after ledger:changed). */
async function waitMinor(page: Page, testId: string, minor: number): Promise<void> {
  await page.waitForFunction(
    ([id, m]) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-minor') === String(m),
    [testId, minor] as const,
    { timeout: 10_000 },
  );
}

/** Opens an account through the location hash, as a bookmark or the search list would. */
async function openAccount(s: E2eSession, accountNo: string): Promise<void> {
  await s.page.evaluate((no) => {
    window.location.hash = `#/accounts/${no}`;
  }, accountNo);
  await s.page.locator(`[data-testid="account-detail"][data-account-no="${accountNo}"]`).waitFor();
}

/** The newest payment of an account (the one just recorded). */
async function newestPayment(s: E2eSession, accountNo: string) {
  const h = await service<PaymentHistoryDto>(s, 'accounts:payment-history', { accountNo, limit: 1 });
  return h.rows[0]!;
}

/** Item number → net amount allocated, from allocation rows. */
function netByItem(rows: readonly AllocationRowDto[]): Map<string, number> {
  const net = new Map<string, number>();
  for (const r of rows) net.set(r.itemNo ?? '', (net.get(r.itemNo ?? '') ?? 0) + r.amountMinor);
  for (const [k, v] of net) if (v === 0) net.delete(k);
  return net;
}

describe('Allocation dialogs in the real renderer over the bridge', () => {
  let s: E2eSession;
  // Accounts picked from the demo book for each scenario (fresh: no payments yet).
  let keyboardAccount: AllocationViewDto;
  let partialAccount: AllocationViewDto;
  let staleAccount: AllocationViewDto;
  let laterAccount: AllocationViewDto;
  let keyboardPaymentId = 0;

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 300, seed: 1 });
    const info = await service<AppInfoDto>(s, 'app:info', {});
    expect(info.accountCount).toBe(300);
    const all = await service<AccountSearchDto>(s, 'accounts:search', {
      query: '',
      mode: 'prefix',
      limit: 300,
    });
    const views: AllocationViewDto[] = [];
    for (const row of all.rows) {
      if (row.status !== 'active' || row.currency !== 'USD') continue;
      const d = await service<AccountDetailDto>(s, 'accounts:show', { accountNo: row.accountNo });
      if (d.isSuspense) continue;
      const v = await service<AllocationViewDto>(s, 'allocation:view', { accountNo: row.accountNo });
      if (v.bills.length > 0 && v.bills.every((b) => b.payable) && v.payments.length === 0) views.push(v);
    }
    const used = new Set<string>();
    const pick = (ok: (v: AllocationViewDto) => boolean): AllocationViewDto => {
      const v = views.find((x) => !used.has(x.accountNo) && ok(x));
      if (!v) throw new Error('the demo book has no account for this scenario');
      used.add(v.accountNo);
      return v;
    };
    keyboardAccount = pick((v) => v.bills.length >= 2 && v.bills[1]!.items.length >= 2);
    partialAccount = pick((v) => v.bills.length >= 1 && v.bills[0]!.amountDueMinor >= 200);
    staleAccount = pick((v) => v.bills.length >= 2 && v.bills[0]!.amountDueMinor > 5_000);
    laterAccount = pick((v) => v.bills.length >= 2);
    await s.page.goto(`${s.bridge.url}#/accounts/${keyboardAccount.accountNo}`);
    await s.page
      .locator(`[data-testid="account-detail"][data-account-no="${keyboardAccount.accountNo}"]`)
      .waitFor();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('records a check through the UI and allocates it with the keyboard only across two bills and one item', async () => {
    const { page } = s;
    const v = keyboardAccount;
    const exp = v.exponent;
    const [billA, billB] = [v.bills[0]!, v.bills[1]!];
    const itemB = billB.items[1]!;
    const amountMinor = billA.amountDueMinor + itemB.openMinor;

    // Record payment: a check, not allocated automatically, so it lands as unallocated credit.
    await page.getByTestId('record-payment').click();
    const record = page.getByTestId('record-payment-dialog');
    await record.waitFor({ state: 'visible' });
    await waitFocused(page, 'record-amount');
    await page.keyboard.type(formatMinor(amountMinor, exp));
    expect(await record.getByTestId('record-pay-type').textContent()).toBe('Check');
    await record.getByTestId('record-reference').fill('CHK-1001');
    await record.getByTestId('record-allocate').uncheck();
    await s.screenshot('record-payment-dialog');
    await record.getByTestId('record-amount').press('Enter');
    await record.waitFor({ state: 'hidden' });
    await page.getByTestId('allocation-notice').getByText('left as unallocated credit').waitFor();
    await waitMinor(page, 'account-unallocated', amountMinor);

    const payment = await newestPayment(s, v.accountNo);
    expect(payment).toMatchObject({
      amountMinor,
      payType: 10012,
      externalRef: 'CHK-1001',
      allocatedMinor: 0,
    });
    keyboardPaymentId = payment.paymentId;

    // The history row offers Allocate for a payment with credit.
    await page.getByTestId('payment-history').scrollIntoViewIfNeeded();
    await page.getByTestId(`history-allocate-${payment.paymentId}`).click();
    const dialog = page.getByTestId('allocate-dialog');
    await dialog.waitFor({ state: 'visible' });
    expect(await dialog.getByTestId('allocation-state').textContent()).toBe(
      `Unallocated credit ${expectedMoney(exp, amountMinor, v.currency, true)}`,
    );

    // From here on: keyboard only. Focus starts in the first Apply field.
    await waitFocused(page, `apply-bill-${billA.billNo}`);
    await page.keyboard.type(formatMinor(billA.amountDueMinor, exp));
    await page.keyboard.press('Enter');
    expect(await focusedTestId(page)).toBe(`apply-bill-${billB.billNo}`);
    await page.keyboard.press('ArrowUp');
    expect(await focusedTestId(page)).toBe(`apply-bill-${billA.billNo}`);
    await page.keyboard.press('ArrowDown');
    expect(await focusedTestId(page)).toBe(`apply-bill-${billB.billNo}`);
    await page.keyboard.press('Alt+ArrowRight');
    await dialog.getByTestId(`apply-item-${billB.items[0]!.itemNo}`).waitFor({ state: 'visible' });
    await page.keyboard.press('ArrowDown');
    expect(await focusedTestId(page)).toBe(`apply-item-${billB.items[0]!.itemNo}`);
    await page.keyboard.press('ArrowDown');
    expect(await focusedTestId(page)).toBe(`apply-item-${itemB.itemNo}`);
    await page.keyboard.type(formatMinor(itemB.openMinor, exp));

    // The bill's Apply is the sum of its items; the remainder is live and the Save button is enabled.
    expect(await dialog.getByTestId(`apply-bill-${billB.billNo}`).inputValue()).toBe(
      formatMinor(itemB.openMinor, exp),
    );
    expect(await dialog.getByTestId(`apply-bill-${billA.billNo}`).inputValue()).toBe(
      formatMinor(billA.amountDueMinor, exp),
    );
    await waitMinor(page, 'allocation-remainder', 0);
    expect(Number(await dialog.getByTestId('allocation-applied').getAttribute('data-minor'))).toBe(
      amountMinor,
    );
    expect(await dialog.getByTestId('allocate-save').isEnabled()).toBe(true);
    expect(await dialog.getByTestId('allocate-leave-credit').isEnabled()).toBe(false);
    await s.screenshot('allocation-dialog');
    await page.keyboard.press('Control+Enter');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('allocation-notice').getByText(`Payment #${payment.paymentId}:`).waitFor();

    // The allocations landed exactly: every item of bill A in full, and the one item of bill B.
    const rows = await service<AllocationRowDto[]>(s, 'payments:allocations', {
      paymentId: payment.paymentId,
    });
    const expected = new Map([
      ...billA.items.map((i) => [i.itemNo, i.openMinor] as const),
      [itemB.itemNo, itemB.openMinor] as const,
    ]);
    expect(netByItem(rows)).toEqual(expected);
    expect(rows.every((r) => !r.reversal)).toBe(true);
    expect(new Set(rows.map((r) => r.billNo))).toEqual(new Set([billA.billNo, billB.billNo]));
    const after = await service<AllocationViewDto>(s, 'allocation:view', { accountNo: v.accountNo });
    expect(after.bills.map((b) => b.billNo)).not.toContain(billA.billNo);
    const bAfter = after.bills.find((b) => b.billNo === billB.billNo)!;
    expect(bAfter.amountDueMinor).toBe(billB.amountDueMinor - itemB.openMinor);
    expect(bAfter.items.map((i) => i.itemNo)).not.toContain(itemB.itemNo);
    expect(after.unallocatedMinor).toBe(0);

    // The screen refreshed: no credit left, the history row shows where the payment went, bill B who paid it.
    await waitMinor(page, 'account-unallocated', 0);
    await page.getByTestId(`history-expand-${payment.paymentId}`).click();
    const went = page.getByTestId(`payment-allocation-rows-${payment.paymentId}`);
    await went.waitFor({ state: 'visible' });
    expect(await went.locator('[data-testid^="allocation-row-"]').count()).toBe(rows.length);
    expect(await page.locator(`[data-testid="open-bill-${billA.billNo}"]`).count()).toBe(0);
    await page.getByTestId(`open-bill-${billB.billNo}`).click();
    const paidBy = page.getByTestId(`bill-paid-by-${billB.billNo}`);
    await paidBy.waitFor({ state: 'visible' });
    const paidCells = (await paidBy.locator('tbody tr').first().locator('td').allTextContents()).map((t) =>
      t.trim(),
    );
    expect(paidCells.slice(0, 3)).toEqual([
      `#${payment.paymentId}`,
      itemB.itemNo,
      expectedMoney(exp, itemB.openMinor, v.currency),
    ]);
    await page.getByTestId('allocation-notice').waitFor({ state: 'visible' });
    await page.getByTestId('open-bills').scrollIntoViewIfNeeded();
    await s.screenshot('account-after-allocation');
  });

  it('fills an underpayment by FIFO (partial) and an overpayment by FIFO with the remainder left as credit', async () => {
    const { page } = s;
    const v = partialAccount;
    const exp = v.exponent;
    await openAccount(s, v.accountNo);
    const oldest = v.bills[0]!;

    // Underpayment: half of the oldest bill.
    const partMinor = Math.floor(oldest.amountDueMinor / 2);
    await service<RecordedPaymentDto>(s, 'payments:record', {
      accountNo: v.accountNo,
      amount: formatMinor(partMinor, exp),
      externalRef: 'PART-1',
      allocate: 'none',
    });
    const part = await newestPayment(s, v.accountNo);
    await page.getByTestId(`history-allocate-${part.paymentId}`).click();
    const dialog = page.getByTestId('allocate-dialog');
    await waitFocused(page, `apply-bill-${oldest.billNo}`);
    await page.keyboard.press('Alt+F');
    expect(await dialog.getByTestId('allocation-state').textContent()).toBe('Allocation suggested · FIFO');
    expect(await dialog.getByTestId(`apply-bill-${oldest.billNo}`).inputValue()).toBe(
      formatMinor(partMinor, exp),
    );
    await waitMinor(page, 'allocation-remainder', 0);
    expect(await dialog.getByTestId('allocate-save').isEnabled()).toBe(true);
    await dialog.getByTestId('allocate-save').click();
    await dialog.waitFor({ state: 'hidden' });
    const afterPart = await service<AllocationViewDto>(s, 'allocation:view', { accountNo: v.accountNo });
    expect(afterPart.bills[0]).toMatchObject({
      billNo: oldest.billNo,
      amountDueMinor: oldest.amountDueMinor - partMinor,
    });
    expect(afterPart.unallocatedMinor).toBe(0);

    // Overpayment: everything open plus 50.00; FIFO fills every bill and the rest stays as account credit.
    const extraMinor = 50 * 10 ** exp;
    const overMinor = afterPart.openMinor + extraMinor;
    await service<RecordedPaymentDto>(s, 'payments:record', {
      accountNo: v.accountNo,
      amount: formatMinor(overMinor, exp),
      externalRef: 'OVER-1',
      allocate: 'none',
    });
    const over = await newestPayment(s, v.accountNo);
    await page.getByTestId(`history-allocate-${over.paymentId}`).click();
    await dialog.waitFor({ state: 'visible' });
    await waitFocused(page, `apply-bill-${oldest.billNo}`);
    // Escape closes without posting anything; open it again.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId(`history-allocate-${over.paymentId}`).click();
    await waitFocused(page, `apply-bill-${oldest.billNo}`);
    await dialog.getByTestId('fill-fifo').click();
    await waitMinor(page, 'allocation-remainder', extraMinor);
    const remainder = dialog.getByTestId('allocation-remainder');
    expect(await remainder.getAttribute('data-over')).toBe('false');
    expect(
      await dialog
        .getByText(`${expectedMoney(exp, extraMinor, v.currency, true)} stays on the account`)
        .count(),
    ).toBe(1);
    expect(await dialog.getByTestId('allocate-save').isEnabled()).toBe(false);
    expect(await dialog.getByTestId('allocate-leave-credit').isEnabled()).toBe(true);
    await dialog.getByTestId('allocate-leave-credit').click();
    await dialog.waitFor({ state: 'hidden' });

    const afterOver = await service<AllocationViewDto>(s, 'allocation:view', { accountNo: v.accountNo });
    expect(afterOver.bills).toEqual([]);
    expect(afterOver.unallocatedMinor).toBe(extraMinor);
    expect(afterOver.payments.map((p) => [p.paymentId, p.unallocatedMinor])).toEqual([
      [over.paymentId, extraMinor],
    ]);
    await waitMinor(page, 'account-unallocated', extraMinor);
    expect(await page.getByTestId('account-unallocated').textContent()).toBe(
      expectedMoney(exp, extraMinor, v.currency, true),
    );
    await page.getByTestId('allocate-later').waitFor({ state: 'visible' });
  });

  it('keeps Save disabled and the remainder red when over-allocated, and shows a stale-token error with Reload', async () => {
    const { page } = s;
    const v = staleAccount;
    const exp = v.exponent;
    const [billA, billB] = [v.bills[0]!, v.bills[1]!];
    await openAccount(s, v.accountNo);
    const oneMinor = 10 * 10 ** exp;
    await service(s, 'payments:record', {
      accountNo: v.accountNo,
      amount: formatMinor(oneMinor, exp),
      allocate: 'none',
    });
    const p1 = await newestPayment(s, v.accountNo);
    await service(s, 'payments:record', { accountNo: v.accountNo, amount: '5', allocate: 'none' });
    const p2 = await newestPayment(s, v.accountNo);

    await page.getByTestId(`history-allocate-${p1.paymentId}`).click();
    const dialog = page.getByTestId('allocate-dialog');
    await waitFocused(page, `apply-bill-${billA.billNo}`);
    const tokenBefore = await dialog.getAttribute('data-token');

    // Twice the payment on bill A, and more than bill B has open on bill B.
    await page.keyboard.type(formatMinor(2 * oneMinor, exp));
    await page.keyboard.press('Enter');
    await page.keyboard.type(formatMinor(billB.amountDueMinor + 1, exp));
    const remainder = dialog.getByTestId('allocation-remainder');
    await waitMinor(page, 'allocation-remainder', oneMinor - 2 * oneMinor - billB.amountDueMinor - 1);
    expect(await remainder.getAttribute('data-over')).toBe('true');
    // The theme's error colour (MUI's default error.main, #d32f2f, in the light theme).
    expect(await remainder.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(211, 47, 47)');
    await dialog
      .getByText(`more than the ${expectedMoney(exp, billB.amountDueMinor, v.currency)} open`)
      .waitFor();
    expect(await dialog.getByTestId('allocate-save').isDisabled()).toBe(true);
    expect(await dialog.getByTestId('allocate-leave-credit').isDisabled()).toBe(true);
    await page.keyboard.press('Control+Enter');
    expect(await dialog.isVisible()).toBe(true);
    await s.screenshot('allocation-overallocated');

    // Correct it to exactly the payment on bill A.
    await page.keyboard.press('ArrowUp');
    await page.keyboard.type(formatMinor(oneMinor, exp));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Backspace');
    await waitMinor(page, 'allocation-remainder', 0);
    expect(await remainder.getAttribute('data-over')).toBe('false');
    expect(await dialog.getByTestId('allocate-save').isEnabled()).toBe(true);

    // Meanwhile someone else allocates on this account: the dialog's token is now stale.
    await service<AllocationResultDto>(s, 'allocation:apply', { paymentId: p2.paymentId, policy: 'fifo' });
    await page.keyboard.press('Control+Enter');
    const err = dialog.getByTestId('allocate-error');
    await err.waitFor({ state: 'visible' });
    expect(await err.getAttribute('data-code')).toBe('conflict');
    expect(await err.textContent()).toContain('Someone else allocated on this account');
    const p1Still = await service<AllocationViewDto>(s, 'allocation:view', { paymentId: p1.paymentId });
    expect(p1Still.payments[0]!.unallocatedMinor).toBe(oneMinor);

    // Reload fetches the current figures and a fresh token; then the allocation goes through.
    await dialog.getByTestId('allocate-reload').click();
    await err.waitFor({ state: 'hidden' });
    const fresh = await service<AllocationViewDto>(s, 'allocation:view', { accountNo: v.accountNo });
    await page.waitForFunction(
      (t) => document.querySelector('[data-testid="allocate-dialog"]')?.getAttribute('data-token') === t,
      fresh.token,
    );
    expect(fresh.token).not.toBe(tokenBefore);
    expect(await dialog.getByTestId(`apply-bill-${billA.billNo}`).inputValue()).toBe('');
    await waitFocused(page, `apply-bill-${billA.billNo}`);
    await page.keyboard.press('Alt+F');
    await page.keyboard.press('Control+Enter');
    await dialog.waitFor({ state: 'hidden' });
    const done = await service<AllocationViewDto>(s, 'allocation:view', { paymentId: p1.paymentId });
    expect(done.payments[0]!.unallocatedMinor).toBe(0);
    expect(done.bills[0]).toMatchObject({
      billNo: billA.billNo,
      amountDueMinor: billA.amountDueMinor - 5 * 10 ** exp - oneMinor,
    });
  });

  it('allocates an account’s credit later by a policy', async () => {
    const { page } = s;
    const v = laterAccount;
    await openAccount(s, v.accountNo);
    const amountMinor = Math.floor(v.openMinor / 3);
    await service(s, 'payments:record', {
      accountNo: v.accountNo,
      amount: formatMinor(amountMinor, v.exponent),
      allocate: 'none',
    });
    const p = await newestPayment(s, v.accountNo);
    await waitMinor(page, 'account-unallocated', amountMinor);
    await page.keyboard.press('Alt+A');
    const later = page.getByTestId('allocate-later-dialog');
    await later.waitFor({ state: 'visible' });
    await later.getByTestId(`later-payment-${p.paymentId}`).waitFor();
    await later.getByTestId('later-policy-proportional').click();
    await later.getByTestId('later-run').click();
    await later.waitFor({ state: 'hidden' });
    await waitMinor(page, 'account-unallocated', 0);

    // Proportional over every open item: the same split the engine computes.
    const rows = await service<AllocationRowDto[]>(s, 'payments:allocations', { paymentId: p.paymentId });
    const expected = planFill(amountMinor, v.bills, 'proportional')!;
    expect(netByItem(rows)).toEqual(new Map(expected));
  });

  it('undoes an allocation with a reason code and the bill opens again', async () => {
    const { page } = s;
    const v = keyboardAccount;
    const billA = v.bills[0]!;
    await openAccount(s, v.accountNo);
    await page.getByTestId('payment-history').scrollIntoViewIfNeeded();
    await page.getByTestId(`history-undo-${keyboardPaymentId}`).click();
    const dialog = page.getByTestId('undo-dialog');
    await dialog.waitFor({ state: 'visible' });
    await waitFocused(page, 'undo-reason');
    expect(await dialog.getByTestId('undo-reason').inputValue()).toBe('4001');
    await waitMinor(page, 'undo-total', billA.amountDueMinor + v.bills[1]!.items[1]!.openMinor);

    // The reason code is required.
    await page.keyboard.press('Backspace');
    expect(await dialog.getByTestId('undo-submit').isDisabled()).toBe(true);
    await dialog.getByText('A reason code is required').waitFor();
    await page.keyboard.type('4001');
    await dialog.getByText('4001: reversal reason').waitFor();
    await s.screenshot('undo-dialog');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });

    const after = await service<AllocationViewDto>(s, 'allocation:view', { accountNo: v.accountNo });
    const reopened = after.bills.find((b) => b.billNo === billA.billNo);
    expect(reopened).toMatchObject({ amountDueMinor: billA.amountDueMinor, totalMinor: billA.totalMinor });
    expect(reopened!.items.map((i) => [i.itemNo, i.openMinor])).toEqual(
      billA.items.map((i) => [i.itemNo, i.openMinor]),
    );
    expect(after.bills.find((b) => b.billNo === v.bills[1]!.billNo)!.amountDueMinor).toBe(
      v.bills[1]!.amountDueMinor,
    );
    const rows = await service<AllocationRowDto[]>(s, 'payments:allocations', {
      paymentId: keyboardPaymentId,
    });
    expect(netByItem(rows).size).toBe(0);
    expect(rows.filter((r) => r.reversal).length).toBeGreaterThan(0);
    const audit = s.app.ctx.ledger.sqlite
      .prepare(`SELECT reason_code AS r FROM audit_log WHERE action = 'allocation.undo' AND entity_id = ?`)
      .all(String(keyboardPaymentId)) as { r: number }[];
    expect(audit).toEqual([{ r: 4001 }]);

    // The screen shows the bill again and the payment's credit back in the header.
    await page.getByTestId(`open-bill-${billA.billNo}`).waitFor({ state: 'visible' });
    await waitMinor(page, 'account-unallocated', after.unallocatedMinor);
    const ledger = await service<{ violations: unknown[] }>(s, 'ledger:check', {});
    expect(ledger.violations).toEqual([]);
  });

  it('logged no console errors', () => {
    expect(s.consoleErrors).toEqual([]);
  });
});

describe('the dialog’s policy fill mirrors the allocation engine', () => {
  const dates = ['2026-09-01', '2026-10-01', '2026-11-01'];
  const billsArb = fc
    .array(
      fc.record({
        due: fc.constantFrom(...dates),
        billDate: fc.constantFrom(...dates),
        payable: fc.integer({ min: 0, max: 6 }).map((n) => n > 0),
        items: fc.array(fc.integer({ min: 0, max: 50_000 }), { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 5 },
    )
    .map((raw) => {
      let itemId = 0;
      return raw.map((b, bi): AllocBillDto => {
        const items = b.items.map((openMinor) => {
          itemId++;
          return { itemId, itemNo: `I${itemId}`, type: 'usage', amountMinor: openMinor, openMinor };
        });
        const due = items.reduce((sum, i) => sum + i.openMinor, 0);
        return {
          billId: bi + 1,
          billNo: `B${bi + 1}`,
          billUnitNo: 'BU1',
          billDate: b.billDate,
          dueDate: b.due,
          totalMinor: due,
          amountDueMinor: due,
          payable: b.payable,
          items,
        };
      });
    });

  it.each(['fifo', 'proportional', 'largest', 'bill-number'] as const)('%s', (policy: FillPolicy) => {
    fc.assert(
      fc.property(billsArb, fc.integer({ min: 1, max: 200_000 }), fc.nat(6), (bills, amountMinor, hintAt) => {
        const hint = `B${hintAt}`;
        const targets: AllocTarget[] = bills.flatMap((b) =>
          b.items.map((i) => ({
            id: i.itemId,
            billId: b.billId,
            billNo: b.billNo,
            billDate: b.billDate,
            dueDate: b.dueDate,
            openMinor: i.openMinor,
            billDueMinor: b.amountDueMinor,
            payable: b.payable,
          })),
        );
        const plan = planAllocation({
          amountMinor,
          targets,
          policy,
          billNoHint: hint,
          searchBillAmount: false,
          overpayment: 'credit',
          underpayment: 'partial',
        });
        const itemNo = new Map(bills.flatMap((b) => b.items.map((i) => [i.itemId, i.itemNo] as const)));
        const engine = new Map(plan.lines.map((l) => [itemNo.get(l.targetId)!, l.amountMinor]));
        const fill = planFill(amountMinor, bills, policy, hint);
        expect(fill ?? new Map()).toEqual(engine);
      }),
      { numRuns: 300 },
    );
  });
});
