import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import { sqliteQuery } from '../../db/storage/sqlite';
import { auddisExtract } from '../../src-main/services/mandates/auddis';
import { addCreditor, type Actor } from '../../src-main/services/mandates/creditors';
import { demoIban } from '../../src-main/services/mandates/demo-mandates';
import {
  addMandate,
  amendMandate,
  cancelMandate,
  expireMandates,
  listMandates,
  showMandate,
  type AddMandateInput,
} from '../../src-main/services/mandates/mandates';
import { importMandateFile } from '../../src-main/services/mandates/revision-import';
import type { MandateDetailDto, MandateImportDto, MandatePageDto } from '../../src-shared/dto/mandates';
import { alikeOn, answer, type Answer } from '../helpers/alike';
import { racing } from '../helpers/racing';
import { addOperators, STORAGES } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: direct-debit mandates (keying, listing, reading, amending, cancelling, expiring, the bank's revision
// file and the BACS AUDDIS extract) run through the storage port. The same calls on SQLite and PostgreSQL answer
// alike and write the same rows, events and audit rows; refusals are alike and write nothing; and the races a
// team of clerks brings (one reference keyed at once, one file imported twice at once, one mandate amended twice
// at once, two extracts at once) end as the same calls one after another would.

const NOW = new Date('2026-12-06T09:00:00Z');
const ROWS = STORAGES.filter((r) => r.available);
const TEMP = tempDir('paydesk-auddis-');
const OUT_DIR = join(TEMP.dir, 'out');
mkdirSync(OUT_DIR);
const AUDDIS_OUT = join(TEMP.dir, 'auddis-2.csv');

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; ada: number; bob: number };

