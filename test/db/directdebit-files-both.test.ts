import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import {
  cancelFile,
  fileText,
  listFiles,
  markSent,
  showFile,
  writeFileAgain,
} from '../../src-main/services/directdebit/files';
import { runDirectDebit } from '../../src-main/services/directdebit/run';
import type { DdFileDto } from '../../src-shared/dto/directdebit';
import { alikeOn, answer, type Answer } from '../helpers/alike';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { freshApp } from '../helpers/ledger';
import { insertCreditor, seedDirectDebit } from '../helpers/mandates';
import { racing } from '../helpers/racing';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { value } from '../helpers/suspense';

// Issue #17: the direct-debit file registry (list, show, the file's text, writing it again, marking it sent,
// cancelling it) runs through the storage port. Files written by collection runs on SQLite and copied to
// PostgreSQL read alike, are written again byte for byte from either, and are sent or cancelled with the same
// rows (reversals, reopened bills, restored mandates, audit); two supervisors acting on one file at once make one
// change and the other is refused as if it had come second.

const RUN_AT = new Date('2026-11-22T09:00:00Z');
const NOW = new Date('2026-11-23T09:00:00Z');
const DATE = '2026-12-10';

type Db = { dialect: Dialect; storage: Storage; out: string };

/** What the registry's commands can write, read the same way on both databases (ids a retry may use up left out). */
function written(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      files: await tx.all(
        sql`SELECT id, status, sent_at AS "sentAt", sent_by AS "sentBy", cancelled_at AS "cancelledAt",
              cancelled_by AS "cancelledBy" FROM bank_files_out ORDER BY id`,
      ),
      items: await tx.all(sql`SELECT id, status FROM bank_file_items ORDER BY id`),
      mandates: await tx.all(
        sql`SELECT id, collections, first_collected_on AS "first", last_collected_on AS "last",
              pending_amendment_json AS amendment, version, updated_at AS "updatedAt" FROM mandates ORDER BY id`,
      ),
      events: await tx.all(
        sql`SELECT mandate_id AS "mandateId", at, kind, before_json AS "before", after_json AS "after", source, code,
              operator_id AS "operatorId" FROM mandate_events ORDER BY mandate_id, id`,
      ),
      reversals: await tx.all(
        sql`SELECT payment_id AS "paymentId", reason_code AS "reasonCode" FROM reversals ORDER BY payment_id`,
      ),
      bills: await tx.all(sql`SELECT id, amount_due_minor AS due, status FROM bills ORDER BY id`),
      journals: await tx.get(sql`SELECT count(*) AS n FROM journals`),
      audit: await tx.all(
        sql`SELECT at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log WHERE action LIKE 'dd.%' ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** A file's answer without where this database's copy was written. */
const placeless = (f: DdFileDto): DdFileDto => ({ ...f, path: f.path === null ? null : 'written' });

/** What a raced call ended as: the status it left, or the rule it was refused by. */
const outcome = (a: Answer): string =>
  'error' in a ? ((a.error as { rule?: string }).rule ?? a.error.code) : (a.value as DdFileDto).status;

describe('direct-debit files on both databases', () => {
  const dbs: Db[] = [];
  let app: ReturnType<typeof freshApp>;
  let disposePg: (() => Promise<void>) | undefined;
  let supervisor: number;
  /** Ready debit files: SEPA of the main and of the second creditor, and ACH. */
  let mainFile: number;
  let otherFile: number;
  let ach: number;
  let amended: number;

  beforeAll(async () => {
    app = freshApp(RUN_AT);
    await value(app.dispatch('demo:load', { accounts: 120, seed: 4 }));
    const db = app.ctx.ledger.sqlite;
    supervisor = app.ctx.operator.id;
    const { sepaMandates } = seedDirectDebit(db);
    const second = insertCreditor(db, {
      code: 'EU-2ND',
      scheme: 'sepa',
      currency: 'EUR',
      name: 'Zweite GmbH',
    });
    const moved = sepaMandates.filter((_, i) => i % 2 === 1);
    for (const id of moved) db.prepare('UPDATE mandates SET creditor_id = ? WHERE id = ?').run(second, id);
    // One mandate of the first creditor carries an amendment: the file takes it, cancelling gives it back.
    amended = sepaMandates[0]!;
    db.prepare('UPDATE mandates SET pending_amendment_json = ? WHERE id = ?').run(
      JSON.stringify({ smnda: true }),
      amended,
    );
    const env = { db, ledgerFile: app.file, now: RUN_AT, operatorId: supervisor };
    const s = runDirectDebit(env, { scheme: 'sepa', collectionDate: DATE, out: join(app.dir, 'run') });
    const a = runDirectDebit(env, { scheme: 'ach', collectionDate: DATE, out: join(app.dir, 'run') });
    expect(s.files).toHaveLength(2);
    expect(a.files).toHaveLength(1);
    mainFile = s.files.find((f) => f.creditor === 'EU-MAIN')!.id!;
    otherFile = s.files.find((f) => f.creditor === 'EU-2ND')!.id!;
    ach = a.files[0]!.id!;
    dbs.push({ dialect: 'sqlite', storage: app.ctx.storage, out: join(app.dir, 'sqlite') });
    if (STORAGES[1]!.available) {
      const pg = await freshPostgres();
      disposePg = pg.dispose;
      await copyToPostgres(db, pg.storage);
      dbs.push({ dialect: 'postgres', storage: pg.storage, out: join(app.dir, 'postgres') });
    }
  }, 180_000);
  afterAll(async () => {
    await disposePg?.();
    app.dispose();
  });

  const { same, refused } = alikeOn(dbs, written);

  it('lists, shows and regenerates files alike', async () => {
    const answers = await same(async (db) => ({
      all: (await listFiles(db.storage, {})).map(placeless),
      ready: (await listFiles(db.storage, { status: 'ready', limit: 2 })).map((f) => f.id),
      sent: await listFiles(db.storage, { status: 'sent' }),
      shown: await Promise.all([mainFile, ach].map((id) => showFile(db.storage, id))),
      texts: await Promise.all([mainFile, otherFile, ach].map((id) => fileText(db.storage, id))),
    }));
    const newestFirst = [ach, mainFile, otherFile].sort((a, b) => b - a);
    expect(answers.all.map((f) => f.id)).toEqual(newestFirst);
    const byId = new Map(answers.all.map((f) => [f.id, [f.creditor, f.format, f.status]]));
    expect([ach, mainFile, otherFile].map((id) => byId.get(id))).toEqual([
      ['US-MAIN', 'nacha', 'ready'],
      ['EU-MAIN', 'pain.008.001.08', 'ready'],
      ['EU-2ND', 'pain.008.001.08', 'ready'],
    ]);
    expect(answers.ready).toEqual(newestFirst.slice(0, 2));
    expect(answers.sent).toEqual([]);
    const [shown] = answers.shown;
    expect(shown!.items.length).toBe(shown!.count);
    expect(shown!.items[0]).toMatchObject({ seq: 1, status: 'sent', seqType: 'FRST' });
    expect(shown!.items.every((i) => i.mandateReference?.startsWith('MND-'))).toBe(true);
    expect(answers.shown[1]!.items.every((i) => i.traceNumber !== null)).toBe(true);
    // The bytes the run wrote, regenerated from either database's registry.
    const runDir = join(app.dir, 'run');
    for (const t of answers.texts) {
      expect(readFileSync(join(runDir, t.name), 'utf8')).toBe(t.text);
      expect(t.sha256).toBe(answers.all.find((f) => t.name.startsWith(f.messageId))!.sha256);
    }
    expect(await refused((db) => showFile(db.storage, 999))).toMatchObject({
      code: 'not_found',
      entity: 'bank file',
      key: '999',
    });
    expect(await refused((db) => fileText(db.storage, 999))).toMatchObject({ code: 'not_found' });
  });

  it('writes a file again byte for byte, only once its transaction has committed', async () => {
    const answers = await same(async (db) => {
      const f = await writeFileAgain(db.storage, ach, db.out);
      expect(f.path, db.dialect).toBe(join(db.out, `${f.messageId}.ach`));
      // Only the file itself: its staged copy was renamed over it.
      expect(readdirSync(db.out), db.dialect).toEqual([`${f.messageId}.ach`]);
      const again = (await listFiles(db.storage, {})).find((x) => x.id === ach)!;
      return { f: placeless(f), recorded: again.path === f.path, text: readFileSync(f.path!, 'utf8') };
    });
    expect(answers.recorded).toBe(true);
    expect(answers.text).toBe(readFileSync(join(app.dir, 'run', `${answers.f.messageId}.ach`), 'utf8'));
  });

  it('marks a file sent once: two supervisors at once make one change, the other is refused', async () => {
    const answers = await same(async (db) => {
      const race = racing(db.storage, 2);
      const outcomes = await Promise.all(
        [0, 1].map(() => answer(markSent(race.storage, otherFile, NOW, supervisor))),
      );
      return {
        outcomes: outcomes.map(outcome).sort(),
        written: await written(db.storage),
        listed: (await listFiles(db.storage, { status: 'sent' })).map((f) => f.id),
      };
    });
    expect(answers.outcomes).toEqual(['already-sent', 'sent']);
    expect(answers.listed).toEqual([otherFile]);
    expect(answers.written.audit.filter((a) => (a as { action: string }).action === 'dd.file.sent')).toEqual([
      {
        at: NOW.toISOString(),
        operatorId: supervisor,
        action: 'dd.file.sent',
        entity: 'bank_file_out',
        entityId: String(otherFile),
        before: JSON.stringify({ status: 'ready' }),
        after: expect.stringContaining('"status":"sent"') as unknown,
      },
    ]);
    expect(await refused((db) => markSent(db.storage, otherFile, NOW, supervisor))).toMatchObject({
      code: 'conflict',
      rule: 'already-sent',
    });
    expect(
      await refused((db) => cancelFile(db.storage, otherFile, 'too late', NOW, supervisor)),
    ).toMatchObject({
      code: 'conflict',
      rule: 'not-ready',
      message: `bank file ${otherFile} is sent; only a ready (unsent) file can be cancelled`,
    });
  });

  it('cancels a file once: its payments reversed, bills reopened, mandates restored; a second cancel is refused', async () => {
    const answers = await same(async (db) => {
      const before = await written(db.storage);
      const race = racing(db.storage, 2);
      const outcomes = await Promise.all(
        [0, 1].map(() => answer(cancelFile(race.storage, mainFile, 'wrong date', NOW, supervisor))),
      );
      return { outcomes: outcomes.map(outcome).sort(), before, after: await written(db.storage) };
    });
    expect(answers.outcomes).toEqual(['cancelled', 'not-ready']);
    const { before, after } = answers;
    const items = (after.items as { id: number; status: string }[]).filter(
      (i, n) => (before.items as { status: string }[])[n]!.status !== i.status,
    );
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.status === 'cancelled')).toBe(true);
    expect(after.reversals).toHaveLength(items.length);
    expect((after.reversals as { reasonCode: number }[]).every((r) => r.reasonCode === 4102)).toBe(true);
    expect(after.audit.filter((a) => (a as { action: string }).action === 'dd.file.cancel')).toHaveLength(1);
    const restored = (
      after.events as { code: string; source: string; before: string; after: string }[]
    ).filter((e) => e.code === 'FILE-CANCELLED');
    // One event per mandate the file collected from.
    const collected = (before.mandates as { collections: number }[]).filter((m) => m.collections > 0);
    expect(restored.length).toBeGreaterThan(0);
    expect(restored.every((e) => e.source === `dd-file:${mainFile}`)).toBe(true);
    expect(JSON.parse(restored[0]!.before)).toMatchObject({ firstCollectedOn: DATE });
    expect(JSON.parse(restored[0]!.after)).toMatchObject({ collections: 0, firstCollectedOn: null });
    const mandate = (m: unknown) => (m as { id: number }).id === amended;
    expect(before.mandates.find(mandate)).toMatchObject({ amendment: null });
    expect(collected.length).toBeGreaterThan(restored.length);
    expect(after.mandates.find(mandate)).toMatchObject({
      amendment: JSON.stringify({ smnda: true }),
      collections: 0,
      first: null,
    });
    expect(await refused((db) => cancelFile(db.storage, mainFile, 'again', NOW, supervisor))).toMatchObject({
      code: 'conflict',
      rule: 'not-ready',
    });
    expect(await refused((db) => writeFileAgain(db.storage, mainFile, join(db.out, 'never')))).toMatchObject({
      code: 'conflict',
      rule: 'file-cancelled',
    });
    for (const db of dbs) expect(existsSync(join(db.out, 'never'))).toBe(false);
    expect(await refused((db) => cancelFile(db.storage, ach, '  ', NOW, supervisor))).toMatchObject({
      code: 'validation',
    });
  });
});
