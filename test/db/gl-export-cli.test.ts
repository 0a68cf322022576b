import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportRunDto, GlLinesDto, GlSummaryDto } from '../../src-shared/dto/reports';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';
import { suspenseScenario } from '../helpers/gl-scenario';
import { postPayment, usdAccountsVia } from '../helpers/suspense';

// Issue #15: `paydesk gl summary|lines` and `paydesk export posted|gl|list`, their --json shapes and human forms.

describe.each(APPS.filter((r) => r.available))('gl and export CLI ($dialect)', ({ dialect, open }) => {
  let app: TestApp;
  let now = new Date('2026-11-22T09:00:00Z');
  const cli = cliOnApp(() => app);
  /** Where a CLI without --out writes: beside the ledger file, or on PostgreSQL beside the CLI's home. */
  const outputHome = (): string => (dialect === 'sqlite' ? app.dir : app.cliEnv.PAYDESK_USER_DATA!);

  beforeAll(async () => {
    app = await open({ login: 'gl-cli', clock: () => now });
    await app.giveTestPassword('gl-cli');
    await suspenseScenario({
      ...app,
      setNow: (iso) => {
        now = new Date(iso);
      },
    });
    process.env.PAYDESK_OPERATOR = 'gl-cli';
  }, 120_000);
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app?.dispose();
  });

  describe('gl CLI', () => {
    it('gl summary --json prints exactly the GlSummaryDto; the human form is a table', async () => {
      const s = jsonOf<GlSummaryDto>(
        await cli(
          '--json',
          'gl',
          'summary',
          '--from',
          '2026-12-01',
          '--to',
          '2026-12-31',
          '--currency',
          'USD',
        ),
      );
      expect(Object.keys(s)).toEqual([
        'from',
        'to',
        'currency',
        'rows',
        'totals',
        'journalTotals',
        'tiesOut',
      ]);
      expect(Object.keys(s.rows[0]!)).toEqual([
        'glId',
        'label',
        'currency',
        'debitMinor',
        'creditMinor',
        'netMinor',
        'lines',
      ]);
      expect(
        s.rows.filter((r) => r.glId >= 112).map((r) => [r.glId, r.debitMinor, r.creditMinor, r.netMinor]),
      ).toEqual([
        [112, 8000, 8000, 0],
        [113, 54000, 54000, 0],
      ]);
      expect(s.totals).toEqual([{ currency: 'USD', debitMinor: 127333, creditMinor: 127333, netMinor: 0 }]);
      expect(s.tiesOut).toBe(true);
      const human = await cli('gl', 'summary', '--from', '2026-12-01', '--to', '2026-12-31');
      expect(human.code).toBe(0);
      expect(human.out).toContain('G/L summary 2026-12-01 to 2026-12-31');
      expect(human.out).toMatch(/113\s+Recycled payments \(suspense\)\s+USD\s+540\.00\s+540\.00\s+0\.00\s+5/);
      expect(human.out).toMatch(/112\s+Unallocatable payments removed from suspense\s+USD\s+80\.00\s+80\.00/);
      expect(human.out).toContain('Total USD: debit 1,273.33, credit 1,273.33, net 0.00');
      expect(human.out).toContain('Ties out to the journal.');
      const empty = await cli('gl', 'summary', '--from', '2027-01-01', '--to', '2027-01-31');
      expect(empty.out).toContain('No journal lines posted in this period.');
    });

    it('gl lines --json prints the GlLinesDto page; bad input is an error naming the field', async () => {
      const l = jsonOf<GlLinesDto>(
        await cli(
          '--json',
          'gl',
          'lines',
          '112',
          '--from',
          '2026-12-01',
          '--to',
          '2026-12-31',
          '--limit',
          '1',
        ),
      );
      expect(l).toMatchObject({ glId: 112, currency: null, total: 2 });
      expect(l.rows).toHaveLength(1);
      expect(Object.keys(l.rows[0]!)).toEqual([
        'lineId',
        'journalId',
        'journalKind',
        'at',
        'effectiveDate',
        'glId',
        'glAccount',
        'accountNo',
        'amountMinor',
        'currency',
        'reasonCode',
        'paymentId',
      ]);
      expect(l.rows[0]).toMatchObject({
        journalKind: 'suspense_remove',
        glAccount: 'SUSPENSE',
        amountMinor: 8000,
      });
      const human = await cli('gl', 'lines', '112', '--from', '2026-12-01', '--to', '2026-12-31');
      expect(human.out).toContain('G/L 112: 2 line(s), showing 2');
      expect(human.out).toMatch(/suspense_remove .* UNALLOCATABLE .* 80\.00\s+USD\s+4999/);
      const bad = await cli('--json', 'gl', 'summary', '--from', '2026-12-31', '--to', '2026-12-01');
      expect(bad.code).not.toBe(0);
      expect(bad.out + bad.err).toContain('from is after to');
    });
  });

  describe('export CLI', () => {
    it('export posted/gl --json print the ExportRunDto; a second run is empty; list shows them', async () => {
      const out = join(app.dir, 'nightly');
      const first = jsonOf<ExportRunDto>(await cli('--json', 'export', 'posted', '--out', out));
      expect(Object.keys(first)).toEqual([
        'id',
        'kind',
        'mode',
        'records',
        'files',
        'journals',
        'allocations',
        'fromDate',
        'toDate',
        'at',
        'operator',
      ]);
      expect(first).toMatchObject({ kind: 'posted', mode: 'watermark', operator: 'gl-cli' });
      expect(first.records).toBeGreaterThan(16);
      expect(first.files.map((f) => [f.format, f.path.startsWith(out + '/')])).toEqual([
        ['csv', true],
        ['jsonl', true],
      ]);
      const second = jsonOf<ExportRunDto>(
        await cli('--json', 'export', 'posted', '--out', out, '--since-watermark'),
      );
      expect(second).toMatchObject({
        records: 0,
        journals: { from: first.journals.to, to: first.journals.to },
      });
      const gl = jsonOf<ExportRunDto>(
        await cli('--json', 'export', 'gl', '--period', '2026-12', '--out', out),
      );
      expect(gl).toMatchObject({ kind: 'gl', mode: 'range', fromDate: '2026-12-01', toDate: '2026-12-31' });
      expect(gl.files[0]!.path).toBe(join(out, 'gl_2026-12-01_2026-12-31.csv'));
      expect(readFileSync(gl.files[0]!.path, 'utf8').split('\n')[0]).toBe(
        'seq,journalId,lineId,journalKind,postedAt,effectiveDate,glId,glAccount,side,debitMinor,creditMinor,debit,credit,currency,accountNo,reasonCode',
      );
      const ranged = jsonOf<ExportRunDto>(
        await cli('--json', 'export', 'gl', '--from', '2026-12-01', '--to', '2026-12-31', '--out', out),
      );
      expect(ranged.files).toEqual(gl.files);
      // Without --out: exports/ next to the ledger.
      const here = jsonOf<ExportRunDto>(await cli('--json', 'export', 'gl'));
      expect(here.files[0]!.path).toBe(
        join(outputHome(), 'exports', `gl_j000000-${String(here.journals.to).padStart(6, '0')}.csv`),
      );
      const list = jsonOf<ExportRunDto[]>(await cli('--json', 'export', 'list', '--kind', 'posted'));
      expect(list.map((r) => r.id)).toEqual([second.id, first.id]);
      expect(list[1]).toEqual(first);
      const human = await cli('export', 'list');
      expect(human.out).toContain(`Export #${first.id} posted (watermark)`);
      expect(human.out).toContain(`sha256 ${first.files[0]!.sha256}`);
      const humanRun = await cli('export', 'posted', '--out', out);
      expect(humanRun.out).toMatch(/Export #\d+ posted \(watermark\) .*: 0 record\(s\)/);
    });

    it('--since-watermark with a range is refused before anything runs', async () => {
      const r = await cli('--json', 'export', 'posted', '--since-watermark', '--period', '2026-12');
      expect(r.code).not.toBe(0);
      expect(r.out + r.err).toContain('--since-watermark');
      const bad = await cli('--json', 'export', 'posted', '--period', '2026-13');
      expect(bad.code).not.toBe(0);
      expect(bad.out + bad.err).toContain('YYYY-MM');
    });
  });

  describe('export crash', () => {
    /** The CLI as a nightly job runs it, in its own process (killed outright at the crash point when asked). */
    const nightly = (out: string, env: Record<string, string> = {}) =>
      spawnSync(
        process.execPath,
        ['bin/paydesk.cjs', ...app.ledgerArgs, '--json', 'export', 'posted', '--out', out],
        {
          env: {
            ...process.env,
            ...app.cliEnv,
            PAYDESK_OPERATOR: 'gl-cli',
            PAYDESK_QUIET: '1',
            PAYDESK_CLI_SOURCE: '1',
            ...env,
          },
          encoding: 'utf8',
        },
      );
    const runs = async (): Promise<number> =>
      (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM export_runs`))!.n;

    it('a process killed after writing the files re-runs to the same range and bytes; the next run takes the rest', async () => {
      const out = join(app.dir, 'crash');
      const [x] = await usdAccountsVia(app, 1, 20);
      await postPayment(app, x!.accountNo, '3.21', { allocate: 'none' });
      const before = await runs();
      const killed = nightly(out, { PAYDESK_CRASH_AFTER: '1' });
      expect(killed.signal).toBe('SIGKILL');
      expect(await runs()).toBe(before);
      const [csvName] = readdirSync(out).filter((f) => f.endsWith('.csv'));
      const crashedSha = createHash('sha256')
        .update(readFileSync(join(out, csvName!)))
        .digest('hex');
      await postPayment(app, x!.accountNo, '4.32', { allocate: 'none' });
      const again = nightly(out);
      expect(again.status, again.stderr).toBe(0);
      const rerun = JSON.parse(again.stdout) as ExportRunDto;
      expect(rerun.records).toBe(1);
      expect(rerun.files[0]!.path).toBe(join(out, csvName!));
      expect(rerun.files[0]!.sha256).toBe(crashedSha);
      const rest = JSON.parse(nightly(out).stdout) as ExportRunDto;
      expect(rest).toMatchObject({
        records: 1,
        journals: { from: rerun.journals.to, to: rerun.journals.to + 1 },
      });
      expect(readFileSync(rest.files[1]!.path, 'utf8')).toContain('"amountMinor":432');
      expect(await runs()).toBe(before + 2);
    });
  });
});