/** Accounts, a bill unit and the creditors the mandates are keyed for. */
async function seed(storage: Storage, ada: number): Promise<void> {
  await storage.transaction(async (tx) => {
    const at = NOW.toISOString();
    const account = async (no: string, name: string, currency: string, status = 'active') =>
      (await tx.get<{ id: number }>(
        sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type,
              created_at)
            VALUES (${no}, ${no.toLowerCase()}, ${name}, ${name.toLowerCase()}, ${status}, ${currency}, 10014, ${at})
            RETURNING id`,
      ))!.id;
    for (const n of [1, 2, 3, 4, 5, 6]) await account(`EU-${n}`, `Erika Muster ${n}`, 'EUR');
    await account('EU-X', 'Closed Account', 'EUR', 'closed');
    for (const n of [1, 2, 3]) await account(`GB-${n}`, `Gordon Bennett ${n}`, 'GBP');
    const us = await account('US-1', 'Ulysses Smith', 'USD');
    await tx.run(
      sql`INSERT INTO bill_units (bill_unit_no, account_id, name, accounting_type, pay_type, payment_term)
          VALUES ('BU-US-1', ${us}, 'Main', 'open_item', 10014, 'NET30')`,
    );
  });
  const who = { at: NOW, operatorId: ada };
  await addCreditor(
    storage,
    {
      code: 'EU-MAIN',
      scheme: 'sepa',
      name: 'Paydesk Demo GmbH',
      identifier: 'DE98ZZZ09999999999',
      iban: 'DE89370400440532013000',
      isDefault: true,
    },
    who,
  );
  await addCreditor(
    storage,
    {
      code: 'EU-2ND',
      scheme: 'sepa',
      name: 'Second GmbH',
      identifier: 'DE98ZZZ09999999999',
      iban: 'DE89370400440532013000',
    },
    who,
  );
  await addCreditor(
    storage,
    { code: 'UK-MAIN', scheme: 'bacs', name: 'Paydesk Demo Ltd', identifier: '123456' },
    who,
  );
  await addCreditor(
    storage,
    {
      code: 'US-MAIN',
      scheme: 'ach',
      name: 'Paydesk Demo Inc',
      identifier: '1234567890',
      routingNo: '011000015',
      accountNo: '4000123456',
    },
    who,
  );
}

/** Every row the mandate commands write (audit included), comparable across databases. */
async function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      mandates: await tx.all(sql`SELECT * FROM mandates ORDER BY id`),
      events: await tx.all(
        sql`SELECT id, mandate_id, at, kind, before_json, after_json, source, code, auddis_extract_id, operator_id
            FROM mandate_events ORDER BY id`,
      ),
      files: await tx.all(sql`SELECT * FROM mandate_files ORDER BY id`),
      extracts: await tx.all(sql`SELECT * FROM auddis_extracts ORDER BY id`),
      workflow: await tx.all(
        sql`SELECT id, account_id, kind, message, status, created_at FROM workflow_items ORDER BY id`,
      ),
      audit: await tx.all(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/**
 * The rows as sets, without their ids and with each mandate named by its creditor and reference: a refused insert
 * uses up a PostgreSQL identity value (not a SQLite rowid), and racers commit in their own order (the amending
 * clerks' names stand for any of them).
 */
function withoutIds(t: Awaited<ReturnType<typeof tables>>): unknown {
  const mandates = t.mandates as Record<string, unknown>[];
  const name = new Map(mandates.map((m) => [m.id, `${String(m.creditor_id)}:${String(m.reference)}`]));
  const set = (rows: unknown[], fn: (r: Record<string, unknown>) => Record<string, unknown>) =>
    rows
      // Which racing clerk's name came last is up to each database.
      .map((r) =>
        JSON.stringify(fn(r as Record<string, unknown>)).replace(/Clerk (One|Two|Three|Four)/g, 'Clerk'),
      )
      .sort()
      .map((r) => JSON.parse(r) as unknown);
  return {
    mandates: set(mandates, ({ id: _id, ...m }) => m),
    events: set(t.events, ({ id: _id, mandate_id, auddis_extract_id, source, ...e }) => ({
      ...e,
      mandate: name.get(mandate_id),
      stamped: auddis_extract_id !== null,
      source: String(source).replace(/\d+/g, 'N'),
    })),
    files: set(t.files, ({ id: _id, ...f }) => f),
    extracts: set(t.extracts, ({ id: _id, ...x }) => x),
    workflow: set(t.workflow, ({ id: _id, ...w }) => w),
    // The expire run's audit names mandates by id.
    audit: set(t.audit, ({ id: _id, entityId: _e, ...a }) => {
      if (a.action !== 'mandate.expire' || typeof a.after !== 'string') return a;
      const after = JSON.parse(a.after) as { ids: number[] };
      return { ...a, after: { ...after, ids: after.ids.map((i) => name.get(i)).sort() } };
    }),
  };
}

/** Another account at the demo creditor's bank (37040044). */
const SAME_BANK = demoIban(77);

const csv = (text: string) => ({ bytes: Buffer.from(text), name: 'revisions.csv' });

const sepa = (accountNo: string, extra: Partial<AddMandateInput> = {}): AddMandateInput => ({
  accountNo,
  scheme: 'sepa_core',
  iban: 'DE89 3704 0044 0532 0130 00',
  signedOn: '2026-11-01',
  ...extra,
});
const bacs = (accountNo: string, extra: Partial<AddMandateInput> = {}): AddMandateInput => ({
  accountNo,
  scheme: 'bacs',
  sortCode: '12-34-56',
  bankAccountNo: '12345678',
  signedOn: '2026-11-01',
  ...extra,
});

describe('mandates on both databases', () => {
  const dbs: Db[] = [];

  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      const ops = await addOperators(storage, { ada: ['clerk', 'supervisor'], bob: ['clerk'] }, NOW);
      await seed(storage, ops.ada);
      dbs.push({ dialect: row.dialect, storage, dispose, ada: ops.ada, bob: ops.bob });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
    TEMP.cleanup();
  });

  const { same, refused } = alikeOn(dbs, tables);
  const who = (db: Db, at = NOW): Actor => ({ at, operatorId: db.ada });
  /** A call that answers (no refusal) but must write nothing, alike on each database. */
  const writesNothing = <T>(fn: (db: Db) => Promise<T>): Promise<T> =>
    same(async (db) => {
      const before = await tables(db.storage);
      const out = await fn(db);
      expect(await tables(db.storage), db.dialect).toEqual(before);
      return out;
    });

  it('keys, lists and shows mandates alike', async () => {
    const answers = await same(async (db) => {
      const out: unknown[] = [];
      const log = async (p: Promise<unknown>) => out.push(await p);
      // Generated references: MD + the account, then the first number the creditor has not used.
      await log(addMandate(db.storage, sepa('EU-1'), who(db)));
      await log(addMandate(db.storage, sepa('EU-1', { debtorName: 'Erika Second' }), who(db)));
      await log(addMandate(db.storage, sepa('EU-2', { reference: 'UMR-1', bic: 'cobadeffxxx' }), who(db)));
      await log(addMandate(db.storage, sepa('EU-3', { reference: 'UMR-10', scheme: 'sepa_b2b' }), who(db)));
      await log(addMandate(db.storage, sepa('EU-4', { reference: 'umr-1x', type: 'oneoff' }), who(db)));
      // The same reference with another creditor is another mandate.
      await log(addMandate(db.storage, sepa('EU-5', { reference: 'UMR-1', creditor: 'EU-2ND' }), who(db)));
      await log(addMandate(db.storage, bacs('GB-1', { reference: 'BACS-0001' }), who(db)));
      await log(addMandate(db.storage, bacs('GB-2'), who(db)));
      await log(
        addMandate(
          db.storage,
          {
            accountNo: 'US-1',
            billUnitNo: 'BU-US-1',
            scheme: 'ach',
            routingNo: '021000021',
            bankAccountNo: '998877-1',
            accountType: 'savings',
            secCode: 'WEB',
            signedOn: '2026-12-06',
          },
          who(db),
        ),
      );
      await log(listMandates(db.storage, { limit: 4, offset: 0 }));
      await log(listMandates(db.storage, { limit: 50, offset: 0, referencePrefix: 'UMR-1' }));
      await log(listMandates(db.storage, { limit: 50, offset: 0, creditor: 'EU-MAIN', scheme: 'sepa_core' }));
      await log(listMandates(db.storage, { limit: 50, offset: 0, status: 'pending' }));
      await log(listMandates(db.storage, { limit: 50, offset: 0, accountNo: 'EU-1' }));
      await log(showMandate(db.storage, { reference: 'UMR-1', creditor: 'EU-2ND' }));
      await log(showMandate(db.storage, { mandateId: 1 }));
      out.push(await tables(db.storage));
      return out;
    });
    const added = answers.slice(0, 9) as MandateDetailDto[];
    expect(added.map((m) => [m.reference, m.creditorCode, m.status, m.version])).toEqual([
      ['MDEU1-1', 'EU-MAIN', 'active', 1],
      ['MDEU1-2', 'EU-MAIN', 'active', 1],
      ['UMR-1', 'EU-MAIN', 'active', 1],
      ['UMR-10', 'EU-MAIN', 'active', 1],
      ['umr-1x', 'EU-MAIN', 'active', 1],
      ['UMR-1', 'EU-2ND', 'active', 1],
      ['BACS-0001', 'UK-MAIN', 'pending', 1],
      ['MDGB2-1', 'UK-MAIN', 'pending', 1],
      ['MDUS1-1', 'US-MAIN', 'active', 1],
    ]);
    expect(added[0]).toMatchObject({
      iban: 'DE89370400440532013000',
      debtorName: 'Erika Muster 1',
      accountCurrency: 'EUR',
      billUnitNo: null,
      pendingAmendment: null,
      collections: 0,
      events: [{ kind: 'created', source: 'operator', operator: 'ada', auddisExtractId: null }],
    });
    expect(added[2]).toMatchObject({ bic: 'COBADEFFXXX' });
    expect(added[6]).toMatchObject({ sortCode: '123456', bankAccountNo: '12345678' });
    expect(added[8]).toMatchObject({ billUnitNo: 'BU-US-1', accountType: 'savings', secCode: 'WEB' });
    const [page, prefix, ofCreditor, pending, ofAccount] = answers.slice(9, 14) as MandatePageDto[];
    expect(page!.total).toBe(9);
    expect(page!.rows.map((m) => m.id)).toEqual([9, 8, 7, 6]);
    // Compared by code point: the lower-case reference is not in the range of 'UMR-1'.
    expect(prefix!.rows.map((m) => [m.reference, m.creditorCode])).toEqual([
      ['UMR-1', 'EU-2ND'],
      ['UMR-10', 'EU-MAIN'],
      ['UMR-1', 'EU-MAIN'],
    ]);
    expect(ofCreditor!.total).toBe(4);
    expect(pending!.rows.map((m) => m.reference)).toEqual(['MDGB2-1', 'BACS-0001']);
    expect(ofAccount!.rows.map((m) => m.reference)).toEqual(['MDEU1-2', 'MDEU1-1']);
    expect(answers[14]).toMatchObject({ accountNo: 'EU-5', creditorCode: 'EU-2ND' });
    const written = answers[16] as Awaited<ReturnType<typeof tables>>;
    expect(written.mandates).toHaveLength(9);
    expect(written.events).toHaveLength(9);
    const addAudit = written.audit.filter((a) => (a as { action: string }).action === 'mandate.add');
    expect(addAudit).toHaveLength(9);
    expect(JSON.parse((addAudit[0] as { after: string }).after)).toEqual({
      status: 'active',
      reference: 'MDEU1-1',
      debtorName: 'Erika Muster 1',
      iban: 'DE89370400440532013000',
      bic: null,
      accountNo: 'EU-1',
      creditor: 'EU-MAIN',
      scheme: 'sepa_core',
    });
  });

  it('refuses keying and reading alike, writing nothing', async () => {
    expect(await refused((db) => addMandate(db.storage, sepa('NOPE'), who(db)))).toMatchObject({
      code: 'not_found',
      entity: 'account',
      key: 'NOPE',
    });
    expect(await refused((db) => addMandate(db.storage, sepa('EU-X'), who(db)))).toEqual({
      code: 'conflict',
      rule: 'account-closed',
      message: 'account EU-X is closed: no new mandate',
    });
    expect(
      await refused((db) => addMandate(db.storage, sepa('EU-1', { billUnitNo: 'BU-US-1' }), who(db))),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'billUnitNo' }] });
    expect(await refused((db) => addMandate(db.storage, bacs('EU-1'), who(db)))).toMatchObject({
      code: 'validation',
      issues: [{ path: 'scheme', message: 'account currency EUR is not GBP' }],
    });
    expect(
      await refused((db) => addMandate(db.storage, sepa('EU-1', { creditor: 'UK-MAIN' }), who(db))),
    ).toMatchObject({ code: 'validation', message: 'creditor UK-MAIN collects by BACS' });
    expect(
      await refused((db) =>
        addMandate(
          db.storage,
          sepa('EU-6', { iban: 'DE89370400440532013001', signedOn: '2027-01-01' }),
          who(db),
        ),
      ),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'iban' }, { path: 'signedOn' }] });
    expect(
      await refused((db) => addMandate(db.storage, sepa('EU-6', { reference: 'UMR-1' }), who(db))),
    ).toEqual({
      code: 'validation',
      message: 'mandate reference UMR-1 is taken for creditor EU-MAIN',
      issues: [{ path: 'reference', message: 'already used for creditor EU-MAIN' }],
    });
    expect(await refused((db) => showMandate(db.storage, { reference: 'UMR-1' }))).toMatchObject({
      code: 'validation',
      message: 'mandate reference UMR-1 is used by several creditors',
    });
    expect(await refused((db) => showMandate(db.storage, { mandateId: 999 }))).toMatchObject({
      code: 'not_found',
      entity: 'mandate',
      key: '999',
    });
  });

  it('amends and cancels alike, keeping the SEPA amendment and every record', async () => {
    const later = new Date(NOW.getTime() + 60_000);
    const answers = await same(async (db) => {
      const out: unknown[] = [];
      const log = async (p: Promise<unknown>) => out.push(await p);
      // Another account at the same bank (the original IBAN is kept for the bank), then another bank without a
      // BIC: the old BIC goes and the next collection says so (SMNDA).
      await log(
        amendMandate(
          db.storage,
          { mandateId: 1, version: 1, iban: SAME_BANK, reason: 'new account' },
          who(db, later),
        ),
      );
      await log(
        amendMandate(
          db.storage,
          { reference: 'UMR-1', creditor: 'EU-MAIN', iban: 'DE02120300000000202051', newReference: 'UMR-1B' },
          who(db, later),
        ),
      );
      await log(amendMandate(db.storage, { reference: 'BACS-0001', sortCode: '65-43-21' }, who(db, later)));
      await log(
        cancelMandate(db.storage, { reference: 'MDGB2-1', reason: 'customer asked' }, who(db, later)),
      );
      await log(cancelMandate(db.storage, { mandateId: 9, version: 1, reason: 'closed' }, who(db, later)));
      out.push(await tables(db.storage));
      return out;
    });
    expect(answers[0]).toMatchObject({
      version: 2,
      iban: SAME_BANK,
      pendingAmendment: { originalIban: 'DE89370400440532013000' },
    });
    expect(answers[1]).toMatchObject({
      reference: 'UMR-1B',
      bic: null,
      version: 2,
      pendingAmendment: { originalReference: 'UMR-1', smnda: true },
    });
    const amended = answers[1] as MandateDetailDto;
    expect(amended.events.at(-1)).toMatchObject({
      kind: 'amended',
      before: { reference: 'UMR-1', bic: 'COBADEFFXXX' },
      after: { reference: 'UMR-1B', bic: null },
    });
    expect(answers[2]).toMatchObject({ sortCode: '654321', status: 'pending', pendingAmendment: null });
    expect(answers[3]).toMatchObject({
      status: 'cancelled',
      cancelledOn: '2026-12-06',
      cancelReason: 'customer asked',
      version: 2,
    });
    const written = answers[5] as Awaited<ReturnType<typeof tables>>;
    expect(written.audit.slice(-5).map((a) => (a as { action: string }).action)).toEqual([
      'mandate.amend',
      'mandate.amend',
      'mandate.amend',
      'mandate.cancel',
      'mandate.cancel',
    ]);
    expect(written.events.slice(-5).map((e) => (e as { after_json: string }).after_json)).toEqual([
      `{"status":"active","reference":"MDEU1-1","debtorName":"Erika Muster 1","iban":"${SAME_BANK}","bic":null,"pendingAmendment":{"originalIban":"DE89370400440532013000"},"reason":"new account"}`,
      '{"status":"active","reference":"UMR-1B","debtorName":"Erika Muster 2","iban":"DE02120300000000202051","bic":null,"pendingAmendment":{"originalReference":"UMR-1","smnda":true}}',
      '{"status":"pending","reference":"BACS-0001","debtorName":"Gordon Bennett 1","sortCode":"654321","bankAccountNo":"12345678"}',
      '{"status":"cancelled","reference":"MDGB2-1","debtorName":"Gordon Bennett 2","sortCode":"123456","bankAccountNo":"12345678","reason":"customer asked"}',
      '{"status":"cancelled","reference":"MDUS1-1","debtorName":"Ulysses Smith","routingNo":"021000021","bankAccountNo":"998877-1","accountType":"savings","secCode":"WEB","reason":"closed"}',
    ]);
  });

  it('refuses amendments and cancellations alike, writing nothing', async () => {
    expect(
      await refused((db) => amendMandate(db.storage, { mandateId: 1, version: 1, debtorName: 'X' }, who(db))),
    ).toMatchObject({ code: 'conflict', rule: 'mandate-stale' });
    expect(
      await refused((db) =>
        amendMandate(db.storage, { mandateId: 1, debtorName: 'Erika Muster 1' }, who(db)),
      ),
    ).toMatchObject({ code: 'validation', message: 'nothing to amend' });
    expect(
      await refused((db) => amendMandate(db.storage, { mandateId: 1, newReference: 'MDEU1-2' }, who(db))),
    ).toMatchObject({
      code: 'validation',
      issues: [{ path: 'reference', message: 'already used for creditor EU-MAIN' }],
    });
    expect(
      await refused((db) => amendMandate(db.storage, { mandateId: 1, sortCode: '123456' }, who(db))),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'sortCode' }] });
    expect(
      await refused((db) => amendMandate(db.storage, { reference: 'MDGB2-1', debtorName: 'Y' }, who(db))),
    ).toMatchObject({ code: 'conflict', rule: 'mandate-cancelled' });
    expect(
      await refused((db) => cancelMandate(db.storage, { mandateId: 8, reason: 'again' }, who(db))),
    ).toMatchObject({ code: 'conflict', rule: 'mandate-cancelled' });
  });

  it('lists the BACS instructions in AUDDIS extracts alike and activates new ones', async () => {
    const later = new Date(NOW.getTime() + 120_000);
    const answers = await same(async (db) => {
      const first = await auddisExtract(db.storage, who(db, later));
      const empty = await auddisExtract(db.storage, who(db, later));
      const ext = await addMandate(db.storage, bacs('GB-3', { debtorName: 'Grace "G" Hopper, Jr' }), who(db));
      await amendMandate(db.storage, { reference: 'BACS-0001', bankAccountNo: '87654321' }, who(db, later));
      const second = await auddisExtract(db.storage, who(db, later), AUDDIS_OUT);
      const paths = [readFileSync(AUDDIS_OUT, 'utf8')];
      rmSync(AUDDIS_OUT);
      return { first, empty, ext: ext.status, second, paths, written: await tables(db.storage) };
    });
    const first = answers.first;
    // BACS-0001 was created and amended before any extract: one 0N of its data now; MDGB2-1 was created and
    // cancelled before any extract: nothing.
    expect(first.lines.map((l) => [l.transactionCode, l.reference, l.sortCode])).toEqual([
      ['0N', 'BACS-0001', '654321'],
    ]);
    expect(first).toMatchObject({ extractId: 1, count: 1, activated: 1, path: null });
    expect(answers.empty).toEqual({
      extractId: null,
      count: 0,
      activated: 0,
      path: null,
      sha256: null,
      lines: [],
      content: '',
    });
    const second = answers.second;
    expect(second.content).toBe(
      'transaction_code,sort_code,account_no,account_name,reference,service_user_number\r\n' +
        '0C,654321,12345678,GORDON BENNETT 1,BACS-0001,123456\r\n' +
        '0N,654321,87654321,GORDON BENNETT 1,BACS-0001,123456\r\n' +
        '0N,123456,12345678,"GRACE ""G"" HOPPER, ",MDGB3-1,123456\r\n',
    );
    expect(second).toMatchObject({ extractId: 2, count: 3, activated: 1, path: AUDDIS_OUT });
    expect(answers.paths).toEqual([second.content]);
    const written = answers.written;
    expect(written.extracts).toEqual([
      expect.objectContaining({ count: 1, path: null }),
      expect.objectContaining({ count: 3, path: AUDDIS_OUT, sha256: second.sha256 }),
    ]);
    const unstamped = (
      written.events as { kind: string; auddis_extract_id: number | null; mandate_id: number }[]
    )
      .filter((e) => e.auddis_extract_id === null && [7, 8, 10].includes(e.mandate_id))
      .map((e) => e.kind);
    expect(unstamped).toEqual([]);
    expect(
      (written.mandates as { reference: string; status: string }[]).map((m) => [m.reference, m.status]),
    ).toContainEqual(['MDGB3-1', 'active']);
  });

  it('imports a revision file alike: preview, problems with nothing applied, then all rows at once', async () => {
    const file = csv(
      'reference,revision_code,effective_date,new_iban,new_name,creditor\n' +
        'MDEU1-2,3,2026-12-01,DE02120300000000202051,,\n' +
        'UMR-10,0,2026-12-01,,,EU-MAIN\n' +
        'UMR-1,C,,,Erika New,EU-2ND\n',
    );
    const bad = csv(
      'reference,revision_code,new_iban\n' +
        'MDEU1-2,3,DE02120300000000202051\n' +
        'NOPE-1,Z,\n' +
        'MDGB2-1,0,\n' +
        'MDEU1-2,0,\n' +
        'UMR-10,0,DE02120300000000202051\n' +
        'UMR-1B,3,DE89370400440532013001\n',
    );
    const problems = await writesNothing((db) =>
      importMandateFile(db.storage, bad, { preview: false }, who(db)),
    );
    expect(problems).toMatchObject({ applied: 0, fileId: null, preview: false });
    expect(problems.problems).toEqual([
      { line: 3, column: 'revision_code', reason: 'unknown mandate revision code Z (configure it in Admin)' },
      { line: 3, column: 'reference', reason: 'no mandate NOPE-1' },
      { line: 4, column: 'reference', reason: 'mandate MDGB2-1 is cancelled' },
      { line: 5, column: 'reference', reason: 'mandate named again (line 2)' },
      { line: 6, column: 'revision_code', reason: 'code 0 cancels: no new data' },
      {
        line: 7,
        column: 'new_iban',
        reason: 'IBAN DE89370400440532013001 is not valid (wrong check digits)',
      },
    ]);
    const preview = await writesNothing((db) =>
      importMandateFile(db.storage, file, { preview: true }, who(db)),
    );
    expect(preview.rows.map((r) => [r.line, r.action, r.after.status])).toEqual([
      [2, 'amend', 'active'],
      [3, 'cancel', 'cancelled'],
      [4, 'amend', 'active'],
    ]);
    const later = new Date(NOW.getTime() + 180_000);
    const applied = await same(async (db) => ({
      applied: await importMandateFile(db.storage, file, { preview: false }, who(db, later)),
      written: await tables(db.storage),
    }));
    expect(applied.applied).toMatchObject({ preview: false, fileId: 1, applied: 3, problems: [] });
    expect(applied.applied.rows).toEqual(preview.rows);
    expect(applied.written.files).toEqual([
      expect.objectContaining({ file_name: 'revisions.csv', rows: 3, applied_at: later.toISOString() }),
    ]);
    expect(applied.written.workflow.map((w) => (w as { message: string }).message)).toEqual([
      "MANDATE/AMEND_DETAILS: mandate MDEU1-2 amended by the bank's mandate file, revision code 3 (Account transferred to a new bank); reason 1/3",
      "MANDATE/CANCELLED: mandate UMR-10 cancelled by the bank's mandate file, revision code 0 (Instruction cancelled by payer); reason 1/1",
      "MANDATE/AMEND_DETAILS: mandate UMR-1 amended by the bank's mandate file, revision code C (Account transferred to a new account); reason 1/5",
    ]);
    expect(applied.written.events.slice(-3)).toEqual([
      expect.objectContaining({
        kind: 'revision',
        code: '3',
        source: `mandate-file:1:${applied.applied.sha256}`,
      }),
      expect.objectContaining({ kind: 'revision', code: '0' }),
      expect.objectContaining({ kind: 'revision', code: 'C' }),
    ]);
    expect(
      await refused((db) =>
        importMandateFile(db.storage, { ...file, name: 'again.csv' }, { preview: false }, who(db)),
      ),
    ).toEqual({
      code: 'conflict',
      rule: 'mandate-file-duplicate',
      message: 'this mandate file was applied already (file 1 on 2026-12-06); nothing was changed',
    });
  });

  // Races: on PostgreSQL the calls run at once on separate connections; on SQLite the port queues them.

  it('keys one reference from several clerks at once: one mandate, the others refused alike', async () => {
    const N = 6;
    const outcomes = await same(async (db) => {
      const results = await Promise.all(
        Array.from({ length: N }, () =>
          answer(addMandate(db.storage, sepa('EU-6', { reference: 'RACE-1' }), who(db))),
        ),
      );
      const rows = await db.storage.transaction((tx) =>
        tx.all<{ n: number }>(sql`SELECT count(*) AS n FROM mandates WHERE reference = 'RACE-1'`),
      );
      return {
        winners: results.filter((r) => 'value' in r).length,
        refusals: results.filter((r): r is { error: never } => 'error' in r).map((r) => r.error),
        stored: rows[0]!.n,
      };
    });
    expect(outcomes.winners).toBe(1);
    expect(outcomes.stored).toBe(1);
    expect(outcomes.refusals).toEqual(
      Array.from({ length: N - 1 }, () => ({
        code: 'validation',
        message: 'mandate reference RACE-1 is taken for creditor EU-MAIN',
        issues: [{ path: 'reference', message: 'already used for creditor EU-MAIN' }],
      })),
    );
  });

  it('keys generated references from several clerks at once: each gets the next free one', async () => {
    const refs = await same(async (db) => {
      const results = await Promise.all(
        Array.from({ length: 4 }, () => addMandate(db.storage, sepa('EU-5'), who(db))),
      );
      return results.map((r) => r.reference).sort();
    });
    expect(refs).toEqual(['MDEU5-1', 'MDEU5-2', 'MDEU5-3', 'MDEU5-4']);
  });

  it('imports one revision file twice at once: applied once, the other refused as a duplicate', async () => {
    const file = csv('reference,revision_code,new_name\nRACE-1,C,Racing Erika\n');
    const outcomes = await same(async (db) => {
      const results = await Promise.all([
        answer(importMandateFile(db.storage, file, { preview: false }, who(db))),
        answer(importMandateFile(db.storage, file, { preview: false }, who(db))),
      ]);
      const t = await tables(db.storage);
      const applied = results.filter((r): r is { value: MandateImportDto } => 'value' in r);
      return {
        applied: applied.map((r) => r.value.applied),
        refused: results
          .filter((r): r is { error: never } => 'error' in r)
          .map((r) => (r.error as { rule: string }).rule),
        files: t.files.length,
        revisionEvents: t.events.filter(
          (e) =>
            (e as { kind: string; code: string }).kind === 'revision' && (e as { code: string }).code === 'C',
        ).length,
        version: (t.mandates as { reference: string; version: number }[]).find(
          (m) => m.reference === 'RACE-1',
        )!.version,
      };
    });
    expect(outcomes).toEqual({
      applied: [1],
      refused: ['mandate-file-duplicate'],
      files: 2,
      revisionEvents: 2,
      version: 2,
    });
  });

  it('amends one mandate twice at once: both recorded in order, or the stale one refused', async () => {
    const racer = async (db: Db, names: [string, string], version?: number) => {
      const id = (await showMandate(db.storage, { reference: 'RACE-1' })).id;
      const results: Answer[] = await Promise.all(
        names.map((debtorName) =>
          answer(amendMandate(db.storage, { mandateId: id, debtorName, version }, who(db))),
        ),
      );
      return { id, results, shown: await showMandate(db.storage, { mandateId: id }) };
    };
    // Without a version both apply, one after the other: the second's "before" is the first's "after".
    const both = await same(async (db) => {
      const { results, shown } = await racer(db, ['Clerk One', 'Clerk Two']);
      const amended = shown.events.filter((e) => e.kind === 'amended' && e.source === 'operator');
      return {
        applied: results.filter((r) => 'value' in r).length,
        version: shown.version,
        chained: amended.length === 2 && amended[1]!.before!.debtorName === amended[0]!.after!.debtorName,
        last: amended.at(-1)!.after!.debtorName === shown.debtorName,
        names: amended.map((e) => e.after!.debtorName).sort(),
      };
    });
    expect(both).toEqual({
      applied: 2,
      version: 4,
      chained: true,
      last: true,
      names: ['Clerk One', 'Clerk Two'],
    });
    // With the version both read, one applies and the other is refused as stale.
    const stale = await same(async (db) => {
      const { results, shown } = await racer(db, ['Clerk Three', 'Clerk Four'], 4);
      return {
        applied: results.filter((r) => 'value' in r).length,
        refused: results.filter((r): r is { error: never } => 'error' in r).map((r) => r.error),
        version: shown.version,
        events: shown.events.filter((e) => e.kind === 'amended').length,
      };
    });
    expect(stale).toEqual({
      applied: 1,
      refused: [
        {
          code: 'conflict',
          rule: 'mandate-stale',
          message: 'mandate RACE-1 changed since it was read (version 5, not 4); reload it',
        },
      ],
      version: 5,
      events: 3,
    });
  });

  it('runs two AUDDIS extracts at once: each instruction listed once', async () => {
    const outcomes = await same(async (db) => {
      await addMandate(db.storage, bacs('GB-3', { reference: 'RACE-BACS' }), who(db));
      const results = await Promise.all([
        auddisExtract(db.storage, who(db)),
        auddisExtract(db.storage, who(db)),
      ]);
      const t = await tables(db.storage);
      return {
        counts: results.map((r) => r.count).sort(),
        lines: results.flatMap((r) => r.lines.map((l) => `${l.transactionCode} ${l.reference}`)),
        extracts: t.extracts.length,
      };
    });
    expect(outcomes.counts).toEqual([0, 1]);
    expect(outcomes.lines).toEqual(['0N RACE-BACS']);
    expect(outcomes.extracts).toBe(3);
    // Every written row alike but for ids a refused insert used up on PostgreSQL.
    await same(async (db) => withoutIds(await tables(db.storage)));
  });

  it('expires dormant and used mandates alike', async () => {
    const answers = await same(async (db) => {
      // A one-off mandate that has collected can collect no more.
      await db.storage.transaction((tx) =>
        tx.run(
          sql`UPDATE mandates SET collections = 1, last_collected_on = '2026-12-01' WHERE reference = 'umr-1x'`,
        ),
      );
      const none = await expireMandates(db.storage, '2029-10-31', who(db));
      const expired = await expireMandates(db.storage, '2029-11-01', who(db));
      return {
        none,
        expired: { ...expired, references: [...expired.references].sort() },
        written: withoutIds(await tables(db.storage)),
      };
    });
    expect(answers.none).toEqual({ asOf: '2029-10-31', expired: 1, references: ['umr-1x'] });
    expect(answers.expired.references).toEqual([
      'BACS-0001',
      'MDEU1-1',
      'MDEU1-2',
      'MDEU5-1',
      'MDEU5-2',
      'MDEU5-3',
      'MDEU5-4',
      'MDGB3-1',
      'RACE-1',
      'RACE-BACS',
      'UMR-1',
      'UMR-1B',
    ]);
  });

  it('runs two AUDDIS extracts to files at once: only the recorded extract leaves a file', async () => {
    const outcomes = await same(async (db) => {
      await addMandate(db.storage, bacs('GB-3', { reference: 'RACE-FILE' }), who(db));
      // Both read the waiting instructions before either commits; on PostgreSQL the loser is retried and finds
      // nothing waiting.
      const race = racing(db.storage, 2, { holdAt: 2 });
      const outs = [join(OUT_DIR, 'race-a.csv'), join(OUT_DIR, 'race-b.csv')];
      const results = await Promise.all(outs.map((out) => auddisExtract(race.storage, who(db), out)));
      const files = readdirSync(OUT_DIR).sort();
      const recorded = results.filter((r) => r.path !== null);
      const content = recorded.map((r) => readFileSync(r.path!, 'utf8'));
      for (const f of files) rmSync(join(OUT_DIR, f));
      return {
        listed: results.map((r) => r.count > 0).sort(),
        files: files.length,
        recordedFiles: recorded.map((r) => files.includes(basename(r.path!))),
        sameContent: content.every((c, i) => c === recorded[i]!.content),
      };
    });
    expect(outcomes).toEqual({ listed: [false, true], files: 1, recordedFiles: [true], sameContent: true });
  });

  it('leaves no AUDDIS file when its transaction fails after the file was written', async () => {
    const outcomes = await same(async (db) => {
      await addMandate(db.storage, bacs('GB-3', { reference: 'CRASH-FILE' }), who(db));
      // The audit row is the extract's last write, after its file: a failure there rolls everything back.
      const crashing: Storage = {
        ...db.storage,
        transaction: (fn, opts) =>
          db.storage.transaction(
            (tx) =>
              fn({
                ...tx,
                get: <T>(q: SQL) => {
                  if (sqliteQuery(q).sql.startsWith('INSERT INTO audit_log'))
                    throw new Error('crash after the file');
                  return tx.get<T>(q);
                },
              }),
            opts,
          ),
      };
      const out = join(OUT_DIR, 'crash.csv');
      const failed = await auddisExtract(crashing, who(db), out).then(
        () => 'no failure',
        (e: Error) => e.message,
      );
      const files = readdirSync(OUT_DIR);
      const after = await auddisExtract(db.storage, who(db));
      return { failed, files, listed: after.lines.map((l) => l.reference) };
    });
    expect(outcomes).toEqual({ failed: 'crash after the file', files: [], listed: ['CRASH-FILE'] });
  });

  it('writes no AUDDIS file and stamps nothing when the file cannot be written', async () => {
    const outcomes = await same(async (db) => {
      await addMandate(db.storage, bacs('GB-3', { reference: 'NO-FOLDER' }), who(db));
      const refused = await answer(auddisExtract(db.storage, who(db), join(OUT_DIR, 'missing', 'x.csv')));
      const after = await auddisExtract(db.storage, who(db));
      return { refused, listed: after.lines.map((l) => l.reference), files: readdirSync(OUT_DIR) };
    });
    expect(outcomes.refused).toMatchObject({ error: { code: 'validation', issues: [{ path: 'out' }] } });
    expect(outcomes.listed).toEqual(['NO-FOLDER']);
    expect(outcomes.files).toEqual([]);
  });
});
