import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src-main/processors/simulator';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';

const json = jsonOf;

describe.each(APPS.filter((r) => r.available))('processor CLI ($dialect)', ({ dialect, open }) => {
  let app: TestApp;
  let dir: string;
  let sim: Simulator;
  const cli = cliOnApp(() => app);
  const saved: Record<string, string | undefined> = {};

  /** No row of these tables holds the text anywhere (both databases; the ledger file's bytes are checked below). */
  const nowhereIn = async (tables: string[], text: string): Promise<void> => {
    for (const t of tables)
      expect(JSON.stringify(await app.all(sql`SELECT * FROM ${sql.identifier(t)}`))).not.toContain(text);
  };
  /** On SQLite, not in the ledger file's bytes either (nor its WAL): a file only SQLite has. */
  const notInLedgerFile = (text: string): void => {
    if (dialect !== 'sqlite') return;
    const db = app.ledgerArgs[1]!;
    for (const f of [db, `${db}-wal`])
      if (existsSync(f)) expect(readFileSync(f).toString('latin1')).not.toContain(text);
  };

  beforeAll(async () => {
    for (const k of ['PAYDESK_OPERATOR', 'PAYDESK_SECRET_KEY', 'SIM_SECRET']) saved[k] = process.env[k];
    // No in-process operator: `init` makes the first admin, as on a new ledger.
    app = await open();
    dir = app.dir;
    process.env.PAYDESK_OPERATOR = 'cli-ops';
    process.env.PAYDESK_SECRET_KEY = 'cli-key';
    writeFileSync(join(dir, 'sim.json'), JSON.stringify({ secret: 'hunter22-secret' }));
    sim = await startSimulator({ port: 0, configFile: join(dir, 'sim.json') });
    expect((await cli('--json', 'init')).code).toBe(0);
    expect((await cli('--json', 'demo', '--accounts', '150', '--seed', '8')).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await sim?.close();
    await app?.dispose();
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it('adds a processor with a secret from the environment and never prints it', async () => {
    process.env.SIM_SECRET = 'hunter22-secret';
    const add = await cli(
      '--json',
      'processor',
      'add',
      'sim',
      '--url',
      `http://127.0.0.1:${sim.port}`,
      '--merchant',
      'USD=ispname:050505',
      '--merchant',
      'EUR=ispeu:050506',
      '--secret-env',
      'SIM_SECRET',
      '--batch-timeout',
      '30',
    );
    expect(add.code, add.err).toBe(0);
    expect(json<{ secretHint: string; batchTimeoutMs: number }>(add)).toMatchObject({
      secretHint: '••••et',
      batchTimeoutMs: 30_000,
    });
    const list = await cli('--json', 'processor', 'list');
    expect(list.out).not.toContain('hunter22');
    expect(list.err).not.toContain('hunter22');
    const test = await cli('--json', 'processor', 'test');
    expect(json<{ ok: boolean; health: string }>(test)).toMatchObject({ ok: true, health: 'up' });
    const human = await cli('processor', 'list');
    expect(human.out).toContain('secret ••••et');
    await nowhereIn(['processors', 'audit_log'], 'hunter22');
    notInLedgerFile('hunter22');
    const bad = await cli(
      '--json',
      'processor',
      'add',
      'x',
      '--url',
      'http://127.0.0.1:1',
      '--merchant',
      'USD-oops',
    );
    expect(bad.code).toBe(2);
  });

  it('collects, shows runs and recovery, and takes a one-off payment through prepare and confirm', async () => {
    const run = json<{ runId: number; postedCount: number; unresolved: number }>(
      await cli('--json', 'collect', '--rebill', '--batch-size', '40', '--yes'),
    );
    expect(run.postedCount).toBeGreaterThan(0);
    expect(run.unresolved).toBe(0);
    const runs = json<{ rows: { runId: number }[] }>(await cli('--json', 'runs', 'list'));
    expect(runs.rows[0]!.runId).toBe(run.runId);
    const txns = json<{ rows: { result: number }[]; total: number }>(
      await cli('--json', 'runs', 'show', String(run.runId), '--result', '0'),
    );
    expect(txns.total).toBe(run.postedCount);
    const summary = json<{ totalOpen: number; open: { label: string }[] }>(
      await cli('--json', 'recovery', 'summary'),
    );
    expect(summary.totalOpen).toBe(0);
    expect(summary.open.map((o) => o.label)).toContain('PIN_CHARGE_CMD_CONDITION');
    const human = await cli('recovery', 'summary');
    expect(human.out).toContain('3) PIN_CHARGE_CMD_CONDITION');
    // A card from a file: the number goes from the CLI to the simulator only.
    const cardFile = join(dir, 'card.txt');
    writeFileSync(cardFile, '4012888888881881 10/29 321 02134\n');
    const acct = 'A0000001';
    const m = await cli(
      '--json',
      'method',
      'add',
      acct,
      '--type',
      'card',
      '--card-file',
      cardFile,
      '--default',
    );
    expect(m.code, m.out + m.err).toBe(0);
    const method = json<{ id: number; mask: string; brand: string }>(m);
    expect(method).toMatchObject({ mask: '****1881', brand: 'VI' });
    expect(m.out + m.err).not.toContain('4012888888881881');
    const p = json<{ id: number; status: string }>(
      await cli('--json', 'pay', 'prepare', acct, '25.00', '--method', String(method.id)),
    );
    expect(p.status).toBe('pending');
    const pending = json<{ rows: { id: number }[] }>(await cli('--json', 'pay', 'pending'));
    expect(pending.rows.map((r) => r.id)).toEqual([p.id]);
    const c = json<{ status: string; txnId: number; authCode: string }>(
      await cli('--json', 'pay', 'confirm', String(p.id)),
    );
    expect(c.status).toBe('confirmed');
    const again = await cli('--json', 'pay', 'confirm', String(p.id));
    expect(again.code).toBe(4);
    const refund = json<{ amountMinor: number; result: number }>(
      await cli('--json', 'pay', 'refund', String(c.txnId), '--amount', '5.00', '--reason', '4201'),
    );
    expect(refund).toMatchObject({ amountMinor: 500, result: 0 });
    const follow = await cli('--json', 'workflow', '--all');
    expect(follow.code).toBe(0);
    expect(Array.isArray(json<{ rows: unknown[] }>(follow).rows)).toBe(true);
    const daily = json<{ byCommand: unknown[] }>(
      await cli('--json', 'recovery', 'daily', '--date', new Date().toISOString().slice(0, 10)),
    );
    expect(daily.byCommand.length).toBeGreaterThan(0);
    const check = await cli('--json', 'ledger', 'check');
    expect(json<{ ok: boolean }>(check).ok).toBe(true);
    await nowhereIn(['payment_methods', 'processor_txns', 'audit_log'], '4012888888881881');
    notInLedgerFile('4012888888881881');
  });
});
