import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, isoDate } from '../../src-main/domain/dates';
import type { DdFileDetailDto, DdFileDto, DdRunDto } from '../../src-shared/dto/directdebit';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';
import { seedDirectDebitVia } from '../helpers/mandates';
import { validateBoth } from '../helpers/xsd';

const json = jsonOf;
const date = addDays(isoDate(new Date()), 20);

describe.each(APPS.filter((r) => r.available))('paydesk dd ($dialect)', ({ dialect, open }) => {
  let app: TestApp;
  let dir: string;
  const cli = cliOnApp(() => app);
  /** Where a CLI without --out writes: beside the ledger file, or on PostgreSQL beside the CLI's home. */
  const outputHome = (): string => (dialect === 'sqlite' ? app.dir : app.cliEnv.PAYDESK_USER_DATA!);

  beforeAll(async () => {
    // No in-process operator: `init` makes the first admin, as on a new ledger.
    app = await open();
    dir = app.dir;
    process.env.PAYDESK_OPERATOR = 'cli-ops';
    expect((await cli('--json', 'init')).code).toBe(0);
    expect((await cli('--json', 'demo', '--accounts', '150', '--seed', '8')).code).toBe(0);
    await seedDirectDebitVia(app.ctx.storage);
  }, 120_000);
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app?.dispose();
  });

  it('dry run, refusal without confirmation, run with --yes, list, show, write, sent, cancel', async () => {
    const dry = json<DdRunDto>(
      await cli('--json', 'dd', 'run', '--scheme', 'sepa', '--collection-date', date, '--dry-run'),
    );
    expect(dry.payments).toBe(0);
    expect(dry.files).toHaveLength(1);
    expect(dry.files[0]).toMatchObject({
      path: null,
      status: 'preview',
      format: 'pain.008.001.08',
      scheme: 'sepa',
    });
    expect(existsSync(join(outputHome(), 'bankfiles'))).toBe(false);

    const refused = await cli('--json', 'dd', 'run', '--scheme', 'sepa', '--collection-date', date);
    expect(refused.code).toBe(4);
    expect(JSON.parse(refused.out.trim()).error.rule).toBe('confirmation-required');

    const bad = await cli(
      '--json',
      'dd',
      'run',
      '--scheme',
      'sepa',
      '--collection-date',
      '2020-01-01',
      '--yes',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.out + bad.err).toMatch(/in the past/);

    const out = join(dir, 'files');
    const ran = await cli(
      '--json',
      'dd',
      'run',
      '--scheme',
      'sepa',
      '--collection-date',
      date,
      '--out',
      out,
      '--yes',
    );
    expect(ran.code, ran.err).toBe(0);
    const r = json<DdRunDto>(ran);
    expect(r.payments).toBe(dry.files[0]!.count);
    const f = r.files[0]!;
    expect(f).toMatchObject({
      status: 'ready',
      count: dry.files[0]!.count,
      totalMinor: dry.files[0]!.totalMinor,
    });
    expect(f.path!.startsWith(out)).toBe(true);
    expect(statSync(f.path!).mode & 0o777).toBe(0o600);
    expect(validateBoth('pain.008.001.08.xsd', [f.path!])).toEqual({ xmllint: null, xmlschema: null });

    const again = json<DdRunDto>(
      await cli('--json', 'dd', 'run', '--scheme', 'sepa', '--collection-date', date, '--yes'),
    );
    expect(again).toMatchObject({ files: [], payments: 0 });

    const list = json<{ rows: DdFileDto[] }>(await cli('--json', 'dd', 'files', '--status', 'ready'));
    expect(list.rows.map((x) => x.id)).toEqual([f.id]);
    const show = json<DdFileDetailDto>(await cli('--json', 'dd', 'file', 'show', String(f.id)));
    expect(show.items).toHaveLength(f.count);
    expect(show.items[0]).toMatchObject({ status: 'sent', seqType: 'FRST' });

    const rewritten = json<DdFileDto>(
      await cli('--json', 'dd', 'file', 'write', String(f.id), '--out', join(dir, 'copy')),
    );
    expect(readFileSync(rewritten.path!).equals(readFileSync(f.path!))).toBe(true);

    expect((await cli('--json', 'dd', 'file', 'sent', String(f.id))).code).toBe(0);
    const twice = await cli('--json', 'dd', 'file', 'sent', String(f.id));
    expect(twice.code).toBe(4);
    expect(twice.out + twice.err).toMatch(/already sent/);
    const cancelSent = await cli('--json', 'dd', 'file', 'cancel', String(f.id), '--reason', 'late');
    expect(cancelSent.code).toBe(4);
  });

  it('a credit dry run with no credit balances writes nothing; an unknown file is refused', async () => {
    const d2 = addDays(date, 5);
    // Everything due was collected by the first test; a credit run pays nothing out without credit balances.
    const credit = json<DdRunDto>(
      await cli(
        '--json',
        'dd',
        'run',
        '--scheme',
        'sepa',
        '--collection-date',
        d2,
        '--kind',
        'credit',
        '--dry-run',
      ),
    );
    expect(credit.files).toEqual([]);
    const files = json<{ rows: DdFileDto[] }>(await cli('--json', 'dd', 'files'));
    expect(files.rows.every((x) => x.status === 'sent')).toBe(true);
    const unknown = await cli('--json', 'dd', 'file', 'show', '999999');
    expect(unknown.code).not.toBe(0);
  });
});
