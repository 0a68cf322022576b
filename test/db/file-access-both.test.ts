import { createHash } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../db/client';
import type { Dialect, Storage } from '../../db/storage/port';
import { importReasons } from '../../src-main/services/admin/codes-admin';
import { importConfig } from '../../src-main/services/admin/config-file';
import {
  assertPathsAllowedVia,
  readCommandFile,
  readCommandFileVia,
  type FileReader,
} from '../../src-main/services/files';
import { newClient, withClient, type Door } from '../../src-main/services/identity/client';
import { exportReport } from '../../src-main/services/reports/export';
import {
  commandFileVia,
  createUploadStore,
  readUpload,
  readUploadVia,
  type ResolvedUpload,
  type UploadStore,
} from '../../src-main/services/uploads';
import { alikeOn, answer } from '../helpers/alike';
import { addOperators, STORAGES } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: the front-door check on paths and the `file.read` audit of every file a command reads run through the
// storage port for the commands already on it (reason-code and configuration import, mandate revision files,
// exports' and AUDDIS' out folders, report export). On SQLite and PostgreSQL a file read writes the same audit row
// (path, size, SHA-256) as the driver form, before the command's own transaction; a path named through the desktop
// window, the bridge or the team server is refused alike and its refusal audited alike; an upload is read and
// audited alike; an unreadable or too large file is refused alike and writes nothing.

const NOW = new Date('2026-12-06T09:00:00Z');
const ROWS = STORAGES.filter((r) => r.available);

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; clerk: number };
let dbs: Db[] = [];
let dir: string;
let cleanup: () => void;
let uploads: UploadStore;

type AuditRow = {
  at: string;
  operatorId: number | null;
  action: string;
  entity: string;
  entityId: string | null;
  after: unknown;
};

/** The audit rows after `afterId`, oldest first, `after` parsed (and the operator as the test's own id). */
async function auditSince(db: Db, afterId: number): Promise<AuditRow[]> {
  const rows = await db.storage.transaction(
    (tx) =>
      tx.all<Omit<AuditRow, 'after'> & { after: string | null }>(
        sql`SELECT at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", after
            FROM audit_log WHERE id > ${afterId} ORDER BY id`,
      ),
    { readOnly: true },
  );
  return rows.map((r) => ({
    ...r,
    operatorId: r.operatorId === db.clerk ? -1 : r.operatorId,
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
  }));
}

async function lastAuditId(storage: Storage): Promise<number> {
  const row = await storage.transaction(
    (tx) => tx.get<{ id: number | null }>(sql`SELECT max(id) AS id FROM audit_log`),
    { readOnly: true },
  );
  return row?.id ?? 0;
}

/** Runs fn on a database and answers what it returned and the audit rows it wrote. */
async function audited<T>(db: Db, fn: () => Promise<T>): Promise<{ answer: unknown; audit: AuditRow[] }> {
  const before = await lastAuditId(db.storage);
  const result = await answer(fn());
  return { answer: result, audit: await auditSince(db, before) };
}

const who = (db: Db): FileReader => ({ at: NOW, operatorId: db.clerk });
const asDoor = <T>(door: Door, fn: () => Promise<T>): Promise<T> => withClient(newClient(door), fn);
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Every audit row, for the refusals that must write nothing. */
const everyAudit = (storage: Storage): Promise<unknown> =>
  storage.transaction((tx) => tx.all(sql`SELECT id, action, entity, after FROM audit_log ORDER BY id`), {
    readOnly: true,
  });

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A finished upload of the in-process client, sent in one chunk. */
function upload(name: string, content: Buffer): ResolvedUpload {
  const begun = uploads.begin('in-process', name, content.length);
  uploads.append('in-process', begun.uploadId, 0, content);
  uploads.finish('in-process', begun.uploadId);
  return uploads.resolve('in-process', begun.uploadId);
}

const reasons = (codes: { id: number; label: string }[]): string =>
  JSON.stringify({
    format: 'paydesk-reasons',
    version: 1,
    locale: 'en_us',
    codes: codes.map((c) => ({ domainId: 15, help: '', glId: null, active: true, ...c })),
  });

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('paydesk-files-both-'));
  uploads = createUploadStore({ root: join(dir, 'uploads') });
  dbs = await Promise.all(
    ROWS.map(async (row) => {
      const { storage, dispose } = await row.open();
      const { clerk } = await addOperators(storage, { clerk: ['admin'] }, NOW);
      return { dialect: row.dialect, storage, dispose, clerk };
    }),
  );
}, 60_000);

