import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AuddisExtractDto,
  CreditorDto,
  MandateDetailDto,
  MandateImportDto,
  MandatePageDto,
} from '../../src-shared/dto/mandates';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';

const json = jsonOf;

describe.each(APPS.filter((r) => r.available))('mandate CLI ($dialect)', ({ open }) => {
  let app: TestApp;
  let dir: string;
  const cli = cliOnApp(() => app);

  beforeAll(async () => {
    // No in-process operator: `init` makes the first admin, as on a new ledger.
    app = await open();
    dir = app.dir;
    process.env.PAYDESK_OPERATOR = 'cli-mandates';
    expect((await cli('--json', 'init')).code).toBe(0);
    expect((await cli('--json', 'demo', '--accounts', '400', '--seed', '3')).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app?.dispose();
  });

  it('creditor add|list|update with --json', async () => {
    const add = await cli(
      '--json',
      'creditor',
      'add',
      'US-2',
      '--scheme',
      'ach',
      '--name',
      'Second Inc',
      '--identifier',
      '9876543210',
      '--routing',
      '021000021',
    );
    expect(add.code, add.out).toBe(0);
    expect(json<CreditorDto>(add)).toMatchObject({
      code: 'US-2',
      scheme: 'ach',
      currency: 'USD',
      routingNo: '021000021',
    });
    const bad = await cli('--json', 'creditor', 'update', 'US-2', '--routing', '021000022');
    expect(bad.code).toBe(2);
    expect(json<{ error: { issues: { path: string }[] } }>(bad).error.issues[0]?.path).toBe('routingNo');
    const list = json<CreditorDto[]>(await cli('--json', 'creditor', 'list'));
    expect(list.map((c) => c.code)).toEqual(['EU-MAIN', 'UK-MAIN', 'US-2', 'US-MAIN']);
  });

  it('mandate add|show|amend|cancel|list', async () => {
    const page = json<MandatePageDto>(
      await cli('--json', 'mandate', 'list', '--scheme', 'ach', '--limit', '2'),
    );
    expect(page.rows).toHaveLength(2);
    const accountNo = page.rows[0]!.accountNo;
    const add = await cli(
      '--json',
      'mandate',
      'add',
      accountNo,
      '--scheme',
      'ach',
      '--creditor',
      'US-2',
      '--routing',
      '026009593',
      '--account',
      '99887766',
      '--account-type',
      'savings',
      '--sec',
      'CCD',
      '--signed',
      '2026-10-01',
    );
    expect(add.code, add.out).toBe(0);
    const m = json<MandateDetailDto>(add);
    expect(m).toMatchObject({
      creditorCode: 'US-2',
      accountType: 'savings',
      secCode: 'CCD',
      status: 'active',
    });
    const amend = json<MandateDetailDto>(
      await cli('--json', 'mandate', 'amend', String(m.id), '--account', '11223344', '--expect-version', '1'),
    );
    expect(amend).toMatchObject({ bankAccountNo: '11223344', version: 2 });
    const stale = await cli(
      '--json',
      'mandate',
      'amend',
      String(m.id),
      '--account',
      '1',
      '--expect-version',
      '1',
    );
    expect(stale.code).toBe(4);
    const show = json<MandateDetailDto>(
      await cli('--json', 'mandate', 'show', m.reference, '--creditor', 'US-2'),
    );
    expect(show.events.map((e) => e.kind)).toEqual(['created', 'amended']);
    const cancel = json<MandateDetailDto>(
      await cli('--json', 'mandate', 'cancel', String(m.id), '--reason', 'letter'),
    );
    expect(cancel.status).toBe('cancelled');
    const missing = await cli('--json', 'mandate', 'show', 'NO-SUCH-REF');
    expect(missing.code).toBe(3);
  });

  it('mandate import --preview, problems exit 2 with nothing applied, then apply', async () => {
    const bacs = json<MandatePageDto>(
      await cli('--json', 'mandate', 'list', '--scheme', 'bacs', '--limit', '50'),
    ).rows.filter((m) => m.status === 'active' || m.status === 'pending');
    expect(bacs.length).toBeGreaterThanOrEqual(2);
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      `reference,revision_code\n${bacs[0]!.reference},C\nUNKNOWN-1,0\n${bacs[1]!.reference},Q\n`,
    );
    const r = await cli('--json', 'mandate', 'import', bad);
    expect(r.code).toBe(2);
    const out = json<MandateImportDto>(r);
    expect(out.applied).toBe(0);
    expect(out.problems).toEqual([
      { line: 3, column: 'reference', reason: 'no mandate UNKNOWN-1' },
      { line: 4, column: 'revision_code', reason: 'unknown mandate revision code Q (configure it in Admin)' },
    ]);
    const good = join(dir, 'good.csv');
    writeFileSync(
      good,
      `reference,revision_code,new_account_no\r\n${bacs[0]!.reference},C,12121212\r\n${bacs[1]!.reference},1,\r\n`,
    );
    const preview = json<MandateImportDto>(await cli('--json', 'mandate', 'import', good, '--preview'));
    expect(preview.rows.map((x) => [x.line, x.reference, x.code, x.action])).toEqual([
      [2, bacs[0]!.reference, 'C', 'amend'],
      [3, bacs[1]!.reference, '1', 'cancel'],
    ]);
    expect(preview.rows[0]!.before.bankAccountNo).toBe(bacs[0]!.bankAccountNo);
    expect(preview.rows[0]!.after.bankAccountNo).toBe('12121212');
    expect(preview.applied).toBe(0);
    const applied = await cli('--json', 'mandate', 'import', good);
    expect(applied.code, applied.out).toBe(0);
    expect(json<MandateImportDto>(applied)).toMatchObject({ applied: 2, problems: [] });
    const again = await cli('--json', 'mandate', 'import', good);
    expect(again.code).toBe(4);
  });

  it('mandate expire and auddis --out', async () => {
    const exp = await cli('--json', 'mandate', 'expire', '--as-of', '2030-01-01');
    expect(exp.code).toBe(0);
    expect(json<{ expired: number }>(exp).expired).toBeGreaterThan(0);
    const file = join(dir, 'auddis.csv');
    const a = json<AuddisExtractDto>(await cli('--json', 'mandate', 'auddis', '--out', file));
    expect(a.path).toBe(file);
    expect(readFileSync(file, 'utf8')).toBe(a.content);
    const b = await cli('mandate', 'auddis');
    expect(b.out).toMatch(/nothing to extract/);
  });
});
