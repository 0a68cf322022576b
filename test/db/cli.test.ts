import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main';
import { COMMANDS } from '../../src-shared/api/contract';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import type { CliRun } from '../helpers/cli';
import { emptyPostgres } from '../helpers/storages';

/** Parses stdout as exactly one JSON document. */
function oneJson(run: CliRun): Record<string, unknown> {
  const text = run.out.trim();
  expect(text.split('\n')).toHaveLength(1);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The CLI with no ledger named (commands that need none). */
async function bare(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'paydesk', ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTty: false,
  });
  return { code, out, err };
}

describe.each(APPS.filter((r) => r.available))('paydesk CLI ($dialect)', ({ dialect, open }) => {
  let app: TestApp;
  const cli = cliOnApp(() => app);

  beforeAll(async () => {
    // No in-process operator: `init` makes the first admin, as on a ledger nobody has signed in to yet.
    app = await open();
    process.env.PAYDESK_OPERATOR = 'cli-tester';
    expect((await cli('init', '--json')).code).toBe(0);
    expect((await cli('--json', 'demo', '--accounts', '150', '--seed', '4')).code).toBe(0);
  });
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app?.dispose();
  });

  it('init reports the ledger and the operator, who is admin on a new ledger', async () => {
    // A ledger nothing has opened yet: a new file, or a new (not yet migrated) PostgreSQL database.
    const fresh = dialect === 'sqlite' ? undefined : await emptyPostgres();
    try {
      const ledgerArgs = fresh ? ['--pg', fresh.url] : ['--db', join(app.dir, 'new.sqlite')];
      const cliEnv: Record<string, string> = fresh ? { PAYDESK_USER_DATA: join(app.dir, 'new-cli') } : {};
      const r = await cliOnApp(() => ({ ...app, ledgerArgs, cliEnv }))('--json', 'init');
      const doc = oneJson(r);
      expect(doc).toMatchObject({ created: true, database: dialect, operator: { login: 'cli-tester' } });
      expect((doc.operator as { roles: string[] }).roles).toContain('admin');
    } finally {
      await fresh?.drop();
    }
  });

  it('account show prints one JSON document with balance and bills', async () => {
    const doc = oneJson(await cli('--json', 'account', 'show', 'A0000010'));
    expect(doc).toMatchObject({ accountNo: 'A0000010' });
    expect(typeof doc.balanceMinor).toBe('number');
    expect(Array.isArray(doc.openBills)).toBe(true);
  });

  it('account show prints a readable page without --json', async () => {
    const r = await cli('account', 'show', 'A0000010');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Balance/);
    expect(r.out).toMatch(/Open bills/);
  });

  it('errors exit non-zero with {"error":{code,message}} on stdout', async () => {
    const r = await cli('--json', 'account', 'show', 'NOPE');
    expect(r.code).toBe(3);
    expect(oneJson(r)).toMatchObject({ error: { code: 'not_found', message: expect.any(String) } });
    const bad = await cli('--json', 'call', 'accounts:search', '{"limit":"many"}');
    expect(bad.code).toBe(2);
    expect(oneJson(bad)).toMatchObject({ error: { code: 'validation' } });
    const notJson = await cli('--json', 'call', 'accounts:search', '{oops');
    expect(oneJson(notJson)).toMatchObject({ error: { code: 'validation' } });
    const unknownOption = await cli('--json', 'demo', '--acounts', '5');
    expect(unknownOption.code).toBe(2);
    expect(oneJson(unknownOption)).toMatchObject({ error: { code: 'validation' } });
  });

  it('ledger check reports no violations on demo data', async () => {
    const r = await cli('--json', 'ledger', 'check');
    expect(r.code).toBe(0);
    expect(oneJson(r)).toMatchObject({ ok: true, violations: [] });
  });

  it('api lists every command with the JSON schema of its input', async () => {
    const doc = oneJson(await bare('--json', 'api')) as {
      commands: { name: string; input: { type?: string } }[];
    };
    expect(doc.commands.map((c) => c.name).sort()).toEqual([...COMMANDS].sort());
    const search = doc.commands.find((c) => c.name === 'accounts:search')!;
    expect(search.input).toMatchObject({ type: 'object', properties: { query: { type: 'string' } } });
  });

  it('call reaches any command through the same parse-and-dispatch path', async () => {
    const doc = oneJson(
      await cli('--json', 'call', 'accounts:search', '{"query":"A00001","mode":"prefix","limit":5}'),
    );
    expect((doc.rows as unknown[]).length).toBe(5);
  });

  // The check of a --db argument's file header: a PostgreSQL ledger is named by URL, not by a file.
  it.runIf(dialect === 'sqlite')(
    'refuses a non-SQLite --db with a clear error and leaves the file alone',
    async () => {
      const junk = join(app.dir, 'junk.txt');
      writeFileSync(junk, 'hello');
      const r = await bare('--db', junk, '--json', 'account', 'show', 'A1');
      expect(r.code).toBe(2);
      expect(oneJson(r)).toMatchObject({
        error: { code: 'validation', message: expect.stringMatching(/not a SQLite ledger/) },
      });
    },
  );

  it('runs as a real process through the bin script', () => {
    const env = { ...process.env, ...app.cliEnv, PAYDESK_QUIET: '1' };
    const out = execFileSync(
      process.execPath,
      ['bin/paydesk.cjs', ...app.ledgerArgs, '--json', 'account', 'show', 'A0000001'],
      { encoding: 'utf8', env },
    );
    expect(JSON.parse(out)).toMatchObject({ accountNo: 'A0000001' });
    const failed = spawnSync(
      process.execPath,
      ['bin/paydesk.cjs', ...app.ledgerArgs, '--json', 'account', 'show', 'ZZZ'],
      { encoding: 'utf8', env: { ...process.env, ...app.cliEnv } },
    );
    expect(failed.status).toBe(3);
    expect(JSON.parse(failed.stdout)).toMatchObject({ error: { code: 'not_found' } });
  });
});
