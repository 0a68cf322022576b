import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchImportDto } from '../../src-shared/dto/batches';
import { startSession, type E2eSession } from './helpers';

/** Calls a command through the services of the same ledger (not through the UI) and unwraps the result. */
async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** Entries in the batch: enough that validating them takes several seconds in the job worker. */
const ENTRIES = 120_000;

describe('cancel a long job from its progress bar', () => {
  let s: E2eSession;
  let batch: BatchDto;

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 400, seed: 9 });
    const accounts = s.app.ctx.ledger.sqlite
      .prepare(`SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND is_suspense = 0 LIMIT 100`)
      .all() as { no: string }[];
    const lines = ['Account Number,Payment Amount,Check Number'];
    for (let i = 0; i < ENTRIES; i++)
      lines.push(`${accounts[i % accounts.length]!.no},${(i % 90) + 1}.10,${i}`);
    const file = join(s.dir, 'lockbox.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const imported = await service<BatchImportDto>(s, 'batches:import-file', {
      file,
      template: {
        name: 'e2e-cancel',
        format: 'delimited',
        delimiter: ',',
        headerLines: 0,
        footerLines: 0,
        hasColumnHeader: true,
        dateFormat: 'MM/dd/yyyy',
        columns: [
          { field: 'accountNo', index: 0 },
          { field: 'amount', index: 1 },
          { field: 'checkNo', index: 2 },
        ],
      },
      payType: 10012,
      currency: 'USD',
    });
    batch = imported.batch;
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batches-page').waitFor();
  }, 180_000);

  afterAll(async () => {
    await s?.close();
  });

  it('validate: Cancel on the progress bar stops the job; the batch stays open and the ledger clean', async () => {
    const page = s.page;
    await page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await page.locator(`[data-testid="batch-workspace"][data-batch-no="${batch.batchNo}"]`).waitFor();
    await page.getByTestId('validate').click();
    const cancel = page.getByTestId('batch-job-cancel');
    await cancel.waitFor({ timeout: 20_000 });
    // Mid-way: the job is running in its worker and reporting progress.
    await page.getByTestId('batch-busy').getByText(/ of /).waitFor({ timeout: 30_000 });
    const shot = await s.screenshot('job-cancel-progress');
    expect(shot).toMatch(/job-cancel-progress\.png$/);
    await cancel.click();
    await page
      .getByText('Cancelling…')
      .waitFor({ timeout: 5_000 })
      .catch(() => undefined);
    const notice = page.getByTestId('batch-cancelled');
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.textContent()).toMatch(/validation cancelled: nothing was changed/);
    await s.screenshot('job-cancel-done');
    await page.locator('[data-testid="batch-workspace"][data-status="open"]').waitFor();
    // The ledger: the batch is as it was, every entry still unvalidated, the cancel audited.
    const db = s.app.ctx.ledger.sqlite;
    expect(db.prepare('SELECT status, validated_at AS v FROM batches WHERE id = ?').get(batch.id)).toEqual({
      status: 'open',
      v: null,
    });
    const statuses = db
      .prepare('SELECT status, count(*) AS n FROM batch_entries WHERE batch_id = ? GROUP BY status')
      .all(batch.id) as { status: string; n: number }[];
    expect(statuses.map((r) => r.status)).not.toContain('valid');
    const audit = db.prepare(`SELECT after FROM audit_log WHERE action = 'job.cancel'`).all() as {
      after: string;
    }[];
    expect(audit.map((a) => JSON.parse(a.after) as { kind: string; outcome: string })).toMatchObject([
      { kind: 'batch-validate', outcome: 'cancelled' },
    ]);
    const check = await service<LedgerCheckDto>(s, 'ledger:check', {});
    expect(check.violations).toEqual([]);
    expect(s.consoleErrors).toEqual([]);
  }, 120_000);
});
