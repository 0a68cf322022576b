import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LedgerOpenError, openLedger } from '../../db/client';
import { tempDir } from '../helpers/temp';

const MIGRATIONS = 'db/migrations';

describe('ledger schema', () => {
  it('has no REAL column anywhere: money is integer minor units', () => {
    const { dir, cleanup } = tempDir();
    try {
      const ledger = openLedger(join(dir, 'l.sqlite'), MIGRATIONS);
      const tables = ledger.sqlite
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%' AND name <> '__drizzle_migrations'`,
        )
        .all() as { name: string }[];
      expect(tables.length).toBeGreaterThan(8);
      const offenders: string[] = [];
      for (const t of tables) {
        const cols = ledger.sqlite.prepare(`PRAGMA table_info("${t.name}")`).all() as {
          name: string;
          type: string;
        }[];
        for (const c of cols) {
          if (/REAL|FLOA|DOUB|NUMERIC|DECIMAL/i.test(c.type)) offenders.push(`${t.name}.${c.name} ${c.type}`);
          if (/minor$/.test(c.name)) expect(c.type.toUpperCase(), `${t.name}.${c.name}`).toBe('INTEGER');
        }
      }
      expect(offenders).toEqual([]);
      ledger.close();
    } finally {
      cleanup();
    }
  });

  it('has exactly one payment suspense account from the first migration', () => {
    const { dir, cleanup } = tempDir();
    try {
      const ledger = openLedger(join(dir, 'l.sqlite'), MIGRATIONS);
      const rows = ledger.sqlite.prepare('SELECT account_no, name FROM accounts WHERE is_suspense = 1').all();
      expect(rows).toEqual([{ account_no: 'SUSPENSE', name: 'Payment Suspense' }]);
      ledger.close();
    } finally {
      cleanup();
    }
  });

  it('refuses updates and deletes of journals, lines, allocations, reversals and the audit log', () => {
    const { dir, cleanup } = tempDir();
    try {
      const db = openLedger(join(dir, 'l.sqlite'), MIGRATIONS).sqlite;
      db.prepare(`INSERT INTO audit_log (at, action, entity) VALUES ('2026-01-01', 'x', 'y')`).run();
      db.prepare(
        `INSERT INTO journals (kind, at, effective_date, audit_id) VALUES ('t', 'a', '2026-01-01', 1)`,
      ).run();
      db.prepare(
        `INSERT INTO journal_lines (journal_id, gl_account, amount_minor, currency) VALUES (1, 'CASH', 0, 'USD')`,
      ).run();
      expect(() => db.prepare(`UPDATE audit_log SET action = 'z'`).run()).toThrow(/append-only/);
      expect(() => db.prepare(`DELETE FROM audit_log`).run()).toThrow(/append-only/);
      expect(() => db.prepare(`UPDATE journals SET kind = 'z'`).run()).toThrow(/append-only/);
      expect(() => db.prepare(`DELETE FROM journal_lines`).run()).toThrow(/append-only/);
      db.close();
    } finally {
      cleanup();
    }
  });

  it.each([
    ['SQLite', MIGRATIONS, 'drizzle.config.ts'],
    ['PostgreSQL', 'db/migrations-pg', 'drizzle.pg.config.ts'],
  ])(
    'has a %s migration for every schema change (drizzle-kit generate finds nothing new)',
    (_, folder, config) => {
      const { dir, cleanup } = tempDir();
      try {
        const out = join(dir, 'migrations');
        cpSync(folder, out, { recursive: true });
        const before = readdirSync(out).sort();
        // drizzle-kit's pg generator reads snapshots from "./" + out and exits 0 on such errors: so a relative
        // path, and its output must say it found nothing to do.
        const said = execFileSync(
          process.execPath,
          ['node_modules/drizzle-kit/bin.cjs', 'generate', '--config', config],
          {
            env: { ...process.env, DRIZZLE_OUT: relative(process.cwd(), out) },
            stdio: 'pipe',
            encoding: 'utf8',
          },
        );
        expect(said).toContain('No schema changes');
        expect(readdirSync(out).sort()).toEqual(before);
      } finally {
        cleanup();
      }
    },
  );
});

describe('opening a ledger file', () => {
  it('opens and migrates a new ledger quickly, and reopens without changes', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'l.sqlite');
      const t0 = performance.now();
      openLedger(file, MIGRATIONS).close();
      const first = performance.now() - t0;
      const t1 = performance.now();
      openLedger(file, MIGRATIONS).close();
      const again = performance.now() - t1;
      expect(first).toBeLessThan(1000);
      expect(again).toBeLessThan(500);
    } finally {
      cleanup();
    }
  });

  it('refuses a file that is not SQLite and leaves it untouched', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'notes.txt');
      writeFileSync(file, 'this is a shopping list, not a ledger\n'.repeat(100));
      const before = readFileSync(file);
      expect(() => openLedger(file, MIGRATIONS)).toThrow(LedgerOpenError);
      expect(() => openLedger(file, MIGRATIONS)).toThrow(/not a SQLite ledger/);
      expect(readFileSync(file).equals(before)).toBe(true);
    } finally {
      cleanup();
    }
  });

  it('refuses a corrupt SQLite file and leaves it untouched', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'l.sqlite');
      openLedger(file, MIGRATIONS).close();
      const buf = readFileSync(file);
      for (let i = 100; i < buf.length; i++) buf[i] = (i * 7919) & 0xff;
      writeFileSync(file, buf);
      const mtime = statSync(file).mtimeMs;
      let error: unknown;
      try {
        openLedger(file, MIGRATIONS).close();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(LedgerOpenError);
      expect((error as LedgerOpenError).reason).toBe('corrupt');
      expect(readFileSync(file).equals(buf)).toBe(true);
      expect(statSync(file).mtimeMs).toBe(mtime);
    } finally {
      cleanup();
    }
  });

  it('refuses a ledger written by a newer version and does not modify it', () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = join(dir, 'l.sqlite');
      openLedger(file, MIGRATIONS).close();
      const raw = new Database(file);
      raw
        .prepare(`INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)`)
        .run();
      raw.pragma('wal_checkpoint(TRUNCATE)');
      raw.close();
      const before = readFileSync(file);
      expect(() => openLedger(file, MIGRATIONS)).toThrow(/newer Paydesk/);
      expect(readFileSync(file).equals(before)).toBe(true);
    } finally {
      cleanup();
    }
  });
});
