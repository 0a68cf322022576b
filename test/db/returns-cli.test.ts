import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReturnsImportDto, ReturnsPreviewDto } from '../../src-shared/dto/returns';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';
import { collectByFileVia, type CollectedDebit } from '../helpers/direct-debit';

const json = jsonOf;

describe.each(APPS.filter((r) => r.available))('bankfile returns CLI ($dialect)', ({ open }) => {
  let app: TestApp;
  const cli = cliOnApp(() => app);
  let debits: CollectedDebit[];
  let csv: string;

  beforeAll(async () => {
    // No in-process operator: `init` makes the CLI's operator the first admin.
    app = await open();
    process.env.PAYDESK_OPERATOR = 'cli-returns';
    expect((await cli('--json', 'init')).code).toBe(0);
    expect((await cli('--json', 'demo', '--accounts', '40', '--seed', '3')).code).toBe(0);
    debits = await collectByFileVia(
      app.ctx.storage,
      { scheme: 'sepa', count: 3, messageId: 'CLI-1' },
      new Date(),
    );
    csv = join(app.dir, 'rejections.csv');
    const amount = (d: CollectedDebit): string => (d.amountMinor / 100).toFixed(2);
    writeFileSync(
      csv,
      'reference,account_no,amount,currency,rejection_code,date,text\n' +
        `${debits[0]!.endToEndId},${debits[0]!.accountNo},${amount(debits[0]!)},EUR,AM04,2026-11-21,Insufficient funds\n` +
        `${debits[2]!.endToEndId},${debits[2]!.accountNo},${amount(debits[2]!)},EUR,AC04,2026-11-21,Account closed\n` +
        `UNKNOWN-1,,1.00,EUR,MS03,,\n`,
    );
  });
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app?.dispose();
  });

  it('--preview writes nothing and shows every line; the import makes one return batch that submits', async () => {
    const preview = json<ReturnsPreviewDto>(await cli('--json', 'bankfile', 'returns', csv, '--preview'));
    expect(preview).toMatchObject({
      format: 'rejections',
      matched: 2,
      unmatched: 1,
      fileName: 'rejections.csv',
    });
    expect(
      preview.lines.map((l) => [l.line, l.bankCode, l.rejectionCode, l.declineClass, l.matched]),
    ).toEqual([
      [2, 'AM04', 'AM04', 'soft', true],
      [3, 'AC04', 'AC04', 'hard', true],
      [4, 'MS03', 'MS03', 'soft', false],
    ]);
    expect(preview.lines[2]?.reason).toBe('no debit or payment has reference UNKNOWN-1');
    expect(json<{ rows: unknown[] }>(await cli('--json', 'batch', 'list')).rows).toHaveLength(0);

    const imported = json<ReturnsImportDto>(await cli('--json', 'bankfile', 'returns', csv));
    expect(imported.batch).toMatchObject({
      batchType: 'reversal',
      sourceFile: 'rejections.csv',
      status: 'open',
    });
    expect(imported.rows).toBe(2);
    expect(imported.invalid).toBe(1);
    const batchId = imported.batch!.id;
    expect((await cli('--json', 'batch', 'validate', String(batchId))).code).toBe(0);
    const submitted = await cli('--json', 'batch', 'submit', String(batchId));
    expect(submitted.code, submitted.err + submitted.out).toBe(0);
    expect(JSON.parse(submitted.out)).toMatchObject({ reversed: 2 });

    const again = await cli('--json', 'bankfile', 'returns', csv);
    expect(again.code).not.toBe(0);
    expect(JSON.parse(again.out || again.err).error.message).toMatch(/already imported.*already returned/);
    const check = json<{ violations: unknown[] }>(await cli('--json', 'ledger', 'check'));
    expect(check.violations).toEqual([]);
  });

  it('payment bounce records a one-entry return batch; a bad code is refused with the reason', async () => {
    const bad = await cli('--json', 'payment', 'bounce', String(debits[1]!.paymentId), '--code', 'ZZ9');
    expect(bad.code).not.toBe(0);
    expect(bad.out + bad.err).toMatch(/rejection code ZZ9 is not configured/);
    const r = json<ReturnsImportDto>(
      await cli(
        '--json',
        'payment',
        'bounce',
        String(debits[1]!.paymentId),
        '--code',
        'R10',
        '--text',
        'not authorised',
      ),
    );
    expect(r.batch).toMatchObject({ batchType: 'reversal', controlCount: 1 });
    expect(r.lines[0]).toMatchObject({
      kind: 'bounced',
      bankCode: 'R10',
      bankText: 'not authorised',
      matched: true,
    });
  });

  it('a file that is no returns file is refused with the reason', async () => {
    const other = join(app.dir, 'other.txt');
    writeFileSync(other, 'hello\n');
    const r = await cli('--json', 'bankfile', 'returns', other);
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toMatch(/not a returns file Paydesk reads/);
  });
});
