import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../db/repos/audit';
import { binary } from '../../db/repos/dialect';
import type { Storage } from '../../db/storage/port';
import {
  addCode,
  deleteCode,
  exportReasons,
  listAllCodes,
  listDomainCodes,
  listDomains,
  retireCode,
  updateCode,
} from '../../src-main/services/admin/codes-admin';
import { exportConfig, importConfig } from '../../src-main/services/admin/config-file';
import { listPoliciesOf, savePolicy } from '../../src-main/services/approvals/policies';
import { listSettings, setSetting } from '../../src-main/services/admin/settings-admin';
import type { ConfigFileDto } from '../../src-shared/dto/admin';
import { addOperators, STORAGES } from '../helpers/storages';

// Issue #17: reason codes, settings and the whole-configuration file run through the storage port. The same
// changes on a fresh SQLite ledger and a fresh PostgreSQL one answer alike, write the same rows and audit rows,
// and refuse alike with nothing written; the configuration exported from one imports into the other.

const NOW = new Date('2026-12-05T09:00:00Z');

type Outcome = { ok: unknown } | { refused: { message: string; error: unknown } };

async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await run() };
  } catch (err) {
    return { refused: { message: (err as Error).message, error: (err as { error?: unknown }).error } };
  }
}

/** What a change may write: codes, settings, the reference sections, policies and the audit trail. */
async function written(storage: Storage): Promise<Record<string, unknown[]>> {
  return storage.transaction(
    async (tx) => ({
      codes: await tx.all(
        sql`SELECT domain_id, id, label, help, gl_id, active FROM reason_codes ORDER BY domain_id, id`,
      ),
      settings: await tx.all(sql`SELECT key, value FROM settings ORDER BY ${binary(tx, sql`key`)}`),
      policies: await tx.all(
        sql`SELECT operation, currency, above, requirement, role, updated_by, updated_at FROM approval_policies
            ORDER BY ${binary(tx, sql`operation`)}, ${binary(tx, sql`currency`)}`,
      ),
      audit: await tx.all(
        sql`SELECT at, operator_id, action, entity, entity_id AS "entityId", before, after, reason_code
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

describe.runIf(STORAGES[1]!.available)(
  'reason codes, settings and the configuration file on both databases',
  () => {
    const opened: { storage: Storage; dispose: () => Promise<void> }[] = [];
    let lite: Storage;
    let pg: Storage;
    let admin: number;

    /** Runs the same change on both databases; answers and written rows must agree. */
    async function alike(run: (s: Storage) => Promise<unknown>): Promise<Outcome> {
      const here = await outcome(() => run(lite));
      const there = await outcome(() => run(pg));
      expect(there).toEqual(here);
      expect(await written(pg)).toEqual(await written(lite));
      return here;
    }

    beforeAll(async () => {
      for (const row of STORAGES) opened.push(await row.open());
      [lite, pg] = opened.map((o) => o.storage) as [Storage, Storage];
      const ids = [
        (await addOperators(lite, { ada: ['admin'] })).ada,
        (await addOperators(pg, { ada: ['admin'] })).ada,
      ];
      expect(ids[1]).toBe(ids[0]);
      admin = ids[0]!;
    }, 60_000);
    afterAll(async () => {
      for (const o of opened) await o.dispose();
    });

    it('reads the same domains, codes and settings on a fresh ledger', async () => {
      const domains = await alike((s) => listDomains(s));
      expect((domains as { ok: { codes: number }[] }).ok.length).toBeGreaterThan(5);
      const codes = await alike((s) => listAllCodes(s, true));
      expect((codes as { ok: unknown[] }).ok.length).toBeGreaterThan(20);
      await alike((s) => listDomainCodes(s, 14, false));
      expect(await alike((s) => listDomainCodes(s, 999, false))).toMatchObject({
        refused: { error: { code: 'not_found' } },
      });
      await alike((s) => listSettings(s));
    });

    it('adds, changes, retires and deletes codes alike, audited alike', async () => {
      await alike((s) =>
        addCode(s, { domainId: 14, id: 100_001, label: 'Desk hold', help: 'h', glId: null }, NOW, admin),
      );
      await alike((s) =>
        addCode(s, { domainId: 16, id: 100_002, label: 'Desk reversal', help: '', glId: 113 }, NOW, admin),
      );
      await alike((s) => updateCode(s, { domainId: 14, id: 100_001, label: 'Desk hold (new)' }, NOW, admin));
      await alike((s) => retireCode(s, { domainId: 14, id: 100_001, restore: false }, NOW, admin));
      await alike((s) => retireCode(s, { domainId: 14, id: 100_001, restore: true }, NOW, admin));
      await alike((s) => exportReasons(s, 14));
      // Used by a row of a table with a reason_code column: found from each database's own catalogue.
      for (const s of [lite, pg])
        await s.transaction((tx) =>
          appendAudit(tx, {
            at: NOW.toISOString(),
            operatorId: admin,
            action: 'test.use',
            entity: 'x',
            reasonCode: 100_002,
          }),
        );
      const inUse = await alike((s) => deleteCode(s, { domainId: 16, id: 100_002 }, NOW, admin));
      expect(inUse).toMatchObject({ refused: { error: { code: 'conflict', rule: 'code-in-use' } } });
      expect(inUse).toMatchObject({ refused: { message: expect.stringContaining('(audit_log)') } });
      expect(await alike((s) => deleteCode(s, { domainId: 14, id: 100_001 }, NOW, admin))).toMatchObject({
        ok: { deleted: true },
      });
    });

    it('refuses bad codes alike and writes nothing', async () => {
      const refusals = [
        (s: Storage) => addCode(s, { domainId: 14, id: 500, label: 'x', help: '', glId: null }, NOW, admin),
        (s: Storage) =>
          addCode(s, { domainId: 16, id: 100_010, label: 'x', help: '', glId: null }, NOW, admin),
        (s: Storage) =>
          addCode(s, { domainId: 15, id: 100_011, label: 'x', help: '', glId: 113 }, NOW, admin),
        (s: Storage) =>
          addCode(s, { domainId: 999, id: 100_012, label: 'x', help: '', glId: null }, NOW, admin),
        (s: Storage) =>
          addCode(s, { domainId: 16, id: 100_002, label: 'again', help: '', glId: 113 }, NOW, admin),
        (s: Storage) => updateCode(s, { domainId: 16, id: 100_002, glId: null }, NOW, admin),
        (s: Storage) => updateCode(s, { domainId: 14, id: 123_456, label: 'x' }, NOW, admin),
        (s: Storage) => retireCode(s, { domainId: 14, id: 2001, restore: false }, NOW, admin),
        (s: Storage) => deleteCode(s, { domainId: 14, id: 2001 }, NOW, admin),
        (s: Storage) => setSetting(s, { key: 'ALLOWACCOUNTDUP', value: 'yes' }, NOW, admin),
        (s: Storage) => setSetting(s, { key: 'NoSuchSetting', value: 1 }, NOW, admin),
      ];
      for (const run of refusals) expect(await alike(run)).toHaveProperty('refused');
    });

    it('two admins adding the same code at once: one adds it, the other is told it exists', async () => {
      for (const s of [lite, pg]) {
        const input = { domainId: 14, id: 100_020, label: 'Raced', help: '', glId: null };
        const results = await Promise.allSettled([1, 2, 3, 4].map(() => addCode(s, input, NOW, admin)));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results)
          if (r.status === 'rejected') expect(r.reason).toMatchObject({ error: { rule: 'code-exists' } });
      }
      expect(await written(pg)).toEqual(await written(lite));
    });

    it('sets settings alike and exports one configuration that imports into the other database', async () => {
      await alike((s) => setSetting(s, { key: 'ALLOWACCOUNTDUP', value: true }, NOW, admin));
      await alike((s) => setSetting(s, { key: 'allocation.overpayment', value: 'suspend' }, NOW, admin));
      await alike((s) => listPoliciesOf(s));
      await alike((s) =>
        savePolicy(
          s,
          { operation: 'batches:refund', currency: 'EUR', above: '250.00', requirement: 'second_factor' },
          NOW,
          admin,
        ),
      );
      await alike((s) =>
        savePolicy(
          s,
          {
            operation: 'batches:refund',
            currency: '*',
            above: '900.00',
            requirement: 'four_eyes',
            role: 'supervisor',
          },
          NOW,
          admin,
        ),
      );
      const exported = (await alike((s) => exportConfig(s, NOW))) as { ok: ConfigFileDto };
      expect(exported.ok.policies).toContainEqual(
        expect.objectContaining({
          operation: 'batches:refund',
          currency: 'EUR',
          requirement: 'second_factor',
        }),
      );
      const cfg = exported.ok;
      const fresh = ['NZD', 'NOK', 'SEK', 'PLN', 'CZK'].find(
        (c) => !cfg.currencies.some((k) => k.code === c),
      )!;
      // Change every section, as an admin editing the file would, and import it on both.
      const changed: ConfigFileDto = {
        ...cfg,
        settings: { ...cfg.settings, ALLOWACCOUNTDUP: false, 'collect.softRetries': 4 },
        reasonCodes: [
          ...cfg.reasonCodes,
          { domainId: 15, id: 100_030, label: 'Team B', help: 'second line', glId: null, active: true },
        ],
        channels: [...cfg.channels, { id: 90, description: 'Kiosk', active: true }],
        paymentTerms: [...cfg.paymentTerms, { code: 'N45', description: 'Net 45', days: 45 }],
        currencies: [...cfg.currencies, { code: fresh, exponent: 2, name: `New ${fresh}` }],
        exchangeRates: [
          ...cfg.exchangeRates,
          { fromCurrency: fresh, toCurrency: 'EUR', validFrom: '2026-12-01', rate: '1.0712' },
        ],
        customFields: [
          ...cfg.customFields,
          { key: 'branch', label: 'Branch', type: 'text', codes: [], maxLength: 12 },
        ],
        policies: [
          ...cfg.policies,
          {
            operation: 'suspense:remove',
            currency: 'USD',
            above: '500.00',
            requirement: 'four_eyes',
            role: 'supervisor',
          },
        ],
      };
      const imported = await alike((s) => importConfig(s, { config: changed }, NOW, admin));
      expect(imported).toMatchObject({ ok: { applied: { channels: cfg.channels.length + 1 } } });
      const after = (await alike((s) => exportConfig(s, NOW))) as { ok: ConfigFileDto };
      expect(after.ok.channels).toContainEqual({ id: 90, description: 'Kiosk', active: true });
      expect(after.ok.policies).toContainEqual(
        expect.objectContaining({ operation: 'suspense:remove', currency: 'USD' }),
      );
      expect(after.ok.settings['collect.softRetries']).toBe(4);
    });

    it('refuses a broken configuration whole and alike, writing nothing', async () => {
      const cfg = ((await alike((s) => exportConfig(s, NOW))) as { ok: ConfigFileDto }).ok;
      const broken = {
        ...cfg,
        settings: { ...cfg.settings, ALLOWACCOUNTDUP: 'maybe' },
        channels: [...cfg.channels, { id: 0, description: 'Unspecified', active: false }],
        currencies: cfg.currencies.map((c) => (c.code === 'USD' ? { ...c, exponent: 3 } : c)),
        reasonCodes: [
          ...cfg.reasonCodes,
          { domainId: 16, id: 100_040, label: 'No G/L', help: '', glId: null, active: true },
        ],
      };
      const refused = await alike((s) => importConfig(s, { config: broken }, NOW, admin));
      expect(refused).toMatchObject({ refused: { error: { code: 'validation' } } });
      const issues = (refused as { refused: { error: { issues: { path: string }[] } } }).refused.error.issues;
      expect(issues.map((i) => i.path)).toEqual(
        expect.arrayContaining([
          'settings.ALLOWACCOUNTDUP',
          'reasonCodes.' + String(cfg.reasonCodes.length) + '.glId',
        ]),
      );
      // A file the schema refuses still lists the problems of the sections that stand on their own.
      const malformed = await alike((s) =>
        importConfig(s, { config: { ...broken, channels: 'none' } }, NOW, admin),
      );
      expect(malformed).toMatchObject({ refused: { error: { code: 'validation' } } });
    });
  },
);