afterAll(async () => {
  for (const db of dbs) await db.dispose();
  uploads?.close();
  cleanup?.();
});

describe('files read for commands on the storage port', () => {
  it('a path read writes the same file.read row on both databases as the driver form does', async () => {
    const content = 'one line\nand another\n';
    const path = file('plain.txt', content);
    const { same } = alikeOn(dbs, everyAudit);
    const read = await same((db) =>
      audited(db, async () =>
        (await readCommandFileVia(db.storage, who(db), 'test:read', path, 1024)).toString(),
      ),
    );
    const row = {
      at: NOW.toISOString(),
      operatorId: -1,
      action: 'file.read',
      entity: 'file',
      entityId: 'test:read',
      after: { path, size: Buffer.byteLength(content), sha256: sha256(content) },
    };
    expect(read).toEqual({ answer: { value: content }, audit: [row] });

    // The synchronous form still used by the batch code writes the very same row through the driver (no operator
    // in that ledger: the row names none).
    const { dir: ledgerDir, cleanup: dropLedger } = tempDir();
    try {
      const ledger = openLedger(join(ledgerDir, 'ledger.sqlite'), 'db/migrations');
      const bytes = readCommandFile(ledger.sqlite, { at: NOW, operatorId: null }, 'test:read', path, 1024);
      expect(bytes.toString()).toBe(content);
      const driverRow = ledger.sqlite
        .prepare(
          `SELECT at, operator_id AS operatorId, action, entity, entity_id AS entityId, after
           FROM audit_log ORDER BY id DESC LIMIT 1`,
        )
        .get() as AuditRow & { after: string };
      expect({ ...driverRow, after: JSON.parse(driverRow.after) as unknown }).toEqual({
        ...row,
        operatorId: null,
      });
      ledger.sqlite.close();
    } finally {
      dropLedger();
    }
  });

  it('an unreadable, missing or too large file is refused alike and audits nothing', async () => {
    const big = file('big.txt', 'x'.repeat(2048));
    const { refused } = alikeOn(dbs, everyAudit);
    expect(
      await refused((db) =>
        readCommandFileVia(db.storage, who(db), 'test:read', join(dir, 'nope.txt'), 1024),
      ),
    ).toEqual({
      code: 'validation',
      message: `${join(dir, 'nope.txt')} cannot be read: the file does not exist`,
      issues: [{ path: 'file', message: 'the file does not exist' }],
    });
    expect(
      await refused((db) => readCommandFileVia(db.storage, who(db), 'test:read', big, 1024)),
    ).toMatchObject({
      code: 'validation',
      issues: [{ path: 'file', message: 'the file is 2048 bytes; at most 1024 are accepted' }],
    });
    expect(
      await refused((db) => readCommandFileVia(db.storage, who(db), 'test:read', dir, 1 << 20)),
    ).toMatchObject({
      issues: [{ path: 'file', message: 'this is a folder, not a file' }],
    });
  });

  it('a path named through the desktop window, the bridge or the team server is refused and audited alike', async () => {
    const path = file('secret.txt', 'root:hash\n');
    const { same } = alikeOn(dbs, everyAudit);
    for (const door of ['ipc', 'bridge', 'server'] as const) {
      const read = await same((db) =>
        audited(db, () =>
          asDoor(door, () => readCommandFileVia(db.storage, who(db), 'codes:import', path, 1024)),
        ),
      );
      expect(read.answer, door).toMatchObject({ error: { code: 'forbidden' } });
      // The refusal's row is committed although the call fails; no file.read row: the file is never opened.
      expect(read.audit, door).toEqual([
        {
          at: NOW.toISOString(),
          operatorId: -1,
          action: 'forbidden',
          entity: 'file',
          entityId: 'codes:import',
          after: { door, fields: ['file'] },
        },
      ]);
    }
    // A report export naming its output files is refused before any report runs or any file is written.
    const csvFile = join(dir, 'report.csv');
    const exported = await same((db) =>
      audited(db, () =>
        asDoor('bridge', () =>
          exportReport(
            db.storage,
            who(db),
            { name: 'deposit', filters: {}, csvFile, csv: false, pdf: false },
            NOW,
          ),
        ),
      ),
    );
    expect(exported.answer).toMatchObject({ error: { code: 'forbidden' } });
    expect(exported.audit.map((r) => [r.action, r.entityId, r.after])).toEqual([
      ['forbidden', 'reports:export', { door: 'bridge', fields: ['csvFile'] }],
    ]);
    // The command line and in-process callers may name paths: nothing is refused, nothing audited.
    expect(
      await same((db) =>
        audited(db, () =>
          asDoor('cli', () =>
            assertPathsAllowedVia(db.storage, who(db), 'exports:run', { out: dir }, ['out']),
          ),
        ),
      ),
    ).toEqual({ answer: { value: undefined }, audit: [] });
    // A door that may not name paths is not refused for an input that names none.
    expect(
      await same((db) =>
        audited(db, () =>
          asDoor('ipc', () => assertPathsAllowedVia(db.storage, who(db), 'exports:run', {}, ['out'])),
        ),
      ),
    ).toEqual({ answer: { value: undefined }, audit: [] });
  });

  it('an upload is read and audited alike, as the driver form audits it; one over the limit is refused alike', async () => {
    const content = Buffer.from('uploaded bytes\n');
    const up = upload('bank.txt', content);
    const { same, refused } = alikeOn(dbs, everyAudit);
    const read = await same((db) =>
      audited(db, async () => {
        const { bytes, name } = await readUploadVia(db.storage, who(db), 'mandates:import', up, 1024);
        return { text: bytes.toString(), name };
      }),
    );
    const row = {
      at: NOW.toISOString(),
      operatorId: -1,
      action: 'file.read',
      entity: 'file',
      entityId: 'mandates:import',
      after: { upload: up.id, fileName: 'bank.txt', size: content.length, sha256: sha256(content) },
    };
    expect(read).toEqual({ answer: { value: { text: 'uploaded bytes\n', name: 'bank.txt' } }, audit: [row] });

    const { dir: ledgerDir, cleanup: dropLedger } = tempDir();
    try {
      const ledger = openLedger(join(ledgerDir, 'ledger.sqlite'), 'db/migrations');
      readUpload(ledger.sqlite, { at: NOW, operatorId: null }, 'mandates:import', up, 1024);
      const driverRow = ledger.sqlite
        .prepare(
          `SELECT action, entity, entity_id AS entityId, after FROM audit_log ORDER BY id DESC LIMIT 1`,
        )
        .get() as { action: string; entity: string; entityId: string; after: string };
      expect({ ...driverRow, after: JSON.parse(driverRow.after) as unknown }).toEqual({
        action: row.action,
        entity: row.entity,
        entityId: row.entityId,
        after: row.after,
      });
      ledger.sqlite.close();
    } finally {
      dropLedger();
    }

    expect(await refused((db) => readUploadVia(db.storage, who(db), 'mandates:import', up, 4))).toEqual({
      code: 'validation',
      message: 'bank.txt is too large',
      issues: [{ path: 'uploadId', message: 'at most 4 bytes are accepted' }],
    });
    // Content sent in the input is the user's own bytes: taken as they are, no file read, nothing audited.
    expect(
      await same((db) =>
        audited(db, async () => {
          const { bytes, name } = await commandFileVia(
            db.storage,
            who(db),
            'codes:import',
            { content: content.toString('base64'), fileName: 'chosen.txt' },
            1024,
          );
          return { text: bytes.toString(), name };
        }),
      ),
    ).toEqual({ answer: { value: { text: 'uploaded bytes\n', name: 'chosen.txt' } }, audit: [] });
  });
});

