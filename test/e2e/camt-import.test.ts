import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto, BatchEntriesPageDto } from '../../src-shared/dto/batches';
import { buildCamt } from '../helpers/camt';
import { startSession, type E2eSession } from './helpers';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

describe('camt.053 statement import in the real renderer', () => {
  let s: E2eSession;
  let bills: { billNo: string; dueMinor: number }[];

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 60, seed: 5 });
    bills = s.app.ctx.ledger.sqlite
      .prepare(
        `SELECT b.bill_no AS billNo, b.amount_due_minor AS dueMinor FROM bills b JOIN accounts a ON a.id = b.account_id
         WHERE a.currency = 'EUR' AND a.status = 'active' AND b.status = 'open' AND b.amount_due_minor > 0
         ORDER BY b.id LIMIT 2`,
      )
      .all() as { billNo: string; dueMinor: number }[];
    expect(bills).toHaveLength(2);
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batches-page').waitFor();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('previews the statement (EUR, resolved references, warnings) and imports it without a template', async () => {
    const amount = (m: number) => `${Math.trunc(m / 100)}.${String(m % 100).padStart(2, '0')}`;
    const file = join(s.dir, 'statement-1121.xml');
    writeFileSync(
      file,
      buildCamt({
        msgId: 'STMT-1121',
        blocks: [
          [
            {
              amount: amount(bills[0]!.dueMinor),
              side: 'CRDT',
              ustrd: [`Invoice ${bills[0]!.billNo}`],
              debtorName: 'Mia Wolf',
            },
            {
              amount: amount(bills[1]!.dueMinor),
              side: 'CRDT',
              creditorRef: bills[1]!.billNo,
              debtorName: 'Jon Koch',
            },
            { amount: '42.00', side: 'CRDT', ustrd: ['Payment ref ZZ-77123'], debtorName: 'Unknown payer' },
            { amount: '3.00', side: 'CRDT', status: 'PDNG', ustrd: ['pending'] },
            { amount: '5.00', side: 'DBIT' },
          ],
        ],
      }),
    );
    await s.page.getByTestId('import-file').first().click();
    const dialog = s.page.getByTestId('import-dialog');
    await dialog.waitFor();
    await s.page.getByTestId('import-file-input').setInputFiles(file);
    const note = s.page.getByTestId('import-statement');
    await note.waitFor();
    expect(await note.getAttribute('data-currency')).toBe('EUR');
    expect(await note.textContent()).toContain('STMT-1121');
    expect(await s.page.getByTestId('import-statement-warnings').textContent()).toContain(
      'credit with status PDNG is not booked; not read',
    );
    expect(await s.page.getByTestId('import-preview-row-1').textContent()).toContain(bills[0]!.billNo);
    expect(await s.page.getByTestId('import-preview-row-3').textContent()).toContain('ZZ-77123');
    expect(await s.page.getByTestId('import-preview-control').textContent()).toContain('3 entries');
    expect((await service<{ total: number }>(s, 'batches:list', {})).total).toBe(0);
    await s.screenshot('camt-import-preview');

    await s.page.getByTestId('import-confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    await s.page.getByTestId('batch-workspace').waitFor();
    const list = await service<{ rows: BatchDto[] }>(s, 'batches:list', {});
    const batch = list.rows[0]!;
    expect(batch).toMatchObject({
      currency: 'EUR',
      payType: 10013,
      batchType: 'payment',
      controlCount: 3,
      sourceFile: 'statement-1121.xml',
    });
    const page = await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId: batch.id });
    expect(page.rows.map((r) => r.billNo)).toEqual([bills[0]!.billNo, bills[1]!.billNo, 'ZZ-77123']);
    await s.page.locator('[data-testid="entries-grid"] .ag-row').first().waitFor();
    await s.screenshot('camt-import-batch');
  });
});
