import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../db/client';
import { processorInsertQuery } from '../../db/repos/processors';
import type { Dialect, Storage } from '../../db/storage/port';
import { sqliteStorage } from '../../db/storage/sqlite';
import {
  ProcessorTransportError,
  type PaymentProcessor,
  type ProcessorRequestItem,
} from '../../src-main/processors/port';
import {
  addMethod,
  listMethods,
  removeMethod,
  setDefaultMethod,
  updateMethod,
  validateMethod,
  type AddMethodInput,
} from '../../src-main/services/processors/methods';
import type { PaymentMethodDto } from '../../src-shared/dto/processors';
import { alikeOn, failure } from '../helpers/alike';
import { racing } from '../helpers/racing';
import { addOperators, STORAGES } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: stored payment methods (list, add, set default, update, remove) run through the storage port. The same
// changes on SQLite and PostgreSQL answer alike and write the same methods and audit rows, with only tokens and
// masks stored; refusals (an unknown account, a card number where a token belongs, a bad expiry...) are alike and
// write nothing; clerks racing on one account leave exactly one default. A validation asks the processor with no
// transaction open and records its outcome through the port.

const NOW = new Date('2026-12-06T09:00:00Z');
const CARD_TOKEN = 'T4000000000000002';
const BANK_ACCOUNT = '000123456789';
const CARD_NUMBER = '4111111111111111';

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; clerk: number };

const ROWS = STORAGES.filter((r) => r.available);

