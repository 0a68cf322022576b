import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto, LedgerViolationDto } from '../../src-shared/dto/app';
import {
  checkLedger,
  finishLedgerCheck,
  LEDGER_CHECK_QUERIES,
  LEDGER_CHECK_SETUP,
  prepareLedgerCheck,
} from '../../src-main/ledger/ledger-check';
import { freshApp } from '../helpers/ledger';
import { perRowScans } from '../helpers/query-plan';
import { tempDir } from '../helpers/temp';

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

let app: ReturnType<typeof freshApp>;
beforeAll(async () => {
  app = freshApp();
  // The demo load leaves planner statistics of a ledger with one journal: the state in which a 20,000-entry
  // submit made journal-lines-owned scan journals once per line.
  await value(app.dispatch('demo:load', { accounts: 60, seed: 4 }));
});
afterAll(() => app.dispose());

/** Every rule's plan under the statistics the ledger has now. */
function scansPerRule(): Record<string, string[]> {
  const db = app.ctx.ledger.sqlite;
  const out: Record<string, string[]> = {};
  // The shared figures first (their INSERT ... SELECT plans too), then every rule that reads them.
  prepareLedgerCheck(db);
  try {
    LEDGER_CHECK_SETUP.forEach((sql, k) => {
      if (!sql.startsWith('INSERT')) return;
      const found = perRowScans(db, sql);
      if (found.length > 0) out[`setup ${k}`] = found;
    });
    for (const q of LEDGER_CHECK_QUERIES) {
      const found = perRowScans(db, q.sql);
      if (found.length > 0) out[q.rule] = found;
    }
  } finally {
    finishLedgerCheck(db);
  }
  return out;
}

describe('ledger check query plans', () => {
  it('has a query for every rule', () => {
    expect(LEDGER_CHECK_QUERIES.length).toBeGreaterThanOrEqual(25);
    expect(new Set(LEDGER_CHECK_QUERIES.map((q) => q.rule)).size).toBe(LEDGER_CHECK_QUERIES.length);
  });

  it('no rule scans a table once per row of another, with the statistics a demo load leaves', () => {
    const stat = app.ctx.ledger.sqlite
      .prepare(`SELECT stat FROM sqlite_stat1 WHERE idx = 'journals_audit_idx'`)
      .get() as { stat: string } | undefined;
    // The precondition of the quadratic plan: statistics that call journals tiny.
    expect(stat?.stat).toBe('1 1');
    expect(scansPerRule()).toEqual({});
  });

  it('nor without statistics, nor with fresh ones', () => {
    const db = app.ctx.ledger.sqlite;
    db.exec('DELETE FROM sqlite_stat1; ANALYZE sqlite_schema');
    expect(scansPerRule()).toEqual({});
    db.exec('ANALYZE');
    expect(scansPerRule()).toEqual({});
  });
});

describe('ledger check streaming', () => {
  it('reports each violation as found, in the order of the result, and stops at the limit', async () => {
    const broken = freshApp();
    try {
      await value(broken.dispatch('demo:load', { accounts: 40, seed: 9 }));
      const db = broken.ctx.ledger.sqlite;
      db.prepare(`UPDATE accounts SET balance_minor = balance_minor + 1 WHERE id IN (2, 3, 4)`).run();
      const seen: LedgerViolationDto[] = [];
      const rules: string[] = [];
      const all = checkLedger(db, 1000, {
        onViolation: (v) => seen.push(v),
        onRule: (rule) => rules.push(rule),
      });
      expect(all.ok).toBe(false);
      expect(seen).toEqual(all.violations);
      expect(seen.filter((v) => v.rule === 'balance-matches-journal')).toHaveLength(3);
      expect(rules).toEqual([
        '(shared figures)',
        ...LEDGER_CHECK_QUERIES.map((q) => q.rule),
        'append-only-guard',
      ]);
      const two: LedgerViolationDto[] = [];
      const limited = checkLedger(db, 2, { onViolation: (v) => two.push(v) });
      expect(limited.violations).toHaveLength(2);
      expect(two).toEqual(limited.violations);
      expect(two).toEqual(all.violations.slice(0, 2));
      // Through the command: the same result.
      const viaCommand = await value<LedgerCheckDto>(broken.dispatch('ledger:check', { maxViolations: 2 }));
      expect(viaCommand.violations).toEqual(limited.violations);
    } finally {
      broken.dispose();
    }
  });
});

describe('ledger check transaction', () => {
  it("inside a caller's transaction it reads that transaction and leaves it open; its temporary figures go", () => {
    const db = app.ctx.ledger.sqlite;
    db.exec('BEGIN');
    try {
      db.prepare('UPDATE accounts SET balance_minor = balance_minor + 1 WHERE id = 2').run();
      const inside = checkLedger(db, 10);
      expect(inside.violations.map((v) => v.rule)).toContain('balance-matches-journal');
      expect(db.inTransaction).toBe(true);
    } finally {
      db.exec('ROLLBACK');
    }
    expect(checkLedger(db, 10).ok).toBe(true);
    const temps = db.prepare(`SELECT name FROM sqlite_temp_master WHERE name LIKE 'ledger_check_%'`).all();
    expect(temps).toEqual([]);
  });
});

describe('ledger check from the CLI', () => {
  async function cli(...args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const code = await runCli(['node', 'paydesk', ...args], {
      out: (t) => (out += t),
      err: () => undefined,
      isTty: false,
    });
    return { code, out };
  }

  it('prints each violation once, as found, then the summary; exits 1; --json stays one document', async () => {
    const { dir, cleanup } = tempDir();
    const previous = process.env.PAYDESK_OPERATOR;
    process.env.PAYDESK_OPERATOR = 'check-tester';
    try {
      const file = join(dir, 'check.sqlite');
      expect((await cli('--db', file, '--json', 'init')).code).toBe(0);
      expect((await cli('--db', file, '--json', 'demo', '--accounts', '30', '--seed', '2')).code).toBe(0);
      const clean = await cli('--db', file, 'ledger', 'check');
      expect(clean.code).toBe(0);
      expect(clean.out).toMatch(/^Ledger OK: no violations\.\n\(/);
      const raw = new Database(file);
      raw.prepare('UPDATE accounts SET balance_minor = balance_minor + 7 WHERE id IN (2, 5)').run();
      raw.close();
      const broken = await cli('--db', file, 'ledger', 'check');
      expect(broken.code).toBe(1);
      const lines = broken.out.trim().split('\n');
      expect(lines[0]).toBe('Ledger check violations, as found:');
      const found = lines.filter((l) => l.startsWith('  ['));
      expect(found.filter((l) => l.startsWith('  [balance-matches-journal]'))).toHaveLength(2);
      expect(new Set(found).size).toBe(found.length);
      expect(lines).toContain(`Ledger check found ${found.length} violation(s).`);
      const doc = await cli('--db', file, '--json', 'ledger', 'check', '--max', '1');
      expect(doc.code).toBe(1);
      expect(doc.out.trim().split('\n')).toHaveLength(1);
      expect(JSON.parse(doc.out)).toMatchObject({
        ok: false,
        violations: [{ rule: 'balance-matches-journal' }],
      });
    } finally {
      if (previous === undefined) delete process.env.PAYDESK_OPERATOR;
      else process.env.PAYDESK_OPERATOR = previous;
      cleanup();
    }
  });
});
