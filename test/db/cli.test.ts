import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main';
import { COMMANDS } from '../../src-shared/api/contract';
import { tempDir } from '../helpers/temp';

type Run = { code: number; out: string; err: string };

async function cli(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'paydesk', ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTty: false,
  });
  return { code, out, err };
}

/** Parses stdout as exactly one JSON document. */
function oneJson(run: Run): Record<string, unknown> {
  const text = run.out.trim();
  expect(text.split('\n')).toHaveLength(1);
  return JSON.parse(text) as Record<string, unknown>;
}

let dir: string;
let cleanup: () => void;
let db: string;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  db = join(dir, 'cli.sqlite');
  process.env.PAYDESK_OPERATOR = 'cli-tester';
  expect((await cli('--db', db, 'init', '--json')).code).toBe(0);
  expect((await cli('--db', db, '--json', 'demo', '--accounts', '150', '--seed', '4')).code).toBe(0);
});
afterAll(() => cleanup());

describe('paydesk CLI', () => {
  it('init reports the ledger and the operator, who is admin on a new ledger', async () => {
    const r = await cli('--db', join(dir, 'new.sqlite'), '--json', 'init');
    const doc = oneJson(r);
    expect(doc).toMatchObject({ created: true, operator: { login: 'cli-tester' } });
    expect((doc.operator as { roles: string[] }).roles).toContain('admin');
  });

  it('account show prints one JSON document with balance and bills', async () => {
    const doc = oneJson(await cli('--db', db, '--json', 'account', 'show', 'A0000010'));
    expect(doc).toMatchObject({ accountNo: 'A0000010' });
    expect(typeof doc.balanceMinor).toBe('number');
    expect(Array.isArray(doc.openBills)).toBe(true);
  });

  it('account show prints a readable page without --json', async () => {
    const r = await cli('--db', db, 'account', 'show', 'A0000010');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Balance/);
    expect(r.out).toMatch(/Open bills/);
  });

  it('errors exit non-zero with {"error":{code,message}} on stdout', async () => {
    const r = await cli('--db', db, '--json', 'account', 'show', 'NOPE');
    expect(r.code).toBe(3);
    expect(oneJson(r)).toMatchObject({ error: { code: 'not_found', message: expect.any(String) } });
    const bad = await cli('--db', db, '--json', 'call', 'accounts:search', '{"limit":"many"}');
    expect(bad.code).toBe(2);
    expect(oneJson(bad)).toMatchObject({ error: { code: 'validation' } });
    const notJson = await cli('--db', db, '--json', 'call', 'accounts:search', '{oops');
    expect(oneJson(notJson)).toMatchObject({ error: { code: 'validation' } });
    const unknownOption = await cli('--db', db, '--json', 'demo', '--acounts', '5');
    expect(unknownOption.code).toBe(2);
    expect(oneJson(unknownOption)).toMatchObject({ error: { code: 'validation' } });
  });

  it('ledger check reports no violations on demo data', async () => {
    const r = await cli('--db', db, '--json', 'ledger', 'check');
    expect(r.code).toBe(0);
    expect(oneJson(r)).toMatchObject({ ok: true, violations: [] });
  });

  it('api lists every command with the JSON schema of its input', async () => {
    const doc = oneJson(await cli('--json', 'api')) as {
      commands: { name: string; input: { type?: string } }[];
    };
    expect(doc.commands.map((c) => c.name).sort()).toEqual([...COMMANDS].sort());
    const search = doc.commands.find((c) => c.name === 'accounts:search')!;
    expect(search.input).toMatchObject({ type: 'object', properties: { query: { type: 'string' } } });
  });

  it('call reaches any command through the same parse-and-dispatch path', async () => {
    const doc = oneJson(
      await cli(
        '--db',
        db,
        '--json',
        'call',
        'accounts:search',
        '{"query":"A00001","mode":"prefix","limit":5}',
      ),
    );
    expect((doc.rows as unknown[]).length).toBe(5);
  });

  it('refuses a non-SQLite --db with a clear error and leaves the file alone', async () => {
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'hello');
    const r = await cli('--db', junk, '--json', 'account', 'show', 'A1');
    expect(r.code).toBe(2);
    expect(oneJson(r)).toMatchObject({
      error: { code: 'validation', message: expect.stringMatching(/not a SQLite ledger/) },
    });
  });

  it('runs as a real process through the bin script', () => {
    const out = execFileSync(
      process.execPath,
      ['bin/paydesk.cjs', '--db', db, '--json', 'account', 'show', 'A0000001'],
      {
        encoding: 'utf8',
        env: { ...process.env, PAYDESK_QUIET: '1' },
      },
    );
    expect(JSON.parse(out)).toMatchObject({ accountNo: 'A0000001' });
    const failed = spawnSync(
      process.execPath,
      ['bin/paydesk.cjs', '--db', db, '--json', 'account', 'show', 'ZZZ'],
      {
        encoding: 'utf8',
      },
    );
    expect(failed.status).toBe(3);
    expect(JSON.parse(failed.stdout)).toMatchObject({ error: { code: 'not_found' } });
  });
});