describe('commands on the port read and audit their file before their own transaction', () => {
  it('a reasons import audits the read, then the import; a refused file is still recorded as read', async () => {
    const good = file('reasons.json', reasons([{ id: 102_701, label: 'Night shift' }]));
    const { same } = alikeOn(dbs, everyAudit);
    const imported = await same((db) =>
      audited(db, () => importReasons(db.storage, { file: good }, NOW, db.clerk)),
    );
    expect(imported.answer).toEqual({ value: { added: 1, updated: 0, unchanged: 0 } });
    expect(imported.audit.map((r) => [r.action, r.entityId, r.after])).toEqual([
      [
        'file.read',
        'codes:import',
        {
          path: good,
          size: readSize(good),
          sha256: sha256(reasons([{ id: 102_701, label: 'Night shift' }])),
        },
      ],
      ['reason_code.import', null, { file: good, added: 1, updated: 0, unchanged: 0 }],
    ]);

    // Twice the same id: the import is refused, the file's read stays on record, no code is written.
    const bad = file(
      'bad-reasons.json',
      reasons([
        { id: 102_702, label: 'New' },
        { id: 102_702, label: 'Twice' },
      ]),
    );
    const refused = await same((db) =>
      audited(db, () => importReasons(db.storage, { file: bad }, NOW, db.clerk)),
    );
    expect(refused.answer).toMatchObject({ error: { code: 'validation', issues: [{ path: 'codes.1.id' }] } });
    expect(refused.audit.map((r) => [r.action, r.entityId])).toEqual([['file.read', 'codes:import']]);
    await same(async (db) => {
      const code = await db.storage.transaction(
        (tx) => tx.get(sql`SELECT id FROM reason_codes WHERE domain_id = 15 AND id = 102702`),
        { readOnly: true },
      );
      expect(code, db.dialect).toBeUndefined();
    });
  });

  it('a configuration file named from the bridge is refused before it is read; from the command line it is read', async () => {
    const path = file('config.json', '{"format": "not a configuration"}');
    const { same } = alikeOn(dbs, everyAudit);
    const refused = await same((db) =>
      audited(db, () => asDoor('bridge', () => importConfig(db.storage, { file: path }, NOW, db.clerk))),
    );
    expect(refused.answer).toMatchObject({ error: { code: 'forbidden' } });
    expect(refused.audit.map((r) => [r.action, r.entityId, r.after])).toEqual([
      ['forbidden', 'admin:import-config', { door: 'bridge', fields: ['file'] }],
    ]);
    const read = await same((db) =>
      audited(db, () => asDoor('cli', () => importConfig(db.storage, { file: path }, NOW, db.clerk))),
    );
    expect(read.answer).toMatchObject({ error: { code: 'validation' } });
    expect(read.audit.map((r) => [r.action, r.entityId, r.after])).toEqual([
      [
        'file.read',
        'admin:import-config',
        { path, size: readSize(path), sha256: sha256('{"format": "not a configuration"}') },
      ],
    ]);
  });

  it('the same reasons file imported five times at once: every read audited, one call adds the code', async () => {
    const path = file('race-reasons.json', reasons([{ id: 102_750, label: 'Raced' }]));
    const { same } = alikeOn(dbs, everyAudit);
    const raced = await same(async (db) => {
      const before = await lastAuditId(db.storage);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => importReasons(db.storage, { file: path }, NOW, db.clerk)),
      );
      const audit = await auditSince(db, before);
      const codes = await db.storage.transaction(
        (tx) => tx.all(sql`SELECT label FROM reason_codes WHERE domain_id = 15 AND id = 102750`),
        { readOnly: true },
      );
      return {
        answers: answers.map((a) => JSON.stringify(a)).sort(),
        reads: audit.filter((r) => r.action === 'file.read').length,
        imports: audit
          .filter((r) => r.action === 'reason_code.import')
          .map((r) => r.after)
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        codes,
      };
    });
    expect(raced.answers).toEqual([
      JSON.stringify({ added: 0, updated: 0, unchanged: 1 }),
      JSON.stringify({ added: 0, updated: 0, unchanged: 1 }),
      JSON.stringify({ added: 0, updated: 0, unchanged: 1 }),
      JSON.stringify({ added: 0, updated: 0, unchanged: 1 }),
      JSON.stringify({ added: 1, updated: 0, unchanged: 0 }),
    ]);
    expect(raced.reads).toBe(5);
    expect(raced.imports).toHaveLength(5);
    expect(raced.codes).toEqual([{ label: 'Raced' }]);
  });
});

const readSize = (path: string): number => statSync(path).size;
