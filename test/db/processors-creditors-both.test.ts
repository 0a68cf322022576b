import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary } from '../../db/repos/dialect';
import type { Dialect, Storage } from '../../db/storage/port';
import { decryptSecret, deriveSecretKeys } from '../../src-main/processors/secrets';
import { startSimulator, type SimConfig, type Simulator } from '../../src-main/processors/simulator';
import {
  addCreditor,
  listCreditors,
  updateCreditor,
  type Actor,
} from '../../src-main/services/mandates/creditors';
import {
  listProcessors,
  saveProcessor,
  testProcessor,
  type SaveProcessorInput,
} from '../../src-main/services/processors/config';
import type { CreditorDto } from '../../src-shared/dto/mandates';
import type { ProcessorDto } from '../../src-shared/dto/processors';
import { alikeOn, failure } from '../helpers/alike';
import { addOperators, STORAGES } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: processor settings (list, save, the heartbeat test's health record) and direct-debit creditors (list,
// add, update with the amendments a SEPA creditor's change puts on its live mandates) run through the storage port.
// The same changes on SQLite and PostgreSQL answer alike, write the same rows and audit rows, refuse alike writing
// nothing, never store a processor secret in clear, and a raced save of the same new processor or creditor ends
// as the same saves one after another would.

const NOW = new Date('2026-12-06T09:00:00Z');
const KEY = 'both-databases-test-key';
const SECRET = 'topsecret-42';
// The key comes from PAYDESK_SECRET_KEY, so no key file is read or written next to this path.
const LEDGER_FILE = '/nonexistent/ledger.sqlite';

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; ada: number };

const ROWS = STORAGES.filter((r) => r.available);

async function addAdmin(storage: Storage): Promise<number> {
  return (await addOperators(storage, { ada: ['admin'] }, NOW)).ada;
}

type ProcessorRecord = Record<string, unknown> & { secretEnc: string | null };

/** The processors rows as stored, every column. */
async function processorRows(storage: Storage): Promise<ProcessorRecord[]> {
  return storage.transaction(
    (tx) =>
      tx.all<ProcessorRecord>(
        sql`SELECT id, name, kind, url, merchants_json AS "merchantsJson", online_timeout_ms AS "onlineTimeoutMs",
              batch_timeout_ms AS "batchTimeoutMs", connect_retries AS "connectRetries", heartbeat_sec AS "heartbeatSec",
              channel_id AS "channelId", secret_enc AS "secretEnc", secret_hint AS "secretHint",
              is_default AS "isDefault", health, last_heartbeat_at AS "lastHeartbeatAt",
              last_latency_ms AS "lastLatencyMs", created_at AS "createdAt", updated_at AS "updatedAt"
            FROM processors ORDER BY id`,
      ),
    { readOnly: true },
  );
}

