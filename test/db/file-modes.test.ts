import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main';
import { tempDir } from '../helpers/temp';

/**
 * Security finding (issue #12): the ledger, its WAL and the files the CLI writes (hand-over files, reports,
 * configuration exports) hold customer and payment data; only their owner may read them.
 */

type Run = { code: number; out: string; err: string };

let dir: string;
let cleanup: () => void;
let db: string;

async function cli(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'paydesk', '--db', db, '--json', ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTty: false,
  });
  return { code, out, err };
}

const modeOf = (file: string): string => (statSync(file).mode & 0o777).toString(8);

beforeAll(() => {
  ({ dir, cleanup } = tempDir('paydesk-file-modes-'));
  db = join(dir, 'ledger.sqlite');
  process.env.PAYDESK_OPERATOR = 'modes-admin';
  process.env.PAYDESK_QUIET = '1';
});
afterAll(() => cleanup());

describe('files with ledger data are readable by their owner only', () => {
  it('a new ledger and its WAL are created 0600, whatever the umask', async () => {
    const old = process.umask(0o022);
    try {
      expect((await cli('init')).code).toBe(0);
      expect((await cli('demo', '--accounts', '20', '--seed', '3')).code).toBe(0);
    } finally {
      process.umask(old);
    }
    expect(modeOf(db)).toBe('600');
    if (existsSync(`${db}-wal`)) expect(modeOf(`${db}-wal`)).toBe('600');
  });

  it('hand-over files, batch reports and configuration exports are written 0600', async () => {
    const created = await cli('batch', 'create', '--currency', 'USD', '--pay-type', 'check');
    expect(created.code, created.out).toBe(0);
    const batchId = String((JSON.parse(created.out) as { id: number }).id);
    const handOver = join(dir, 'hand-over.json');
    const csv = join(dir, 'report.csv');
    const pdf = join(dir, 'report.pdf');
    const config = join(dir, 'config.json');
    const old = process.umask(0o022);
    try {
      expect((await cli('batch', 'export', batchId, handOver)).code).toBe(0);
      expect((await cli('batch', 'report', batchId, '--csv', csv, '--pdf', pdf)).code).toBe(0);
      expect((await cli('config', 'export', config)).code).toBe(0);
    } finally {
      process.umask(old);
    }
    expect([handOver, csv, pdf, config].map(modeOf)).toEqual(['600', '600', '600', '600']);
  });
});
