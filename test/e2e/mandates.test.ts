import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, type E2eSession } from './helpers';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

describe('Mandates in the desktop UI', () => {
  let s: E2eSession;
  const db = () => s.app.ctx.ledger.sqlite;

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 300, seed: 14 });
    await s.page.setViewportSize({ width: 1280, height: 800 });
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
  }, 90_000);

  afterAll(async () => {
    await s?.close();
  });

  it('adds a SEPA mandate on an account: a field error first, then the new row', async () => {
    const { page } = s;
    const accountNo = (
      db()
        .prepare(
          `SELECT account_no AS a FROM accounts a WHERE currency = 'EUR' AND status = 'active' AND is_suspense = 0
           AND NOT EXISTS (SELECT 1 FROM mandates m WHERE m.account_id = a.id) ORDER BY id LIMIT 1`,
        )
        .get() as { a: string }
    ).a;
    await page.evaluate((no) => {
      window.location.hash = `#/accounts/${no}`;
    }, accountNo);
    const section = page.getByTestId('account-mandates');
    await section.waitFor();
    await section.getByText('No mandate').waitFor();
    await section.getByTestId('mandate-add').click();
    const dialog = page.getByTestId('mandate-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('mandate-field-iban').fill('PK36SCBL0000001123456702');
    await dialog.getByTestId('mandate-save').click();
    await dialog.getByText('IBAN country PK is not in the SEPA scheme').waitFor();
    await s.screenshot('mandates-add-field-error');
    await dialog.getByTestId('mandate-field-iban').fill('DE89 3704 0044 0532 0130 00');
    await dialog.getByTestId('mandate-field-bic').fill('COBADEFFXXX');
    await dialog.getByTestId('mandate-save').click();
    await dialog.waitFor({ state: 'detached' });
    const reference = `MD${accountNo}-1`;
    const row = section.getByTestId(`mandate-row-${reference}`);
    await row.waitFor();
    expect(await row.textContent()).toContain('DE89370400440532013000');
    const stored = db()
      .prepare(`SELECT status, scheme, iban FROM mandates WHERE reference = ?`)
      .get(reference) as { status: string; scheme: string; iban: string };
    expect(stored).toEqual({ status: 'active', scheme: 'sepa_core', iban: 'DE89370400440532013000' });
    await section.scrollIntoViewIfNeeded();
    await s.screenshot('mandates-account-section');
  });

  it('imports a mandate revision file: preview with rows and actions, then apply', async () => {
    const { page } = s;
    const bacs = db()
      .prepare(
        `SELECT reference, account_no AS acct FROM mandates WHERE scheme = 'bacs' AND status IN ('active', 'pending') ORDER BY id LIMIT 2`,
      )
      .all() as { reference: string; acct: string }[];
    expect(bacs).toHaveLength(2);
    await page.evaluate(() => {
      window.location.hash = '#/collections';
    });
    await page.getByTestId('collections-page').waitFor();
    await page.getByTestId('tab-mandates').click();
    await page.getByTestId('mandates-panel').waitFor();
    await page.getByTestId('mandates-panel').getByLabel('Reference starts with').fill('MDA00000');
    await page.getByTestId(`mandates-row-${bacs[0]!.reference}`).waitFor();
    await s.screenshot('mandates-list');

    await page.getByTestId('tab-mandate-file').click();
    const panel = page.getByTestId('mandate-import');
    await panel.waitFor();
    // A bad file first: problems listed, Apply disabled.
    await page.getByTestId('mandate-import-file').setInputFiles({
      name: 'addacs-bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`reference,revision_code\r\n${bacs[0]!.reference},Q\r\nNO-SUCH,0\r\n`),
    });
    await panel.getByTestId('mandate-import-problems').waitFor();
    expect(await panel.getByTestId('mandate-import-problems').textContent()).toContain(
      'line 3, reference: no mandate NO-SUCH',
    );
    expect(await panel.getByTestId('mandate-import-apply').isDisabled()).toBe(true);

    await page.getByTestId('mandate-import-file').setInputFiles({
      name: 'addacs.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        `reference,revision_code,new_sort_code,new_account_no\r\n${bacs[0]!.reference},C,309634,11112222\r\n${bacs[1]!.reference},B,,\r\n`,
      ),
    });
    await panel.getByTestId('mandate-import-row-3').waitFor();
    expect(await panel.getByTestId('mandate-import-row-2').textContent()).toContain('sortCode');
    expect(await panel.getByTestId('mandate-import-row-3').textContent()).toContain('cancel');
    await s.screenshot('mandates-import-preview');
    // Nothing written by the preview.
    expect(db().prepare(`SELECT count(*) AS n FROM mandate_files`).get()).toEqual({ n: 0 });
    await panel.getByTestId('mandate-import-apply').click();
    await panel.getByTestId('mandate-import-applied').waitFor();
    await s.screenshot('mandates-import-applied');
    const after = db()
      .prepare(`SELECT reference, status, sort_code AS s FROM mandates WHERE reference IN (?, ?) ORDER BY id`)
      .all(bacs[0]!.reference, bacs[1]!.reference) as { reference: string; status: string; s: string }[];
    expect(after.map((r) => [r.status, r.s])).toEqual([
      [after[0]!.status, '309634'],
      ['cancelled', after[1]!.s],
    ]);
    expect(after[0]!.status).not.toBe('cancelled');
    expect(s.consoleErrors).toEqual([]);
  });

  it('shows the creditors in Admin', async () => {
    const { page } = s;
    await page.evaluate(() => {
      window.location.hash = '#/admin';
    });
    await page.getByTestId('admin-tab-processors').click();
    const panel = page.getByTestId('creditors-panel');
    await panel.getByText('DE98ZZZ09999999999').waitFor();
    await panel.getByTestId('creditor-add').click();
    const dialog = page.getByTestId('creditor-dialog');
    await dialog.getByLabel('Code').fill('EU-2');
    await dialog.getByLabel('Name').fill('Second');
    await dialog.getByLabel('Creditor identifier').fill('DE97ZZZ09999999999');
    await dialog.getByLabel('IBAN').fill('DE89370400440532013000');
    const digits = dialog.getByText('creditor identifier check digits are 97, expected 98');
    await dialog.getByTestId('creditor-save').click();
    await digits.waitFor();
    await s.screenshot('mandates-creditor-error');
    await dialog.getByLabel('Creditor identifier').fill('DE98ZZZ09999999999');
    // The field's own check clears its two-line message first and the dialog shrinks; Save is pressed after.
    await digits.waitFor({ state: 'detached' });
    await dialog.getByTestId('creditor-save').click();
    await dialog.waitFor({ state: 'detached' });
    await panel.getByText('EU-2').waitFor();
    await s.screenshot('mandates-creditors');
  });
});
