import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import type { CliRun } from '../helpers/cli';

/** Parses stdout as exactly one JSON document. */
function oneJson<T = Record<string, unknown>>(run: CliRun): T {
  const text = run.out.trim();
  expect(text.split('\n')).toHaveLength(1);
  return JSON.parse(text) as T;
}

describe.each(APPS.filter((r) => r.available))('paydesk administration ($dialect)', ({ open }) => {
  let app: TestApp;
  let other: TestApp | undefined;
  const cli = cliOnApp(() => app);
  const cliOther = cliOnApp(() => other!);

  beforeAll(async () => {
    // No in-process operator: `init` makes root the first admin.
    app = await open();
    expect((await cli('--operator', 'root', '--json', 'init')).code).toBe(0);
  });
  afterAll(async () => {
    delete process.env.PAYDESK_NEW_PASSWORD;
    await other?.dispose();
    await app?.dispose();
  });

  describe('paydesk administration CLI', () => {
    it('sets and gets typed settings', async () => {
      const set = oneJson(
        await cli('--operator', 'root', '--json', 'settings', 'set', 'ALLOWACCOUNTDUP', 'true'),
      );
      expect(set).toMatchObject({ key: 'ALLOWACCOUNTDUP', value: true, isDefault: false });
      const get = oneJson(await cli('--json', '--operator', 'root', 'settings', 'get', 'ALLOWACCOUNTDUP'));
      expect(get).toMatchObject({ value: true, defaultValue: false });
      const all = oneJson<unknown[]>(await cli('--json', '--operator', 'root', 'settings', 'get'));
      expect(all.length).toBeGreaterThan(10);
      const bad = await cli(
        '--json',
        '--operator',
        'root',
        'settings',
        'set',
        'suspense.thresholdPercent',
        'lots',
      );
      expect(bad.code).toBe(2);
      expect(oneJson(bad)).toMatchObject({ error: { code: 'validation' } });
      const human = await cli('--operator', 'root', 'settings', 'get', 'payment.batchLock');
      expect(human.out).toBe('payment.batchLock = "batch" (default)\n');
    });

    it('adds, lists and retires reason codes', async () => {
      const add = await cli(
        '--json',
        '--operator',
        'root',
        'codes',
        'add',
        '--domain',
        '14',
        '--id',
        '100900',
        '--label',
        'Cheque unsigned',
      );
      expect(oneJson(add)).toMatchObject({ domainId: 14, id: 100900, active: true });
      const listed = oneJson<{ id: number }[]>(
        await cli('--json', '--operator', 'root', 'codes', 'list', '--domain', '14'),
      );
      expect(listed.map((c) => c.id)).toContain(100900);
      const reserved = await cli(
        '--json',
        '--operator',
        'root',
        'codes',
        'add',
        '--domain',
        '14',
        '--id',
        '2999',
        '--label',
        'x',
      );
      expect(reserved.code).toBe(2);
      const retired = oneJson(
        await cli('--json', '--operator', 'root', 'codes', 'retire', '--domain', '14', '--id', '100900'),
      );
      expect(retired).toMatchObject({ active: false });
      const human = await cli('--operator', 'root', 'codes', 'list', '--domain', '14', '--all');
      expect(human.out).toMatch(/100900 {2}Cheque unsigned {2}\[retired\]/);
    });

    it('manages operators, and a clerk selected with --operator is refused a configuration change', async () => {
      // Kim's first password; the CLI below signs in as kim with it (the suite's PAYDESK_PASSWORD).
      process.env.PAYDESK_NEW_PASSWORD = process.env.PAYDESK_PASSWORD;
      const add = oneJson(
        await cli(
          '--json',
          '--operator',
          'root',
          'operator',
          'add',
          'kim',
          '--name',
          'Kim Lee',
          '--roles',
          'clerk',
          '--set-password',
        ),
      );
      expect(add).toMatchObject({ login: 'kim', roles: ['clerk'] });
      const refused = await cli('--json', '--operator', 'kim', 'settings', 'set', 'ALLOWACCOUNTDUP', 'false');
      expect(refused.code).toBe(5);
      expect(oneJson(refused)).toMatchObject({ error: { code: 'forbidden', role: 'admin' } });
      const forbiddenImport = await cli('--json', '--operator', 'kim', 'operator', 'grant', 'kim', 'admin');
      expect(forbiddenImport.code).toBe(5);
      const granted = oneJson(
        await cli('--json', '--operator', 'root', 'operator', 'grant', 'kim', 'analyst', 'supervisor'),
      );
      expect(granted).toMatchObject({ roles: ['clerk', 'analyst', 'supervisor'] });
      const list = oneJson<{ login: string }[]>(
        await cli('--json', '--operator', 'root', 'operator', 'list'),
      );
      expect(list.map((o) => o.login)).toEqual(['kim', 'root']);
      const history = oneJson<{ rows: { action: string; entityId: string; operatorLogin: string }[] }>(
        await cli('--json', '--operator', 'root', 'history', '--action', 'forbidden'),
      );
      expect(history.rows.map((r) => [r.operatorLogin, r.entityId])).toEqual([
        ['kim', 'operators:grant'],
        ['kim', 'admin:set-setting'],
      ]);
    });

    it('exports the configuration and imports it, refusing a broken file whole', async () => {
      const file = join(app.dir, 'config.json');
      const exp = oneJson(await cli('--json', '--operator', 'root', 'config', 'export', file));
      expect(exp).toMatchObject({ file });
      const cfg = JSON.parse(readFileSync(file, 'utf8')) as {
        settings: Record<string, unknown>;
        channels: unknown[];
      };
      expect(cfg.settings.ALLOWACCOUNTDUP).toBe(true);

      // Another new ledger of the same database, which root sets up from the file.
      other = await open();
      expect((await cliOther('--json', '--operator', 'root', 'init')).code).toBe(0);
      const imp = oneJson<{ applied: Record<string, number> }>(
        await cliOther('--json', '--operator', 'root', 'config', 'import', file),
      );
      expect(imp.applied.reasonCodes).toBeGreaterThan(0);
      const got = oneJson(
        await cliOther('--json', '--operator', 'root', 'settings', 'get', 'ALLOWACCOUNTDUP'),
      );
      expect(got).toMatchObject({ value: true });

      const broken = join(app.dir, 'broken.json');
      writeFileSync(
        broken,
        JSON.stringify({
          ...cfg,
          settings: { ALLOWACCOUNTDUP: false, Bogus: 1 },
          channels: [...cfg.channels, ...cfg.channels],
        }),
      );
      const r = await cliOther('--json', '--operator', 'root', 'config', 'import', broken);
      expect(r.code).toBe(2);
      const err = oneJson<{ error: { issues: { path: string }[] } }>(r).error;
      expect(err.issues.length).toBeGreaterThan(cfg.channels.length);
      expect(err.issues[0]?.path).toBe('settings.Bogus');
      const still = oneJson(
        await cliOther('--json', '--operator', 'root', 'settings', 'get', 'ALLOWACCOUNTDUP'),
      );
      expect(still).toMatchObject({ value: true });
    });
  });

  describe('reasons.<locale> text files', () => {
    it('round-trips codes through the product text format and refuses a broken one whole', async () => {
      const out = join(app.dir, 'reasons.en_us');
      const exp = oneJson<{ codes: number }>(
        await cli('--json', '--operator', 'root', 'codes', 'export', out, '--domain', '16', '--brm'),
      );
      const text = readFileSync(out, 'utf8');
      expect(text).toMatch(/^LOCALE = "en_us" ;/);
      expect(text).toContain('DOMAIN = "Reason Codes - Payment Suspense Management Reversal Reason" ;');
      expect(text).toMatch(/ID = 4999 ;\n\tVERSION = 16 ;\n\tSTRING = "Unable to correct payment" ;/);
      expect(text).toContain('"/event/billing/reversal" 112 ;');
      expect(exp.codes).toBeGreaterThan(3);

      const mine = join(app.dir, 'mine.en_us');
      writeFileSync(
        mine,
        [
          'LOCALE = "en_us" ;',
          'DOMAIN = "Reason Codes - Payment Suspense Management Reversal Reason" ;',
          'STR',
          '    ID = 110500 ;',
          '    VERSION = 16 ;',
          '    STRING = "Returned by the \\"bank\\"" ;',
          '    HELPSTR = "Removed after a bank return." ;',
          '    EVENT-GLID',
          '        "/event/billing/reversal" 112 ;',
          '    END',
          'END',
        ].join('\n'),
      );
      const imp = oneJson(await cli('--json', '--operator', 'root', 'codes', 'import', mine));
      expect(imp).toEqual({ added: 1, updated: 0, unchanged: 0 });
      const listed = oneJson<{ id: number; label: string; glId: number | null }[]>(
        await cli('--json', '--operator', 'root', 'codes', 'list', '--domain', '16'),
      );
      expect(listed.find((c) => c.id === 110500)).toMatchObject({
        label: 'Returned by the "bank"',
        glId: 112,
      });

      const broken = join(app.dir, 'broken.en_us');
      writeFileSync(
        broken,
        [
          'STR',
          'ID = 110501 ;',
          'VERSION = 16 ;',
          'STRING = "No G/L" ;',
          'END',
          'STR',
          'ID = 3 ;',
          'NOPE',
          'END',
        ].join('\n'),
      );
      const r = await cli('--json', '--operator', 'root', 'codes', 'import', broken);
      expect(r.code).toBe(2);
      const issues = oneJson<{ error: { issues: { path: string }[] } }>(r).error.issues.map((i) => i.path);
      expect(issues).toEqual(['line 8', 'line 6']);
    });
  });
});
