import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src-main/processors/simulator';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import type { CliRun } from '../helpers/cli';

/**
 * The CLI contract as README.md documents it, seen from outside: one JSON document on stdout with --json
 * (errors included), the documented exit codes, and errors that name the field and change nothing.
 */

/** stdout as exactly one JSON document. */
function json<T = Record<string, unknown>>(run: CliRun): T {
  const text = run.out.trim();
  expect(text.split('\n'), run.err).toHaveLength(1);
  return JSON.parse(text) as T;
}

type ErrorDoc = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

describe.each(APPS.filter((r) => r.available))('CLI contract ($dialect)', ({ open }) => {
  let app: TestApp;
  let dir: string;
  let sim: Simulator;
  const cli = cliOnApp(() => app);

  beforeAll(async () => {
    // No in-process operator: `init` makes the first admin, as on a new ledger.
    app = await open();
    dir = app.dir;
    process.env.PAYDESK_OPERATOR = 'contract-admin';
    process.env.PAYDESK_SECRET_KEY = 'contract-key';
    process.env.PAYDESK_QUIET = '1';
    writeFileSync(join(dir, 'sim.json'), JSON.stringify({ secret: 'contract-secret-1' }));
    sim = await startSimulator({ port: 0, configFile: join(dir, 'sim.json') });
    expect((await cli('--json', 'init')).code).toBe(0);
    expect((await cli('--json', 'demo', '--accounts', '60', '--seed', '3')).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    for (const k of ['PAYDESK_OPERATOR', 'PAYDESK_SECRET_KEY', 'PAYDESK_QUIET']) delete process.env[k];
    await sim?.close();
    await app?.dispose();
  });

  it('a file that cannot be written is a validation error naming the file, one JSON document, exit 2', async () => {
    const missing = join(dir, 'no-such-dir', 'config.json');
    const r = await cli('--json', 'config', 'export', missing);
    expect(r.code).toBe(2);
    const doc = json<ErrorDoc>(r);
    expect(doc.error.code).toBe('validation');
    expect(doc.error.issues?.[0]?.path).toBe('file');
    expect(doc.error.message).toContain(missing);
    expect(existsSync(missing)).toBe(false);

    const report = await cli('--json', 'codes', 'export', join(dir, 'nope', 'codes.json'));
    expect(report.code).toBe(2);
    expect(json<ErrorDoc>(report).error.code).toBe('validation');
  });

  it('config export lists every section the file holds, settings included', async () => {
    const file = join(dir, 'config.json');
    const doc = json<{ file: string; sections: string[] }>(await cli('--json', 'config', 'export', file));
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(doc.sections).toContain('settings');
    expect(doc.sections).toContain('columnSets');
    expect(doc.sections.sort()).toEqual(
      Object.keys(written)
        .filter((k) => !['format', 'version', 'exportedAt'].includes(k))
        .sort(),
    );
  });

  it('an unknown --pay-type is a validation error that names the option and its choices', async () => {
    const before = json<{ rows: unknown[] }>(await cli('--json', 'batch', 'list'));
    const r = await cli('--json', 'batch', 'create', '--currency', 'USD', '--pay-type', 'bogus');
    expect(r.code).toBe(2);
    const doc = json<ErrorDoc>(r);
    expect(doc.error.message).toMatch(/--pay-type "bogus".*check/);
    expect(json<{ rows: unknown[] }>(await cli('--json', 'batch', 'list')).rows).toHaveLength(
      before.rows.length,
    );

    // payment record takes the external pay types only: card is collected, not recorded by hand.
    const card = await cli('--json', 'payment', 'record', 'A0000001', '5.00', '--pay-type', 'card');
    expect(card.code).toBe(2);
    expect(json<ErrorDoc>(card).error.message).toContain('--pay-type "card"');
  });

  it('a command group without its subcommand is one JSON validation error, exit 2', async () => {
    const r = await cli('--json', 'batch');
    expect(r.code).toBe(2);
    const doc = json<ErrorDoc>(r);
    expect(doc.error.code).toBe('validation');
    expect(doc.error.message).toMatch(/subcommand/);
  });

  it('allocate PAYMENT_ID --policy fifo and allocate undo --reason return the documented shape', async () => {
    const rec = json<{ paymentId: number; duplicate: boolean; allocation: unknown }>(
      await cli('--json', 'payment', 'record', 'A0000002', '1.00', '--no-allocate', '--key', 'contract-1'),
    );
    expect(rec).toMatchObject({ duplicate: false, allocation: null });
    const alloc = json(await cli('--json', 'allocate', String(rec.paymentId), '--policy', 'fifo'));
    expect(Object.keys(alloc).sort()).toEqual(
      [
        'paymentId',
        'allocatedMinor',
        'unallocatedMinor',
        'lines',
        'outcome',
        'matchedBy',
        'closedItems',
        'closedBills',
      ].sort(),
    );
    expect(alloc.allocatedMinor).toBe(100);
    const undo = json(await cli('--json', 'allocate', 'undo', String(rec.paymentId), '--reason', '4001'));
    expect(undo).toMatchObject({ allocatedMinor: -100, unallocatedMinor: 100 });
    const again = await cli('--json', 'allocate', 'undo', String(rec.paymentId), '--reason', '4001');
    expect(again.code).toBe(4);
    expect(json(await cli('--json', 'ledger', 'check'))).toMatchObject({ ok: true });
  });

  it('collect: a window that ends before it starts is refused; run figures carry every skip reason', async () => {
    process.env.CONTRACT_SIM_SECRET = 'contract-secret-1';
    const add = await cli(
      '--json',
      'processor',
      'add',
      'sim',
      '--url',
      `http://127.0.0.1:${sim.port}`,
      '--merchant',
      'USD=ispname:050505',
      '--secret-env',
      'CONTRACT_SIM_SECRET',
      '--default',
    );
    expect(add.code, add.out).toBe(0);
    const runsBefore = json<{ rows: unknown[] }>(await cli('--json', 'runs', 'list')).rows.length;

    const bad = await cli('--json', 'collect', '--start', '2026-11-20', '--end', '2026-11-01');
    expect(bad.code).toBe(2);
    expect(json<ErrorDoc>(bad).error.issues?.[0]?.path).toBe('start');
    const badDeposit = await cli('--json', 'deposit', '--start', '2026-11-20', '--end', '2026-11-01');
    expect(badDeposit.code).toBe(2);
    expect(json<{ rows: unknown[] }>(await cli('--json', 'runs', 'list')).rows).toHaveLength(runsBefore);

    const run = json<{ skipped: Record<string, number> }>(await cli('--json', 'refund', '--yes'));
    expect(Object.keys(run.skipped).sort()).toEqual(
      [
        'belowMinimum',
        'openCheckpoint',
        'suspended',
        'noPaymentMethod',
        'neverRetry',
        'networkCap',
        'noMerchant',
      ].sort(),
    );
  });

  it('processor add with an unset --secret-env variable is refused and saves nothing', async () => {
    delete process.env.CONTRACT_UNSET_SECRET;
    const r = await cli(
      '--json',
      'processor',
      'add',
      'nosecret',
      '--url',
      'http://127.0.0.1:9',
      '--merchant',
      'USD=a:1',
      '--secret-env',
      'CONTRACT_UNSET_SECRET',
    );
    expect(r.code).toBe(2);
    expect(json<ErrorDoc>(r).error.issues?.[0]?.path).toBe('secret');
    const list = json<{ name: string }[]>(await cli('--json', 'processor', 'list'));
    expect(list.map((p) => p.name)).not.toContain('nosecret');
  });

  it('batch import --save-template keeps the layout only when the file was read with it', async () => {
    const file = join(dir, 'pay.csv');
    writeFileSync(file, 'acct,amount\nA0000003,10.00\n');
    const layout = [
      '--type',
      'payment',
      '--pay-type',
      'check',
      '--delimiter',
      ',',
      '--columns',
      'accountNo,amount',
      '--date-format',
      'MM/dd/yyyy',
      '--has-header',
      '--currency',
      'USD',
    ];
    const first = await cli('--json', 'batch', 'import', file, ...layout, '--save-template', 'first');
    expect(first.code, first.out).toBe(0);
    const again = await cli('--json', 'batch', 'import', file, ...layout, '--save-template', 'refused');
    expect(again.code).toBe(4);
    const badPay = await cli(
      '--json',
      'batch',
      'import',
      file,
      ...layout,
      '--force',
      '--pay-type',
      'nope',
      '--save-template',
      'refused',
    );
    expect(badPay.code).toBe(2);
    const names = json<{ name: string }[]>(await cli('--json', 'template', 'list')).map((t) => t.name);
    expect(names).toContain('first');
    expect(names).not.toContain('refused');
  });

  it('suspense recycle takes --amount and --currency and enforces G14 and G2', async () => {
    const rec = json<{ paymentId: number }>(
      await cli(
        '--json',
        'payment',
        'record',
        'A0000004',
        '7.00',
        '--currency',
        'USD',
        '--key',
        'contract-r',
      ),
    );
    const id = String(rec.paymentId);
    const part = await cli('--json', 'suspense', 'recycle', id, '--reason', '4002', '--amount', '5.00');
    expect(part.code).toBe(4);
    expect(json<{ error: { rule: string } }>(part).error.rule).toBe('G14');
    const other = await cli('--json', 'suspense', 'recycle', id, '--reason', '4002', '--currency', 'GBP');
    expect(other.code).toBe(4);
    expect(json<{ error: { rule: string } }>(other).error.rule).toBe('G2');
    const whole = await cli('--json', 'suspense', 'recycle', id, '--reason', '4002', '--amount', '7.00');
    expect(whole.code, whole.out).toBe(0);
    expect(json(whole)).toMatchObject({ action: 'recycle' });
    expect(json(await cli('--json', 'ledger', 'check'))).toMatchObject({ ok: true });
  });

  it('runs show of a run that does not exist is not_found (exit 3)', async () => {
    const r = await cli('--json', 'runs', 'show', '987654');
    expect(r.code).toBe(3);
    expect(json<ErrorDoc>(r).error.code).toBe('not_found');
  });

  it('payment record takes external pay types only: a card payment is refused and nothing posts', async () => {
    const before = json<{ total: number }>(await cli('--json', 'account', 'history', 'A0000001'));
    const r = await cli('--json', 'payment', 'record', 'A0000001', '10.00', '--pay-type', '10003');
    expect(r.code).toBe(2);
    expect(json<ErrorDoc>(r).error.issues?.[0]?.path).toBe('payType');
    expect(json<{ total: number }>(await cli('--json', 'account', 'history', 'A0000001')).total).toBe(
      before.total,
    );
  });

  it('codes list of a domain that does not exist is not_found (exit 3); --json --version is JSON', async () => {
    const r = await cli('--json', 'codes', 'list', '--domain', '99');
    expect(r.code).toBe(3);
    expect(json<ErrorDoc>(r).error.code).toBe('not_found');
    const v = await cli('--json', '--version');
    expect(v.code).toBe(0);
    expect(json<{ version: string }>(v).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('config import lists structure and content problems in one attempt and applies nothing', async () => {
    const file = join(dir, 'bad-config.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'paydesk-config',
        version: 1,
        bogus: true,
        settings: { 'suspense.thresholdPercent': 'lots' },
        reasonCodes: [{ domainId: 14, id: 2500, label: 'Mine', help: '', glId: null, active: true }],
      }),
    );
    const before = await cli('--json', 'codes', 'list', '--domain', '14');
    const r = await cli('--json', 'config', 'import', file);
    expect(r.code).toBe(2);
    const paths = (json<ErrorDoc>(r).error.issues ?? []).map((i) => i.path);
    expect(paths.some((p) => p.includes('bogus') || p === '(root)')).toBe(true);
    expect(paths).toContain('settings.suspense.thresholdPercent');
    expect(paths.some((p) => p.startsWith('reasonCodes.0'))).toBe(true);
    expect((await cli('--json', 'codes', 'list', '--domain', '14')).out).toBe(before.out);
  });
});