/** Every row these commands write, comparable across databases (a sealed secret as what it opens to). */
async function tables(storage: Storage) {
  const keys = deriveSecretKeys(KEY);
  // A measured heartbeat latency differs from one run to the next: compared by whether there is one.
  const processors = (await processorRows(storage)).map(({ secretEnc, ...r }) => ({
    ...r,
    lastLatencyMs: typeof r.lastLatencyMs,
    sealed:
      secretEnc === null ? null : { v2: secretEnc.startsWith('v2:'), opens: decryptSecret(keys, secretEnc) },
  }));
  return storage.transaction(
    async (tx) => ({
      processors,
      creditors: await tx.all(
        sql`SELECT id, code, scheme, name, identifier, currency, iban, bic, routing_no, account_no,
              destination_routing, destination_name, origin_id, origin_name, pain_version, is_default, active,
              created_at, updated_at FROM creditors ORDER BY id`,
      ),
      mandates: await tx.all(
        sql`SELECT id, creditor_id, status, pending_amendment_json, version, updated_at FROM mandates ORDER BY id`,
      ),
      events: await tx.all(
        sql`SELECT id, mandate_id, at, kind, before_json, after_json, source, code, operator_id
            FROM mandate_events ORDER BY id`,
      ),
      audit: await tx.all(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** Every text the processors and audit tables hold, to search for a secret in clear. */
async function storedText(storage: Storage): Promise<string> {
  const audit = await storage.transaction((tx) =>
    tx.all(sql`SELECT action, entity, entity_id, before, after FROM audit_log ORDER BY id`),
  );
  return JSON.stringify([await processorRows(storage), audit]);
}

/** An account and three mandates of a creditor: live without an amendment, live with one, and cancelled. */
async function mandatesOf(storage: Storage, creditorCode: string): Promise<void> {
  await storage.transaction(async (tx) => {
    const at = NOW.toISOString();
    const creditor = (await tx.get<{ id: number }>(
      sql`SELECT id FROM creditors WHERE code = ${creditorCode}`,
    ))!.id;
    const account = (await tx.get<{ id: number }>(
      sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type, created_at)
          VALUES ('EU-100', 'eu-100', 'Erika', 'erika', 'open', 'EUR', 10014, ${at}) RETURNING id`,
    ))!.id;
    const mandate = (ref: string, status: string, pending: string | null) =>
      tx.run(
        sql`INSERT INTO mandates (account_id, creditor_id, scheme, reference, status, signed_on, debtor_name, iban,
              pending_amendment_json, created_at, updated_at)
            VALUES (${account}, ${creditor}, 'sepa_core', ${ref}, ${status}, '2026-10-01', 'Erika',
              'DE89370400440532013000', ${pending}, ${at}, ${at})`,
      );
    await mandate('UMR-1', 'active', null);
    await mandate('UMR-2', 'pending', '{"originalIban":"DE02120300000000202051","originalCreditorId":null}');
    await mandate('UMR-3', 'cancelled', null);
  });
}

const sim = (s: Simulator): string => `http://127.0.0.1:${s.port}`;

const processor = (p: Partial<SaveProcessorInput> & { name: string }): SaveProcessorInput => ({
  url: 'http://127.0.0.1:4010',
  merchants: { USD: { merchant: 'Desk', mid: '1234' } },
  ...p,
});

const sepa = {
  code: 'EU-2',
  scheme: 'sepa' as const,
  name: 'Second GmbH',
  identifier: 'DE98 ZZZ0 9999 9999 99',
  iban: 'de89 3704 0044 0532 0130 00',
};
const ach = {
  code: 'US-1',
  scheme: 'ach' as const,
  name: 'Desk Inc',
  identifier: '1234567890',
  routingNo: '011000015',
  accountNo: '987654',
};
const bacs = { code: 'UK-1', scheme: 'bacs' as const, name: 'Desk Ltd', identifier: ' 123456 ' };

describe('processors and creditors on both databases', () => {
  const dbs: Db[] = [];
  const saved = process.env.PAYDESK_SECRET_KEY;
  const temp = tempDir('paydesk-sim-');
  const simConfig = join(temp.dir, 'sim.json');
  const setSim = (cfg: SimConfig): void => writeFileSync(simConfig, JSON.stringify(cfg));
  let simulator: Simulator;

  beforeAll(async () => {
    process.env.PAYDESK_SECRET_KEY = KEY;
    setSim({ secret: SECRET });
    simulator = await startSimulator({ port: 0, configFile: simConfig });
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      dbs.push({ dialect: row.dialect, storage, dispose, ada: await addAdmin(storage) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
    await simulator?.close();
    temp.cleanup();
    if (saved === undefined) delete process.env.PAYDESK_SECRET_KEY;
    else process.env.PAYDESK_SECRET_KEY = saved;
  });

  const { same, refused } = alikeOn(dbs, tables);

  const who = (db: Db, at = NOW): Actor => ({ at, operatorId: db.ada });

  it('answers alike on a fresh ledger: no processor, no creditor, nothing to test', async () => {
    await same(async ({ storage }) => ({
      processors: await listProcessors(storage),
      creditors: await listCreditors(storage),
    }));
    expect(await refused(({ storage }) => testProcessor(storage, LEDGER_FILE, undefined, () => NOW))).toEqual(
      {
        code: 'conflict',
        rule: 'no-processor',
        message: 'no payment processor is set up; add one with `processor add`',
      },
    );
  });

  it('saves and updates processors alike, the secret sealed and kept out of every row', async () => {
    const answers = await same(async ({ storage, ada }) => {
      const out: unknown[] = [];
      const save = async (p: SaveProcessorInput, at = NOW) =>
        out.push(await saveProcessor(storage, LEDGER_FILE, p, at, ada));
      // The first processor becomes the default; names sort by code point (upper case first) on both.
      await save(processor({ name: 'sim-b', secret: SECRET, url: sim(simulator) }));
      await save(processor({ name: 'alpha', merchants: { EUR: { merchant: 'EU', mid: '77' } } }));
      await save(processor({ name: 'Zeta', connectRetries: 0, onlineTimeoutMs: 2000, channelId: 3 }));
      const later = new Date(NOW.getTime() + 60_000);
      // Without a secret the sealed one stays; the audit says whether it changed.
      await save(processor({ name: 'sim-b', url: sim(simulator), heartbeatSec: 60 }), later);
      await save(processor({ name: 'alpha', isDefault: true, secret: 'alpha-secret-77' }), later);
      out.push(await listProcessors(storage));
      return out;
    });
    const list = answers[5] as ProcessorDto[];
    expect(list.map((p) => [p.name, p.isDefault])).toEqual([
      ['alpha', true],
      ['Zeta', false],
      ['sim-b', false],
    ]);
    expect(list.find((p) => p.name === 'sim-b')).toMatchObject({
      heartbeatSec: 60,
      secretHint: '••••42',
      health: 'unknown',
    });
    const written = await same(async ({ storage }) => tables(storage));
    expect(written.processors.map((p) => p.sealed)).toEqual([
      { v2: true, opens: SECRET },
      { v2: true, opens: 'alpha-secret-77' },
      null,
    ]);
    expect(written.audit.map((a) => (a as { action: string }).action)).toEqual([
      'processor.add',
      'processor.add',
      'processor.add',
      'processor.update',
      'processor.update',
    ]);
    const update = written.audit[3] as { before: string; after: string };
    expect(JSON.parse(update.after)).toMatchObject({ name: 'sim-b', heartbeatSec: 60, secretChanged: false });
    expect(JSON.parse(update.before)).toMatchObject({ name: 'sim-b', secretHint: '••••42', isDefault: true });
    for (const db of dbs) {
      const text = await storedText(db.storage);
      expect(text, db.dialect).not.toContain(SECRET);
      expect(text, db.dialect).not.toContain('alpha-secret-77');
      expect(text, db.dialect).not.toContain(Buffer.from(SECRET).toString('base64'));
    }
  });

  it('refuses a processor alike, writing nothing', async () => {
    expect(
      await refused(({ storage, ada }) =>
        saveProcessor(storage, LEDGER_FILE, processor({ name: 'x', url: 'not a url' }), NOW, ada),
      ),
    ).toEqual({
      code: 'validation',
      message: 'the processor URL is not valid',
      issues: [{ path: 'url', message: 'not a URL' }],
    });
    expect(
      await refused(({ storage, ada }) =>
        saveProcessor(storage, LEDGER_FILE, processor({ name: 'x', url: 'ftp://host/' }), NOW, ada),
      ),
    ).toMatchObject({ code: 'validation', message: 'the processor URL must be http or https' });
    // The first currency not set up, in the order given, even with a secret that would have been sealed.
    expect(
      await refused(({ storage, ada }) =>
        saveProcessor(
          storage,
          LEDGER_FILE,
          processor({
            name: 'sim-b',
            secret: 'never-stored-1',
            merchants: {
              USD: { merchant: 'a', mid: '1' },
              XYZ: { merchant: 'b', mid: '2' },
              QQQ: { merchant: 'c', mid: '3' },
            },
          }),
          NOW,
          ada,
        ),
      ),
    ).toEqual({
      code: 'validation',
      message: 'currency XYZ is not set up',
      issues: [{ path: 'merchants.XYZ', message: 'unknown currency' }],
    });
    expect(
      await refused(({ storage }) => testProcessor(storage, LEDGER_FILE, 'ghost', () => NOW)),
    ).toMatchObject({ code: 'not_found', entity: 'processor', key: 'ghost' });
  });

  it('tests processors alike and records their health', async () => {
    const at = new Date(NOW.getTime() + 120_000);
    const up = await same(async ({ storage }) => {
      const t = await testProcessor(storage, LEDGER_FILE, 'sim-b', () => at);
      return { ...t, latencyMs: typeof t.latencyMs, message: t.message.replace(/\d+ ms/, 'N ms') };
    });
    expect(up).toEqual({
      processor: 'sim-b',
      ok: true,
      health: 'up',
      latencyMs: 'number',
      message: 'heartbeat answered in N ms',
      at: at.toISOString(),
    });
    // The simulator demands the secret: with another one the heartbeat is refused and the processor is down,
    // keeping the time it last answered.
    setSim({ secret: 'another' });
    const down = await same(({ storage }) => testProcessor(storage, LEDGER_FILE, 'sim-b', () => NOW));
    setSim({ secret: SECRET });
    expect(down).toMatchObject({ processor: 'sim-b', ok: false, health: 'down', latencyMs: null });
    // Zeta (port 4010) answers nothing: down, and it never had a heartbeat.
    await same(({ storage }) => testProcessor(storage, LEDGER_FILE, 'Zeta', () => NOW));
    const health = await same(async ({ storage }) =>
      (await processorRows(storage)).map((p) => ({
        name: p.name,
        health: p.health,
        lastHeartbeatAt: p.lastHeartbeatAt,
        latency: typeof p.lastLatencyMs,
      })),
    );
    expect(health).toEqual([
      { name: 'sim-b', health: 'down', lastHeartbeatAt: at.toISOString(), latency: 'number' },
      { name: 'alpha', health: 'unknown', lastHeartbeatAt: null, latency: 'object' },
      { name: 'Zeta', health: 'down', lastHeartbeatAt: null, latency: 'object' },
    ]);
  });

  it('holds no transaction open while the processor is asked', async () => {
    // The simulator answers after a second; a save begun meanwhile must not wait for that answer (on SQLite a
    // writer waits for any read transaction still open, on PostgreSQL an open one shows in pg_stat_activity).
    const LATENCY = 1000;
    setSim({ secret: SECRET, latencyMs: LATENCY });
    try {
      for (const db of dbs) {
        const started = Date.now();
        const tested = testProcessor(db.storage, LEDGER_FILE, 'sim-b', () => NOW).then(() => Date.now());
        await new Promise((r) => setTimeout(r, 150));
        const savedAt = await saveProcessor(
          db.storage,
          LEDGER_FILE,
          processor({ name: 'alpha', isDefault: true, secret: 'alpha-secret-77' }),
          NOW,
          db.ada,
        ).then(() => Date.now());
        if (db.dialect === 'postgres') {
          const open = await db.storage.transaction((tx) =>
            tx.get<{ n: number }>(
              sql`SELECT count(*) AS n FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
            ),
          );
          expect(open?.n, db.dialect).toBe(0);
        }
        expect(savedAt - started, db.dialect).toBeLessThan(LATENCY - 300);
        expect((await tested) - started, db.dialect).toBeGreaterThanOrEqual(LATENCY);
      }
    } finally {
      setSim({ secret: SECRET });
    }
  });

  it('adds and updates creditors alike; a SEPA creditor change amends its live mandates alike', async () => {
    const mark = await same(async ({ storage }) => (await tables(storage)).audit.length);
    const answers = await same(async (db) => {
      const out: unknown[] = [];
      const log = async (p: Promise<unknown>) => out.push(await p);
      await log(
        addCreditor(db.storage, { ...sepa, isDefault: true, painVersion: 'pain.008.001.02' }, who(db)),
      );
      await log(addCreditor(db.storage, ach, who(db)));
      await log(addCreditor(db.storage, bacs, who(db)));
      await log(
        addCreditor(
          db.storage,
          { ...sepa, code: 'EU-1', name: 'First AG', isDefault: true, bic: 'cobadeffxxx' },
          who(db),
        ),
      );
      await mandatesOf(db.storage, 'EU-2');
      const later = new Date(NOW.getTime() + 60_000);
      await log(
        updateCreditor(
          db.storage,
          'EU-2',
          { identifier: 'DE13ZZZ00000012345', name: 'Renamed', isDefault: true },
          who(db, later),
        ),
      );
      // A second rename keeps the name the bank knew first.
      await log(updateCreditor(db.storage, 'EU-2', { name: 'Renamed Again', active: false }, who(db, later)));
      await log(
        updateCreditor(db.storage, 'US-1', { originName: 'Desk Inc', accountNo: '' }, who(db, later)),
      );
      await log(listCreditors(db.storage));
      const t = await tables(db.storage);
      out.push({ ...t, audit: t.audit.slice(mark) });
      return out;
    });
    expect(answers[0]).toMatchObject({
      code: 'EU-2',
      identifier: 'DE98ZZZ09999999999',
      iban: 'DE89370400440532013000',
      currency: 'EUR',
      isDefault: true,
    });
    expect(answers[2]).toMatchObject({ identifier: '123456', currency: 'GBP' });
    expect(answers[3]).toMatchObject({ bic: 'COBADEFFXXX', isDefault: true });
    expect(answers[4]).toMatchObject({ name: 'Renamed', isDefault: true, mandates: 3 });
    expect(answers[6]).toMatchObject({ originName: 'Desk Inc', accountNo: null });
    expect((answers[7] as CreditorDto[]).map((c) => [c.code, c.isDefault, c.active])).toEqual([
      ['EU-1', false, true],
      ['EU-2', true, false],
      ['UK-1', false, true],
      ['US-1', false, true],
    ]);
    const written = answers[8] as Awaited<ReturnType<typeof tables>>;
    expect(written.mandates).toEqual([
      expect.objectContaining({
        version: 3,
        pending_amendment_json:
          '{"originalCreditorId":"DE98ZZZ09999999999","originalCreditorName":"Second GmbH"}',
      }),
      expect.objectContaining({
        version: 3,
        pending_amendment_json:
          '{"originalIban":"DE02120300000000202051","originalCreditorId":"DE98ZZZ09999999999","originalCreditorName":"Second GmbH"}',
      }),
      expect.objectContaining({ status: 'cancelled', version: 1, pending_amendment_json: null }),
    ]);
    expect(written.events).toHaveLength(4);
    expect(written.events[1]).toMatchObject({
      mandate_id: 2,
      kind: 'amended',
      source: 'creditor:1',
      before_json: '{"pendingAmendment":{"originalIban":"DE02120300000000202051","originalCreditorId":null}}',
    });
    expect(written.audit.map((a) => (a as { action: string }).action)).toEqual([
      'creditor.add',
      'creditor.add',
      'creditor.add',
      'creditor.add',
      'creditor.update',
      'creditor.update',
      'creditor.update',
    ]);
    expect(JSON.parse((written.audit[4] as { after: string }).after)).toMatchObject({ amendedMandates: 2 });
    expect(JSON.parse((written.audit[5] as { after: string }).after)).toMatchObject({ amendedMandates: 2 });
  });

  it('writes the same amendment text the SQLite json_set statement wrote before the move', async () => {
    const lite = dbs.find((d) => d.dialect === 'sqlite')!;
    const pending = '{"originalIban":"X","originalCreditorId":null,"smnda":true}';
    const text = await lite.storage.transaction(async (tx) => {
      const p = sql`coalesce(${pending}, '{}')`;
      const row = await tx.get<{ t: string }>(
        sql`SELECT json_set(json_set(${p}, '$.originalCreditorId',
              coalesce(json_extract(${p}, '$.originalCreditorId'), 'OLD-ID')),
              '$.originalCreditorName', coalesce(json_extract(${p}, '$.originalCreditorName'), 'Old name')) AS t`,
      );
      return row!.t;
    });
    const amended = { ...(JSON.parse(pending) as Record<string, unknown>) };
    amended.originalCreditorId = amended.originalCreditorId ?? 'OLD-ID';
    amended.originalCreditorName = amended.originalCreditorName ?? 'Old name';
    expect(JSON.stringify(amended)).toBe(text);
  });

  it('refuses creditors alike, writing nothing', async () => {
    const bad = (await refused((db) =>
      addCreditor(
        db.storage,
        { ...sepa, code: 'EU-BAD', identifier: 'DE97ZZZ09999999999', iban: 'DE89370400440532013001' },
        who(db),
      ),
    )) as { code: string; issues: { path: string }[] };
    expect(bad.code).toBe('validation');
    expect(bad.issues.map((i) => i.path)).toEqual(['identifier', 'iban']);
    expect(await refused((db) => addCreditor(db.storage, { ...sepa, name: 'Again' }, who(db)))).toEqual({
      code: 'conflict',
      rule: 'creditor-code-taken',
      message: 'a creditor with code EU-2 exists already',
    });
    expect(await refused((db) => updateCreditor(db.storage, 'NOPE', { name: 'x' }, who(db)))).toMatchObject({
      code: 'not_found',
      entity: 'creditor',
      key: 'NOPE',
    });
    expect(
      await refused((db) => updateCreditor(db.storage, 'EU-2', { currency: 'USD' }, who(db))),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'currency' }] });
    expect(
      await refused((db) => updateCreditor(db.storage, 'US-1', { routingNo: '011000016' }, who(db))),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'routingNo' }] });
    // A creditor with mandates keeps its currency (one stored in the wrong currency cannot be put right either).
    await same(async ({ storage }) => {
      await storage.transaction(async (tx) => {
        await tx.run(sql`UPDATE creditors SET currency = 'USD' WHERE code = 'EU-1'`);
        await tx.run(
          sql`INSERT INTO mandates (account_id, creditor_id, scheme, reference, status, signed_on, debtor_name, iban,
                created_at, updated_at)
              SELECT a.id, c.id, 'sepa_core', 'UMR-EU1', 'active', '2026-10-01', 'Erika', 'DE89370400440532013000',
                ${NOW.toISOString()}, ${NOW.toISOString()}
              FROM accounts a, creditors c WHERE a.account_no = 'EU-100' AND c.code = 'EU-1'`,
        );
      });
      return null;
    });
    expect(
      await refused((db) => updateCreditor(db.storage, 'EU-1', { currency: 'EUR', name: 'x' }, who(db))),
    ).toEqual({
      code: 'conflict',
      rule: 'creditor-currency',
      message: 'creditor EU-1 has mandates: its currency cannot change',
    });
  });
});

describe('raced saves on both databases', () => {
  const saved = process.env.PAYDESK_SECRET_KEY;
  beforeAll(() => {
    process.env.PAYDESK_SECRET_KEY = KEY;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.PAYDESK_SECRET_KEY;
    else process.env.PAYDESK_SECRET_KEY = saved;
  });

  for (const row of ROWS) {
    it(`${row.dialect}: one creditor per code, one default per scheme, one processor per name, one default`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const ada = await addAdmin(storage);
        const who = { at: NOW, operatorId: ada };

        // Four supervisors add the same new creditor at once: one adds it, the others get the refusal a
        // sequential duplicate gets, never a database error.
        const adds = await Promise.allSettled(
          [1, 2, 3, 4].map((i) => addCreditor(storage, { ...sepa, name: `Racer ${i}` }, who)),
        );
        const sequential = await failure(addCreditor(storage, sepa, who));
        expect(sequential).toMatchObject({ code: 'conflict', rule: 'creditor-code-taken' });
        expect(adds.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of adds)
          if (r.status === 'rejected') expect((r.reason as { error: unknown }).error).toEqual(sequential);

        // Two new defaults of one scheme at once: one default remains, as one after the other.
        await Promise.all(
          ['EU-7', 'EU-8'].map((code) => addCreditor(storage, { ...sepa, code, isDefault: true }, who)),
        );
        const creditors = await listCreditors(storage);
        expect(creditors.map((c) => c.code)).toEqual(['EU-2', 'EU-7', 'EU-8']);
        expect(creditors.filter((c) => c.isDefault)).toHaveLength(1);

        // Two new processors at once on a ledger without any: exactly one becomes the default. Four saves of one
        // new name at once: one adds it, the others update it, as saves one after another do.
        await Promise.all(
          ['p-1', 'p-2'].map((name) => saveProcessor(storage, LEDGER_FILE, processor({ name }), NOW, ada)),
        );
        const same = await Promise.allSettled(
          [1, 2, 3, 4].map((i) =>
            saveProcessor(
              storage,
              LEDGER_FILE,
              processor({ name: 'p-3', heartbeatSec: 10 * i, secret: SECRET }),
              NOW,
              ada,
            ),
          ),
        );
        expect(same.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
        const processors = await listProcessors(storage);
        expect(processors.map((p) => p.name).sort()).toEqual(['p-1', 'p-2', 'p-3']);
        expect(processors.filter((p) => p.isDefault)).toHaveLength(1);

        const audit = await storage.transaction((tx) =>
          tx.all<{ action: string; entityId: string }>(
            sql`SELECT action, entity_id AS "entityId" FROM audit_log ORDER BY id`,
          ),
        );
        const count = (action: string, entityId?: string) =>
          audit.filter((a) => a.action === action && (entityId === undefined || a.entityId === entityId))
            .length;
        expect(count('creditor.add')).toBe(3);
        expect(count('creditor.update')).toBe(0);
        expect(count('processor.add')).toBe(3);
        expect(count('processor.update', 'p-3')).toBe(3);
        expect(await storedText(storage)).not.toContain(SECRET);
        const orderByCode = await storage.transaction((tx) =>
          tx.all<{ code: string }>(sql`SELECT code FROM creditors ORDER BY ${binary(tx, sql`code`)}`),
        );
        expect(orderByCode.map((c) => c.code)).toEqual(['EU-2', 'EU-7', 'EU-8']);
      } finally {
        await dispose();
      }
    }, 60_000);
  }
});
