import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import type { CommandName, CommandOutput } from '../../src-shared/api/contract';
import type { AppError } from '../../src-shared/api/result';
import type { SuspenseSavedSearchDto } from '../../src-shared/dto/suspense';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import type { CliRun } from '../helpers/cli';

describe.each(APPS.filter((r) => r.available))('saved searches ($dialect)', ({ open }) => {
  describe('saved searches of the Payment Center', () => {
    let app: TestApp;
    beforeEach(async () => {
      app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    });
    afterEach(() => app.dispose());

    async function ok<K extends CommandName>(
      command: K,
      input: unknown,
      on: App<LedgerPlace> = app,
    ): Promise<CommandOutput<K>> {
      const r = await on.dispatch(command, input);
      if (!r.ok) throw new Error(`${command} failed: ${JSON.stringify(r.error)}`);
      return r.value as CommandOutput<K>;
    }
    async function fail(command: CommandName, input: unknown, on: App<LedgerPlace> = app): Promise<AppError> {
      const r = await on.dispatch(command, input);
      if (r.ok) throw new Error(`${command} unexpectedly succeeded: ${JSON.stringify(r.value)}`);
      return r.error;
    }

    it('renames a search, keeping its filters, and refuses a name the operator already uses', async () => {
      const mine = await ok('suspense:save-search', { name: 'Mine', filters: { owner: 102001 } });
      const old = await ok('suspense:save-search', { name: 'Old', filters: { ageBucket: ['90+'] } });

      const renamed = await ok('suspense:rename-search', { id: mine.id, name: '  My queue ' });
      expect(renamed).toMatchObject({ id: mine.id, name: 'My queue', filters: { owner: 102001 } });
      expect((await ok('suspense:saved-searches', {})).map((s) => s.name)).toEqual(['My queue', 'Old']);

      const taken = await fail('suspense:rename-search', { id: mine.id, name: 'Old' });
      expect(taken).toMatchObject({ code: 'conflict' });
      expect(taken.message).toMatch(/"Old"/);
      // Renaming to its own name is no conflict.
      expect((await ok('suspense:rename-search', { id: old.id, name: 'Old' })).name).toBe('Old');

      const empty = await fail('suspense:rename-search', { id: mine.id, name: '   ' });
      expect(empty.code === 'validation' && empty.issues?.map((i) => i.path)).toEqual(['name']);
      expect((await fail('suspense:rename-search', { id: 999_999, name: 'X' })).code).toBe('not_found');
    });

    it("never renames another operator's search", async () => {
      const mine = await ok('suspense:save-search', { name: 'Mine', filters: {} });
      const other = await app.again({
        login: 'someone-else',
        clock: () => new Date('2026-11-22T10:00:00Z'),
      });
      expect((await fail('suspense:rename-search', { id: mine.id, name: 'Theirs' }, other)).code).toBe(
        'not_found',
      );
      expect((await ok('suspense:saved-searches', {})).map((s) => s.name)).toEqual(['Mine']);
    });
  });

  describe('paydesk suspense searches|save-search|rename-search|delete-search', () => {
    const ENV = { PAYDESK_OPERATOR: 'searcher', PAYDESK_SECRET_KEY: 'searches-key', PAYDESK_QUIET: '1' };
    let app: TestApp;
    let envBefore: Record<string, string | undefined>;
    const cli = cliOnApp(() => app);
    const json = <T>(r: CliRun): T => JSON.parse(r.out) as T;

    beforeAll(async () => {
      envBefore = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
      Object.assign(process.env, ENV);
      app = await open();
      expect((await cli('--json', 'init')).code).toBe(0);
    });
    afterAll(async () => {
      await app?.dispose();
      for (const [k, v] of Object.entries(envBefore))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    });

    it('saves a search from the search options, lists, renames and deletes it', async () => {
      const saved = await cli(
        '--json',
        'suspense',
        'save-search',
        'Old and big',
        '--age',
        '61-90',
        '90+',
        '--min',
        '100.00',
        '--owner',
        'none',
      );
      expect(saved.code, saved.err).toBe(0);
      const s = json<SuspenseSavedSearchDto>(saved);
      expect(s).toMatchObject({
        name: 'Old and big',
        filters: { ageBucket: ['61-90', '90+'], minAmount: '100.00', owner: 'none' },
      });

      const human = await cli('suspense', 'searches');
      expect(human.out).toMatch(new RegExp(`${s.id}\\s+Old and big`));

      const renamed = await cli('--json', 'suspense', 'rename-search', String(s.id), 'Aged');
      expect(renamed.code, renamed.err).toBe(0);
      expect(json<SuspenseSavedSearchDto>(renamed)).toMatchObject({ id: s.id, name: 'Aged' });
      expect(
        json<SuspenseSavedSearchDto[]>(await cli('--json', 'suspense', 'searches')).map((x) => x.name),
      ).toEqual(['Aged']);

      const missing = await cli('--json', 'suspense', 'rename-search', '999999', 'X');
      expect(missing.code).not.toBe(0);
      expect(json<{ error: { code: string } }>(missing).error.code).toBe('not_found');

      const deleted = await cli('--json', 'suspense', 'delete-search', String(s.id));
      expect(deleted.code, deleted.err).toBe(0);
      expect(json<SuspenseSavedSearchDto[]>(await cli('--json', 'suspense', 'searches'))).toEqual([]);
    });

    it('refuses a bad filter with the field named, saving nothing', async () => {
      const bad = await cli('--json', 'suspense', 'save-search', 'Bad', '--min', '1.2.3');
      expect(bad.code).toBe(2);
      const doc = json<{ error: { code: string; issues?: { path: string }[] } }>(bad);
      expect(doc.error.code).toBe('validation');
      expect(doc.error.issues?.map((i) => i.path)).toEqual(['filters.minAmount']);
      expect(json<SuspenseSavedSearchDto[]>(await cli('--json', 'suspense', 'searches'))).toEqual([]);
    });
  });
});
