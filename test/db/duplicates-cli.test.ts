import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto, BatchEntryDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';

/**
 * Issue #11 finding 5, "the same money posts twice", through the CLI: a forced re-import, a CRLF or
 * trailing-blank-line copy of an imported file, a hand-over file loaded twice, and the same check twice in one
 * batch with ALLOWACCOUNTDUP on. Every case ends with the money posted once, on a SQLite file and on PostgreSQL.
 */

type ErrorDoc = { error: { code: string; message: string } };

const LAYOUT = [
  '--type',
  'payment',
  '--pay-type',
  'check',
  '--delimiter',
  ',',
  '--columns',
  'accountNo,amount,paymentDate,checkNo',
  '--date-format',
  'yyyy-MM-dd',
  '--currency',
  'USD',
];

describe.each(APPS.filter((r) => r.available))('the same money never posts twice ($dialect)', ({ open }) => {
  let app: TestApp;
  let dir: string;
  const run = cliOnApp(() => app);
  const cli = (...args: string[]) => run('--json', ...args);

  /** stdout as exactly one JSON document, after checking the exit code. */
  async function ok<T>(...args: string[]): Promise<T> {
    const r = await cli(...args);
    expect(r.code, `${args.join(' ')}: ${r.out} ${r.err}`).toBe(0);
    return JSON.parse(r.out.trim()) as T;
  }

  /** Counts the payments really posted, read from the ledger itself. */
  const paymentsWithRef = async (ref: string): Promise<number> =>
    (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM payments WHERE external_ref = ${ref}`))!.n;

  const openBatches = async (): Promise<number> =>
    (await app.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM batches WHERE status IN ('open', 'validated')`,
    ))!.n;

  async function entries(batchId: number): Promise<BatchEntryDto[]> {
    return (await ok<BatchDto & { entries: BatchEntryDto[] }>('batch', 'show', String(batchId), '--entries'))
      .entries;
  }

  beforeAll(async () => {
    // No in-process operator: `init` makes the first admin, as on a new desk.
    app = await open();
    dir = app.dir;
    process.env.PAYDESK_OPERATOR = 'dup-admin';
    process.env.PAYDESK_QUIET = '1';
    expect((await cli('init')).code).toBe(0);
    expect((await cli('demo', '--accounts', '40', '--seed', '5')).code).toBe(0);
    process.env.PAYDESK_NEW_PASSWORD = process.env.PAYDESK_PASSWORD;
    for (const [login, roles] of [
      ['dup-clerk', 'clerk'],
      ['dup-super', 'supervisor'],
    ] as const)
      expect((await cli('operator', 'add', login, '--roles', roles, '--set-password')).code).toBe(0);
    delete process.env.PAYDESK_NEW_PASSWORD;
  }, 60_000);
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app?.dispose();
  });

  const lines = [
    'A0000003,10.00,2026-11-19,7001',
    'A0000004,11.00,2026-11-19,7002',
    'A0000005,12.00,2026-11-19,7003',
  ];
  let original: string;

  it('batch import --force of a file already imported and submitted posts nothing new', async () => {
    original = join(dir, 'lockbox.csv');
    writeFileSync(original, lines.join('\n') + '\n');
    const first = await ok<{ batch: BatchDto }>('batch', 'import', original, ...LAYOUT);
    await ok('batch', 'validate', String(first.batch.id));
    const posted = await ok<BatchSubmitDto>('batch', 'submit', String(first.batch.id));
    expect(posted.posted + posted.suspended).toBe(3);
    expect(await paymentsWithRef('check 7001')).toBe(1);

    const again = await ok<{ batch: BatchDto; rows: number }>(
      'batch',
      'import',
      original,
      ...LAYOUT,
      '--force',
    );
    expect(again.rows).toBe(3);
    const validated = await ok<{ batch: BatchDto }>('batch', 'validate', String(again.batch.id));
    expect(validated.batch.countsByStatus).toEqual({ duplicate_suspected: 3 });
    const shown = await entries(again.batch.id);
    const firstPaymentIds = (await entries(first.batch.id)).map((e) => e.postedPaymentId);
    expect(shown.map((e) => e.duplicateOf?.paymentId)).toEqual(firstPaymentIds);
    expect(shown[0]?.duplicateOf).toMatchObject({ batchId: first.batch.id, batchNo: first.batch.batchNo });
    expect(shown[0]?.problem).toMatch(/duplicate/i);

    const submitted = await ok<BatchSubmitDto>('batch', 'submit', String(again.batch.id));
    expect(submitted).toMatchObject({ posted: 0, suspended: 0, duplicates: 3 });
    expect(submitted.batch.status).toBe('open');
    for (const ref of ['check 7001', 'check 7002', 'check 7003']) expect(await paymentsWithRef(ref)).toBe(1);
  });

  it('the same file with CRLF line endings or a trailing blank line is recognised as already imported', async () => {
    const crlf = join(dir, 'lockbox-crlf.csv');
    writeFileSync(crlf, lines.join('\r\n') + '\r\n');
    const blank = join(dir, 'lockbox-blank.csv');
    writeFileSync(blank, lines.join('\n') + '\n\n  \n');
    const bom = join(dir, 'lockbox-bom.csv');
    writeFileSync(bom, '\uFEFF' + lines.join('\r') + '\r');
    for (const file of [crlf, blank, bom]) {
      const r = await cli('batch', 'import', file, ...LAYOUT);
      expect(r.code, r.out).toBe(4);
      expect((JSON.parse(r.out) as ErrorDoc).error.message).toMatch(/already imported/);
      const preview = await ok<{ alreadyImported: unknown }>('batch', 'import', file, ...LAYOUT, '--preview');
      expect(preview.alreadyImported).toMatchObject({ fileName: 'lockbox.csv' });
    }
    // A real change is a different file.
    const other = join(dir, 'lockbox-other.csv');
    writeFileSync(other, lines.slice(0, 2).join('\n') + '\n');
    const r = await ok<{ batch: BatchDto }>('batch', 'import', other, ...LAYOUT);
    const v = await ok<{ batch: BatchDto }>('batch', 'validate', String(r.batch.id));
    // Its entries are the same checks as posted ones, so they are suspected all the same.
    expect(v.batch.countsByStatus).toEqual({ duplicate_suspected: 2 });
    await ok('batch', 'discard', String(r.batch.id));
  });

  it('batch load of the same hand-over file twice refuses the second open batch, naming the first', async () => {
    const made = await ok<BatchDto>('batch', 'create', '--currency', 'USD', '--batch-no', 'HAND-1');
    await ok(
      'batch',
      'add',
      String(made.id),
      '--account',
      'A0000008',
      '--amount',
      '5.00',
      '--date',
      '2026-11-20',
      '--check',
      '8101',
    );
    await ok(
      'batch',
      'add',
      String(made.id),
      '--account',
      'A0000009',
      '--amount',
      '6.00',
      '--date',
      '2026-11-20',
      '--check',
      '8102',
    );
    const file = join(dir, 'handover.json');
    await ok('batch', 'export', String(made.id), file);
    // While the batch it was exported from is open on this desk, loading it would make a second copy.
    const whileOpen = await cli('batch', 'load', file);
    expect(whileOpen.code, whileOpen.out).toBe(4);
    expect((JSON.parse(whileOpen.out) as ErrorDoc).error.message).toContain('HAND-1');
    // The desk that handed the batch over discards its copy; the receiving desk loads the file.
    await ok('batch', 'discard', String(made.id));
    const loaded = await ok<BatchDto>('batch', 'load', file);
    const before = await openBatches();

    const twice = await cli('batch', 'load', file);
    expect(twice.code, twice.out).toBe(4);
    const err = (JSON.parse(twice.out) as ErrorDoc).error;
    expect(err.code).toBe('conflict');
    expect(err.message).toContain(loaded.batchNo);
    // The same file saved with CRLF line endings and a trailing blank line is the same hand-over file.
    const crlf = join(dir, 'handover-crlf.json');
    writeFileSync(crlf, readFileSync(file, 'utf8').replace(/\n/g, '\r\n') + '\r\n');
    expect((await cli('batch', 'load', crlf)).code).toBe(4);
    expect(await openBatches()).toBe(before);

    // Once that batch is submitted a new load is allowed, but every entry of it is a suspected duplicate.
    await ok('batch', 'validate', String(loaded.id));
    const s = await ok<BatchSubmitDto>('batch', 'submit', String(loaded.id));
    expect(s.posted + s.suspended).toBe(2);
    const third = await ok<BatchDto>('batch', 'load', file);
    const v = await ok<{ batch: BatchDto }>('batch', 'validate', String(third.id));
    expect(v.batch.countsByStatus).toEqual({ duplicate_suspected: 2 });
  });

  it('with ALLOWACCOUNTDUP on, the same check twice in one batch posts once; a supervisor release posts it once more', async () => {
    await ok('settings', 'set', 'ALLOWACCOUNTDUP', 'true');
    const b = await ok<BatchDto>('batch', 'create', '--currency', 'USD');
    const add = (check: string, amount = '7.00'): Promise<BatchEntryDto[]> =>
      ok(
        'batch',
        'add',
        String(b.id),
        '--account',
        'A0000011',
        '--amount',
        amount,
        '--date',
        '2026-11-21',
        '--check',
        check,
      );
    const [first] = await add('9001');
    const [second] = await add('9001');
    // The same account with another check is not a duplicate.
    await add('9002', '8.00');
    const v = await ok<{ batch: BatchDto }>('batch', 'validate', String(b.id));
    expect(v.batch.countsByStatus.duplicate_suspected).toBe(1);
    const shown = await entries(b.id);
    const dup = shown.find((e) => e.id === second?.id);
    expect(dup?.status).toBe('duplicate_suspected');
    expect(dup?.duplicateOf).toMatchObject({ entryId: first?.id, batchId: b.id, paymentId: null });
    expect(shown.find((e) => e.id === first?.id)?.status).not.toBe('duplicate_suspected');

    const s = await ok<BatchSubmitDto>('batch', 'submit', String(b.id));
    expect(s.posted + s.suspended).toBe(2);
    expect(s.duplicates).toBe(1);
    expect(await paymentsWithRef('check 9001')).toBe(1);

    // A clerk may not release it: forbidden, and the attempt is audited.
    const refused = await cli(
      '--operator',
      'dup-clerk',
      'batch',
      'release-duplicate',
      String(b.id),
      String(second?.id),
      '--reason',
      '4401',
    );
    expect(refused.code, refused.out).toBe(5);
    expect((JSON.parse(refused.out) as ErrorDoc).error.code).toBe('forbidden');
    expect(
      await app.get(
        sql`SELECT count(*) AS n FROM audit_log WHERE action = 'forbidden' AND entity_id = 'batches:release-duplicate'`,
      ),
    ).toEqual({ n: 1 });
    // A reason outside the domain is refused.
    expect(
      (
        await cli(
          '--operator',
          'dup-super',
          'batch',
          'release-duplicate',
          String(b.id),
          String(second?.id),
          '--reason',
          '4101',
        )
      ).code,
    ).toBe(2);

    const released = await ok<BatchEntryDto>(
      '--operator',
      'dup-super',
      'batch',
      'release-duplicate',
      String(b.id),
      String(second?.id),
      '--reason',
      '4401',
      '--note',
      'two checks, confirmed by phone',
    );
    expect(released.status).toBe('new');
    expect(released.duplicateRelease).toMatchObject({
      reasonCode: 4401,
      note: 'two checks, confirmed by phone',
    });
    const audit = await app.all(
      sql`SELECT reason_code AS "reasonCode" FROM audit_log
             WHERE action = 'batch.entry.release-duplicate' AND entity_id = ${String(second?.id)}`,
    );
    expect(audit).toEqual([{ reasonCode: 4401 }]);
    // Releasing an entry that is not suspected is a conflict.
    expect(
      (await cli('batch', 'release-duplicate', String(b.id), String(second?.id), '--reason', '4401')).code,
    ).toBe(4);

    await ok('batch', 'validate', String(b.id));
    const again = await ok<BatchSubmitDto>('batch', 'submit', String(b.id));
    expect(again.posted + again.suspended).toBe(1);
    expect(again.batch.status).toBe('submitted');
    expect(await paymentsWithRef('check 9001')).toBe(2);
    const resubmit = await ok<BatchSubmitDto>('batch', 'submit', String(b.id));
    expect(resubmit.posted).toBe(0);
    expect(await paymentsWithRef('check 9001')).toBe(2);
    expect((await cli('ledger', 'check')).code).toBe(0);
  });

  it('lock per account posts entry by entry but never a suspected duplicate; the exception batch takes it', async () => {
    await ok('settings', 'set', 'ALLOWACCOUNTDUP', 'true');
    await ok('settings', 'set', 'payment.batchLock', 'account');
    try {
      const b = await ok<BatchDto>('batch', 'create', '--currency', 'USD');
      for (let i = 0; i < 2; i++)
        await ok(
          'batch',
          'add',
          String(b.id),
          '--account',
          'A0000013',
          '--amount',
          '3.00',
          '--date',
          '2026-11-22',
          '--check',
          '9501',
        );
      await ok('batch', 'validate', String(b.id));
      const s = await ok<BatchSubmitDto>('batch', 'submit', String(b.id));
      expect(s).toMatchObject({ mode: 'account', duplicates: 1, failed: [] });
      expect(s.posted + s.suspended).toBe(1);
      expect(s.batch.status).toBe('open');
      expect(await paymentsWithRef('check 9501')).toBe(1);

      const split = await ok<{ exception: BatchDto; moved: number }>('batch', 'exception', String(b.id));
      expect(split.moved).toBe(1);
      await ok('batch', 'validate', String(b.id));
      expect((await ok<BatchSubmitDto>('batch', 'submit', String(b.id))).batch.status).toBe('submitted');
      // In the exception batch it is still the same check as the posted payment.
      const v = await ok<{ batch: BatchDto }>('batch', 'validate', String(split.exception.id));
      expect(v.batch.countsByStatus).toEqual({ duplicate_suspected: 1 });
      const again = await ok<BatchSubmitDto>('batch', 'submit', String(split.exception.id));
      expect(again).toMatchObject({ posted: 0, suspended: 0, duplicates: 1 });
      expect(await paymentsWithRef('check 9501')).toBe(1);
    } finally {
      await ok('settings', 'set', 'payment.batchLock', 'batch');
    }
  });

  it('the lockbox is part of the payment: the same check from another lockbox is not suspected until the lockbox matches', async () => {
    const add = async (lockbox: string): Promise<BatchDto> => {
      const b = await ok<BatchDto>('batch', 'create', '--currency', 'USD', '--lockbox', lockbox);
      await ok(
        'batch',
        'add',
        String(b.id),
        '--account',
        'A0000014',
        '--amount',
        '4.00',
        '--date',
        '2026-11-23',
        '--check',
        '9601',
      );
      return b;
    };
    const x = await add('77');
    const y = await add('0078');
    expect(
      (await ok<{ batch: BatchDto }>('batch', 'validate', String(y.id))).batch.countsByStatus
        .duplicate_suspected,
    ).toBeUndefined();
    await ok('batch', 'header', String(y.id), '--lockbox', '077');
    const v = await ok<{ batch: BatchDto }>('batch', 'validate', String(y.id));
    expect(v.batch.countsByStatus).toEqual({ duplicate_suspected: 1 });
    expect((await entries(y.id))[0]?.duplicateOf).toMatchObject({ batchId: x.id, paymentId: null });
    // The first copy is the original: validating it finds nothing to suspect.
    const vx = await ok<{ batch: BatchDto }>('batch', 'validate', String(x.id));
    expect(vx.batch.countsByStatus.duplicate_suspected).toBeUndefined();
  });
});
