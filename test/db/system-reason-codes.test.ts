import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandName, CommandOutput } from '../../src-shared/api/contract';
import type { AppError } from '../../src-shared/api/result';
import { APPS, type TestApp } from '../helpers/apps';

let app: TestApp;

async function ok<K extends CommandName>(command: K, input: unknown): Promise<CommandOutput<K>> {
  const r = await app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${JSON.stringify(r.error)}`);
  return r.value as CommandOutput<K>;
}

async function fail(command: CommandName, input: unknown): Promise<AppError> {
  const r = await app.dispatch(command, input);
  if (r.ok) throw new Error(`${command} unexpectedly succeeded: ${JSON.stringify(r.value)}`);
  return r.error;
}

const active = async (id: number): Promise<boolean | undefined> =>
  (await ok('codes:list', { domainId: 14, includeRetired: true })).find((c) => c.id === id)?.active;

const auditCount = async (): Promise<number> =>
  (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM audit_log`))!.n;

describe.each(APPS.filter((r) => r.available))(
  'validator-owned (system) reason codes ($dialect)',
  ({ open }) => {
    beforeEach(async () => {
      app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    });
    afterEach(() => app.dispose());

    it('cannot be retired or deleted; the refusal names the rule and changes nothing', async () => {
      const before = await auditCount();
      for (const id of [2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009]) {
        const retire = await fail('codes:retire', { domainId: 14, id });
        expect(retire).toMatchObject({ code: 'conflict', rule: 'system-code' });
        expect(retire.message).toMatch(/validator/);
        const del = await fail('codes:delete', { domainId: 14, id });
        expect(del).toMatchObject({ code: 'conflict', rule: 'system-code' });
        expect(await active(id)).toBe(true);
      }
      expect(await auditCount()).toBe(before);
    });

    it('cannot be retired by a reasons file; the problem is listed at the code and nothing is written', async () => {
      const file = await ok('codes:export', { domainId: 14 });
      const at = file.codes.findIndex((c) => c.id === 2002);
      file.codes[at] = { ...file.codes[at]!, active: false };
      file.codes.push({ domainId: 14, id: 100_900, label: 'Desk code', help: '', glId: null, active: true });
      const path = join(app.dir, 'reasons.json');
      writeFileSync(path, JSON.stringify(file));
      const err = await fail('codes:import', { file: path });
      expect(err.code).toBe('validation');
      expect(err.code === 'validation' && err.issues).toEqual([
        { path: `codes.${at}.active`, message: expect.stringMatching(/2002.*validator.*cannot be retired/) },
      ]);
      expect(await active(2002)).toBe(true);
      expect(await active(100_900)).toBeUndefined();

      // The same file with the system code left active imports.
      file.codes[at] = { ...file.codes[at], active: true };
      writeFileSync(path, JSON.stringify(file));
      expect((await ok('codes:import', { file: path })).added).toBe(1);
    });

    it('cannot be retired by a configuration import', async () => {
      const cfg = await ok('admin:export-config', {});
      const at = cfg.reasonCodes.findIndex((c) => c.domainId === 14 && c.id === 2007);
      cfg.reasonCodes[at] = { ...cfg.reasonCodes[at]!, active: false };
      const path = join(app.dir, 'config.json');
      writeFileSync(path, JSON.stringify(cfg));
      const err = await fail('admin:import-config', { file: path });
      expect(err.code === 'validation' && err.issues?.map((i) => i.path)).toContain(
        `reasonCodes.${at}.active`,
      );
      expect(await active(2007)).toBe(true);
    });

    it('leaves desk codes of the same ids in other domains free to retire', async () => {
      const other = (await ok('codes:list', { domainId: 15, includeRetired: true }))[0]!;
      expect((await ok('codes:retire', { domainId: 15, id: other.id })).active).toBe(false);
    });
  },
);