/** An operator, a processor and two USD accounts (C-100 and the untouched C-200), alike on either database. */
async function seed(storage: Storage): Promise<number> {
  const { clerk } = await addOperators(storage, { clerk: ['clerk'] }, NOW);
  await storage.transaction(async (tx) => {
    const at = NOW.toISOString();
    await tx.run(
      processorInsertQuery({
        name: 'sim',
        url: 'http://127.0.0.1:9',
        merchantsJson: JSON.stringify({ USD: { merchant: 'Desk', mid: '1234' } }),
        onlineTimeoutMs: 1000,
        batchTimeoutMs: 1000,
        connectRetries: 0,
        heartbeatSec: 30,
        channelId: 0,
        secretEnc: null,
        secretHint: null,
        isDefault: true,
        at,
      }),
    );
    for (const no of ['C-100', 'C-200', 'R-300', 'R-400'])
      await tx.run(
        sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type, created_at)
            VALUES (${no}, ${no}, 'Carla', 'carla', 'active', 'USD', 10003, ${at})`,
      );
  });
  return clerk;
}

/** Every row these commands write, every column. */
function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      methods: await tx.all(
        sql`SELECT id, account_id, type, token, processor_id, mask, brand, expiry, holder, billing_zip, routing_no,
              is_default, status, verification, avs_code, cvv_code, verified_at, created_at
            FROM payment_methods ORDER BY id`,
      ),
      audit: await tx.all<{ action: string; before: string | null; after: string | null }>(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

const card = (p: Partial<AddMethodInput> = {}): AddMethodInput => ({
  accountNo: 'C-100',
  type: 'card',
  token: CARD_TOKEN,
  brand: 'VI',
  expiry: '12/29',
  holder: 'Carla Diaz',
  zip: '10001',
  isDefault: false,
  ...p,
});
const bank = (p: Partial<AddMethodInput> = {}): AddMethodInput => ({
  accountNo: 'C-100',
  type: 'bank',
  routingNo: '021000021',
  bankAccountNo: BANK_ACCOUNT,
  isDefault: false,
  ...p,
});

describe('payment methods on both databases', () => {
  const dbs: Db[] = [];
  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      dbs.push({ dialect: row.dialect, storage, dispose, clerk: await seed(storage) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
  });

  const { same, refused } = alikeOn(dbs, tables);

  it('adds, lists, sets a default, updates and removes alike, storing tokens and masks only', async () => {
    const answers = await same(async ({ storage, clerk }) => {
      const out: Record<string, unknown> = {};
      // The first method becomes the default though not asked; a later one asked to be the default takes it.
      const c = await addMethod(storage, card(), NOW, clerk);
      const b = await addMethod(storage, bank({ accountNo: ' c-100 ' }), NOW, clerk);
      const w = await addMethod(
        storage,
        { accountNo: 'C-100', type: 'wallet', walletId: 'wallet-9876', isDefault: true },
        NOW,
        clerk,
      );
      out.added = [c, b, w];
      out.listed = await listMethods(storage, 'c-100');
      out.defaulted = await setDefaultMethod(storage, b.id, NOW, clerk);
      out.afterDefault = await listMethods(storage, 'C-100');
      // A changed expiry voids the validation; the holder alone would not. An empty holder clears it.
      out.updated = await updateMethod(storage, { methodId: c.id, expiry: '01/30', holder: '' }, NOW, clerk);
      out.unchanged = await updateMethod(storage, { methodId: c.id, expiry: '01/30' }, NOW, clerk);
      out.removed = await removeMethod(storage, { methodId: w.id, reason: 'customer asked' }, NOW, clerk);
      out.final = await listMethods(storage, 'C-100');
      out.other = await listMethods(storage, 'C-200');
      return out;
    });
    const [c, b, w] = answers.added as PaymentMethodDto[];
    expect([c, b, w].map((m) => [m!.type, m!.mask, m!.isDefault])).toEqual([
      ['card', '****0002', true],
      ['bank', '****6789', false],
      ['wallet', '****9876', true],
    ]);
    expect((answers.listed as PaymentMethodDto[]).map((m) => [m.id, m.isDefault])).toEqual([
      [w!.id, true],
      [c!.id, false],
      [b!.id, false],
    ]);
    expect((answers.afterDefault as PaymentMethodDto[]).map((m) => [m.id, m.isDefault])).toEqual([
      [b!.id, true],
      [c!.id, false],
      [w!.id, false],
    ]);
    expect(answers.updated).toMatchObject({ expiry: '01/30', holder: null, verification: 'unverified' });
    expect(answers.removed).toMatchObject({ id: w!.id, isDefault: false });
    expect((answers.final as PaymentMethodDto[]).map((m) => m.id)).toEqual([b!.id, c!.id]);
    expect(answers.other).toEqual([]);

    const written = await same(({ storage }) => tables(storage));
    expect(written.audit.map((a) => a.action)).toEqual([
      'payment-method.add',
      'payment-method.add',
      'payment-method.add',
      'payment-method.default',
      'payment-method.update',
      'payment-method.remove',
    ]);
    expect(JSON.parse(written.audit[1]!.after!)).toEqual({
      accountNo: ' c-100 ',
      type: 'bank',
      mask: '****6789',
      brand: null,
      isDefault: false,
    });
    expect(JSON.parse(written.audit[4]!.before!)).toEqual({ expiry: '12/29', holder: 'Carla Diaz' });
    expect(JSON.parse(written.audit[4]!.after!)).toEqual({ expiry: '01/30', holder: null });
    expect(JSON.parse(written.audit[5]!.after!)).toEqual({ status: 'removed', reason: 'customer asked' });
    // The removed wallet's row stays, not the default; the bank account number is nowhere, only its last four.
    expect(written.methods.map((m) => (m as { status: string }).status)).toEqual([
      'active',
      'active',
      'removed',
    ]);
    const text = JSON.stringify(written);
    expect(text).not.toContain(BANK_ACCOUNT);
    expect(text).not.toContain('wallet-9876');
  });

  it('refuses alike, writing nothing', async () => {
    // Left by the test above: the bank account (the default), the card, and the removed wallet.
    const methods = await same(async ({ storage }) => ({
      active: await listMethods(storage, 'C-100'),
      removed: (await tables(storage)).methods
        .filter((m) => (m as { status: string }).status === 'removed')
        .map((m) => (m as { id: number }).id),
    }));
    const cardId = methods.active.find((m) => m.type === 'card')!.id;
    const bankId = methods.active.find((m) => m.type === 'bank')!.id;
    const removedId = methods.removed[0]!;
    expect(
      await refused(({ storage, clerk }) => addMethod(storage, card({ accountNo: 'NOPE-1' }), NOW, clerk)),
    ).toMatchObject({ code: 'not_found', entity: 'account', key: 'NOPE-1' });
    // A card number where only the secure entry's token belongs is refused, and never written anywhere.
    expect(
      await refused(({ storage, clerk }) => addMethod(storage, card({ token: CARD_NUMBER }), NOW, clerk)),
    ).toEqual({
      code: 'validation',
      message: 'a card is added by its processor token (from the secure card entry)',
      issues: [{ path: 'token', message: 'a processor token such as T12345678901234' }],
    });
    expect(
      await refused(({ storage, clerk }) => addMethod(storage, card({ expiry: '13/29' }), NOW, clerk)),
    ).toMatchObject({ code: 'validation', message: 'expiry must be MM/YY' });
    expect(
      await refused(({ storage, clerk }) =>
        addMethod(storage, bank({ routingNo: '12', bankAccountNo: 'x' }), NOW, clerk),
      ),
    ).toMatchObject({
      code: 'validation',
      issues: [
        { path: 'routingNo', message: 'exactly 9 digits' },
        { path: 'bankAccountNo', message: 'up to 17 digits' },
      ],
    });
    expect(
      await refused(({ storage, clerk }) =>
        addMethod(
          storage,
          { accountNo: 'C-100', type: 'wallet', walletId: 'ab', isDefault: false },
          NOW,
          clerk,
        ),
      ),
    ).toMatchObject({ code: 'validation', message: 'a wallet needs its id' });
    expect(
      await refused(({ storage, clerk }) => addMethod(storage, card({ processor: 'ghost' }), NOW, clerk)),
    ).toMatchObject({ code: 'not_found', entity: 'processor', key: 'ghost' });
    expect(
      await refused(({ storage, clerk }) =>
        updateMethod(storage, { methodId: cardId, expiry: '2030-01' }, NOW, clerk),
      ),
    ).toEqual({
      code: 'validation',
      message: 'the payment method cannot take these values',
      issues: [{ path: 'expiry', message: 'MM/YY' }],
    });
    expect(
      await refused(({ storage, clerk }) =>
        updateMethod(storage, { methodId: bankId, expiry: '01/30', brand: 'VI' }, NOW, clerk),
      ),
    ).toMatchObject({
      issues: [
        { path: 'expiry', message: 'only cards have an expiry' },
        { path: 'brand', message: 'only cards have a brand' },
      ],
    });
    // The default beside another method, and a removed method (it is no longer found).
    expect(
      await refused(({ storage, clerk }) =>
        removeMethod(storage, { methodId: bankId, reason: 'x' }, NOW, clerk),
      ),
    ).toEqual({
      code: 'conflict',
      rule: 'method-in-use',
      message: `method ${bankId} cannot be removed: it is the default of C-100: make another method the default first`,
    });
    for (const call of [
      (s: Storage, who: number) => setDefaultMethod(s, removedId, NOW, who),
      (s: Storage, who: number) => updateMethod(s, { methodId: removedId, holder: 'x' }, NOW, who),
      (s: Storage, who: number) => removeMethod(s, { methodId: removedId, reason: 'x' }, NOW, who),
      (s: Storage, who: number) => setDefaultMethod(s, 999, NOW, who),
    ])
      expect(await refused(({ storage, clerk }) => call(storage, clerk))).toMatchObject({
        code: 'not_found',
        entity: 'payment method',
      });
    expect(await refused(({ storage }) => listMethods(storage, 'NOPE-1'))).toMatchObject({
      code: 'not_found',
      entity: 'account',
    });
  });

  it('refuses to remove a method an open processor record still needs, alike', async () => {
    const cardId = (await listMethods(dbs[0]!.storage, 'C-100')).find((m) => m.type === 'card')!.id;
    for (const { storage } of dbs)
      await storage.transaction((tx) =>
        tx.run(
          sql`INSERT INTO processor_txns (idem_key, processor_id, command, account_id, payment_method_id, token, merchant,
                amount_minor, currency, pay_type, result, created_at)
              VALUES ('k-open-1', (SELECT id FROM processors WHERE name = 'sim'),  'auth',
                (SELECT id FROM accounts WHERE account_no = 'C-100'), ${cardId}, ${CARD_TOKEN}, 'Desk', 500, 'USD', 10003,
                1000, ${NOW.toISOString()})`,
        ),
      );
    expect(
      await refused(({ storage, clerk }) =>
        removeMethod(storage, { methodId: cardId, reason: 'x' }, NOW, clerk),
      ),
    ).toMatchObject({
      rule: 'method-in-use',
      message: `method ${cardId} cannot be removed: 1 processor record(s) of a run are still open: resolve them in Recovery first`,
    });
  });
});

describe('clerks racing on one account, on both databases', () => {
  for (const row of ROWS) {
    it(`${row.dialect}: N first methods at once leave one default; N set-defaults at once leave one`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const clerk = await seed(storage);
        // Each add is held after its account lookup until all have got there: on PostgreSQL every one then reads
        // "no method yet" before any commits, which without serializable isolation would make each the default.
        const adds = racing(storage, 5, { holdAt: 2 });
        const added = await Promise.all(
          [1, 2, 3, 4, 5].map((i) =>
            addMethod(adds.storage, bank({ accountNo: 'R-300', bankAccountNo: `55500${i}` }), NOW, clerk),
          ),
        );
        const listed = await listMethods(storage, 'R-300');
        expect(listed).toHaveLength(5);
        expect(listed.filter((m) => m.isDefault)).toHaveLength(1);
        expect(added.filter((m) => m.isDefault)).toHaveLength(1);
        // The one that answered default is the one that is.
        expect(listed[0]!.id).toBe(added.find((m) => m.isDefault)!.id);

        // Five asked to be the default at once, on an account without any method yet: one default stays.
        const firsts = racing(storage, 5, { holdAt: 2 });
        await Promise.all(
          [1, 2, 3, 4, 5].map((i) =>
            addMethod(
              firsts.storage,
              bank({ accountNo: 'R-400', bankAccountNo: `66600${i}`, isDefault: true }),
              NOW,
              clerk,
            ),
          ),
        );
        expect((await listMethods(storage, 'R-400')).filter((m) => m.isDefault)).toHaveLength(1);

        // Five clerks make five different methods the default at once, each held after reading its method.
        const sets = racing(storage, 5, { holdAt: 2 });
        const answered = await Promise.all(
          added.map((m) => setDefaultMethod(sets.storage, m.id, NOW, clerk)),
        );
        expect(answered.every((m) => m.isDefault)).toBe(true);
        const after = await listMethods(storage, 'R-300');
        expect(after.filter((m) => m.isDefault)).toHaveLength(1);
        const { audit } = await tables(storage);
        expect(audit.filter((a) => a.action === 'payment-method.default')).toHaveLength(5);
        expect(audit.filter((a) => a.action === 'payment-method.add')).toHaveLength(10);
      } finally {
        await dispose();
      }
    }, 60_000);
  }
});

describe('validating a stored card (SQLite: its processor record is on the driver)', () => {
  const temp = tempDir('paydesk-validate-');
  const ledger = openLedger(join(temp.dir, 'ledger.sqlite'), 'db/migrations');
  const storage = sqliteStorage(ledger.sqlite);
  let clerk: number;
  beforeAll(async () => {
    clerk = await seed(storage);
  });
  afterAll(() => {
    ledger.sqlite.close();
    temp.cleanup();
  });

  /** A processor that answers as told, and notes whether a transaction was open on the ledger when asked. */
  const processor = (
    answer: (item: ProcessorRequestItem) => Awaited<ReturnType<PaymentProcessor['validate']>>,
  ): { port: PaymentProcessor; asked: { item: ProcessorRequestItem; inTransaction: boolean }[] } => {
    const asked: { item: ProcessorRequestItem; inTransaction: boolean }[] = [];
    const port = {
      validate: (item: ProcessorRequestItem) => {
        asked.push({ item, inTransaction: ledger.sqlite.inTransaction });
        return Promise.resolve(answer(item));
      },
    } as unknown as PaymentProcessor;
    return { port, asked };
  };

  const txns = () =>
    storage.transaction(
      (tx) =>
        tx.all<{ idemKey: string; result: number; command: string; amountMinor: number }>(
          sql`SELECT idem_key AS "idemKey", result, command, amount_minor AS "amountMinor" FROM processor_txns ORDER BY id`,
        ),
      { readOnly: true },
    );

  it('asks with no transaction open, closes the record and keeps AVS and CVV on the method, never the CVV', async () => {
    const m = await addMethod(storage, card(), NOW, clerk);
    const { port, asked } = processor((item) => ({ idemKey: item.idemKey, result: 0, avs: 'Y', cvv: 'M' }));
    const v = await validateMethod(storage, 'unused', { methodId: m.id, cvv: '737' }, NOW, clerk, port);
    expect(v).toMatchObject({
      id: m.id,
      verification: 'verified',
      avsCode: 'Y',
      cvvCode: 'M',
      verifiedAt: NOW.toISOString(),
    });
    expect(asked).toHaveLength(1);
    expect(asked[0]!.inTransaction).toBe(false);
    expect(asked[0]!.item).toMatchObject({ token: CARD_TOKEN, zip: '10001', cvv: '737', amountMinor: 100 });
    expect(asked[0]!.item.idemKey).toMatch(new RegExp(`-ver-${m.id}-1$`));
    expect(await txns()).toEqual([
      { idemKey: asked[0]!.item.idemKey, result: 0, command: 'verify', amountMinor: 100 },
    ]);
    const { audit, methods } = await tables(storage);
    expect(audit.at(-1)).toMatchObject({ action: 'payment-method.validate' });
    expect(JSON.parse(audit.at(-1)!.after!)).toEqual({ result: 0, avsResult: 'Y', cvvResult: 'M' });
    expect(JSON.stringify({ audit, methods })).not.toContain('737');
  });

  it('a request never sent closes its record as not answered and changes nothing on the method', async () => {
    const [m] = await listMethods(storage, 'C-100');
    const { port } = processor(() => {
      throw new ProcessorTransportError({ kind: 'not_sent', message: 'connection refused' });
    });
    const before = await tables(storage);
    expect(await failure(validateMethod(storage, 'unused', { methodId: m!.id }, NOW, clerk, port))).toEqual({
      code: 'processor_unavailable',
      message: 'validation failed: connection refused',
    });
    expect((await txns()).map((t) => [t.idemKey.split('-ver-')[1], t.result])).toEqual([
      [`${m!.id}-1`, 0],
      [`${m!.id}-2`, 1],
    ]);
    expect(await tables(storage)).toEqual(before);
  });

  it('refuses a wallet and a processor other than the issuer before reserving anything', async () => {
    const w = await addMethod(
      storage,
      { accountNo: 'C-200', type: 'wallet', walletId: 'wallet-1', isDefault: false },
      NOW,
      clerk,
    );
    const [m] = await listMethods(storage, 'C-100');
    const { port, asked } = processor((item) => ({ idemKey: item.idemKey, result: 0 }));
    expect(
      await failure(validateMethod(storage, 'unused', { methodId: w.id }, NOW, clerk, port)),
    ).toMatchObject({ code: 'conflict', rule: 'not-validatable' });
    expect(
      await failure(
        validateMethod(storage, 'unused', { methodId: m!.id, processor: 'other' }, NOW, clerk, port),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'wrong-processor' });
    expect(asked).toHaveLength(0);
    expect(await txns()).toHaveLength(2);
  });
});
