import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BankFileCheckDto } from '../../src-shared/dto/bankfiles';
import { writeNacha } from '../../src-main/bankfiles/nacha/write';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';

const ACH = resolve(process.cwd(), '../shared/standards/ach');
const json = jsonOf;

describe.each(APPS.filter((r) => r.available))('bank file checks ($dialect)', ({ open }) => {
  let app: TestApp;
  let dir: string;
  const cli = cliOnApp(() => app);

  beforeAll(async () => {
    // No in-process operator: `init` makes the first admin, as on a new ledger.
    app = await open();
    dir = app.dir;
    process.env.PAYDESK_OPERATOR = 'cli-ops';
    expect((await cli('--json', 'init')).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app?.dispose();
  });

  describe('paydesk bankfile check', () => {
    it.each(readdirSync(join(ACH, 'valid')).map((f) => `valid/${f}`))('%s: valid, exit 0', async (file) => {
      const r = await cli('--json', 'bankfile', 'check', join(ACH, file));
      expect(r.code, r.err).toBe(0);
      const c = json<BankFileCheckDto>(r);
      expect(c).toMatchObject({ format: 'nacha', valid: true, problems: [] });
      expect(c.totals.currency).toBe('USD');
      expect(c.totals.count).toBe(c.entries);
    });

    it.each(readdirSync(join(ACH, 'lenient')).map((f) => `lenient/${f}`))(
      '%s: valid with a warning',
      async (file) => {
        const r = await cli('--json', 'bankfile', 'check', join(ACH, file));
        expect(r.code).toBe(0);
        const c = json<BankFileCheckDto>(r);
        expect(c.valid).toBe(true);
        expect(c.warnings.length).toBeGreaterThan(0);
      },
    );

    it.each(readdirSync(join(ACH, 'invalid')).map((f) => `invalid/${f}`))(
      '%s: not valid, exit 2',
      async (file) => {
        const r = await cli('--json', 'bankfile', 'check', join(ACH, file));
        expect(r.code).toBe(2);
        const c = json<BankFileCheckDto>(r);
        expect(c.valid).toBe(false);
        expect(c.problems.length).toBeGreaterThan(0);
        expect(
          c.problems.every((p) => typeof p.line === 'number' && p.line >= 1 && p.reason.length > 10),
        ).toBe(true);
      },
    );

    it('prints the problems in the human form', async () => {
      const r = await cli(
        'bankfile',
        'check',
        join(ACH, 'invalid/ppd-debit-invalid-entryDetail-checkDigit.ach'),
      );
      expect(r.code).toBe(2);
      expect(r.out).toContain('nacha, NOT VALID, 1 entry, debits 1000000.00 USD, credits 0.00 USD');
      expect(r.out).toContain(
        '  problem, line 3: RDFI routing number 231380105: check digit is 5, should be 4',
      );
      expect(r.out).toContain('  warning, line 1: line is 75 characters, not 94; padded with blanks');
      const ok = await cli('bankfile', 'check', join(ACH, 'valid/web-debit.ach'));
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(
        /web-debit\.ach: nacha, valid, 6 entries, debits 150\.00 USD, credits 268\.20 USD\n$/,
      );
    });

    it('reads back a file written by writeNacha with the same totals', async () => {
      const { text } = writeNacha({
        immediateDestination: '231380104',
        immediateDestinationName: 'FED',
        immediateOrigin: '121042882',
        immediateOriginName: 'PAYDESK',
        createdAt: '2026-12-03T10:00:00Z',
        fileIdModifier: 'B',
        batches: [
          {
            secCode: 'PPD',
            companyName: 'PAYDESK',
            companyId: '1121042882',
            entryDescription: 'BILLPAY',
            effectiveDate: '2026-12-04',
            odfiRouting: '121042882',
            entries: [1999, 2500, 10001].map((amountMinor, i) => ({
              transactionCode: 27 as const,
              routingNo: '011000015',
              accountNo: `A${i}`,
              amountMinor,
              individualId: `ACC${i}`,
              name: `CUSTOMER ${i}`,
            })),
          },
        ],
      });
      const file = join(dir, 'out.ach');
      writeFileSync(file, text);
      const c = json<BankFileCheckDto>(await cli('--json', 'bankfile', 'check', file));
      expect(c).toMatchObject({ valid: true, entries: 3, warnings: [] });
      expect(c.totals).toMatchObject({
        debitMinor: 14500,
        creditMinor: 0,
        totalMinor: 14500,
        currency: 'USD',
      });
    });

    it('--xsd on a NACHA file is ignored with a warning', async () => {
      const xsd = resolve(process.cwd(), '../shared/standards/iso20022/xsd/pain.008.001.08.xsd');
      const r = await cli('--json', 'bankfile', 'check', join(ACH, 'valid/web-debit.ach'), '--xsd', xsd);
      expect(r.code, r.err).toBe(0);
      expect(json<BankFileCheckDto>(r).warnings).toEqual([
        { line: 1, reason: 'an XSD applies to XML files; ignored for NACHA' },
      ]);
    });

    it('an unknown format: not valid, exit 2, and an unreadable file is a validation error', async () => {
      const file = join(dir, 'notes.txt');
      writeFileSync(file, 'hello, this is not a bank file\n');
      const r = await cli('--json', 'bankfile', 'check', file);
      expect(r.code).toBe(2);
      const c = json<BankFileCheckDto>(r);
      expect(c).toMatchObject({ format: 'unknown', valid: false, entries: 0 });
      expect(c.problems[0]).toMatchObject({ line: 1 });
      expect(c.problems[0]!.reason).toMatch(/^not a bank file Paydesk reads \(.*nacha.*\)$/);
      const missing = await cli('--json', 'bankfile', 'check', join(dir, 'nope.ach'));
      expect(missing.code).toBe(2);
      expect(JSON.parse(missing.out || missing.err)).toMatchObject({ error: { code: 'validation' } });
    });
  });

  describe('bankfiles:check over dispatch', () => {
    it('checks uploaded bytes (as the renderer sends them) and wants exactly one source', async () => {
      // The in-process caller is the admin `init` made (closed by dispose).
      const inApp = await app.again({ login: 'cli-ops' });
      const content = readFileSync(join(ACH, 'valid/return-WEB.ach')).toString('base64');
      const r = await inApp.dispatch('bankfiles:check', { content, fileName: 'return-WEB.ach' });
      expect(r.ok && r.value).toMatchObject({ format: 'nacha', valid: true, entries: 2 });
      const bad = await inApp.dispatch('bankfiles:check', {});
      expect(bad.ok).toBe(false);
      const both = await inApp.dispatch('bankfiles:check', { content, file: '/etc/passwd' });
      expect(both.ok).toBe(false);
    });
  });

  describe('bankfile check --template (template-driven formats: a bank lockbox layout)', () => {
    const LOCKBOX = resolve(process.cwd(), '../shared/standards/lockbox/valid');
    it('reads the lockbox sample with a saved template as its import would, and reports a broken copy', async () => {
      const template = {
        name: 'lockbox-check',
        format: 'fixed',
        headerLines: 3,
        footerLines: 3,
        dateFormat: 'MMddyy',
        impliedDecimals: 2,
        recordFilter: { start: 1, length: 1, equals: ['6'] },
        columns: [
          { field: 'amount', start: 8, length: 10 },
          { field: 'accountNo', start: 27, length: 10 },
          { field: 'checkNo', start: 37, length: 10 },
          { field: 'paymentDate', start: 47, length: 6 },
          { field: 'payerName', start: 53, length: 30 },
        ],
        footer: { count: { line: 2, start: 21, length: 4 }, total: { line: 2, start: 25, length: 10 } },
      };
      const tplFile = join(dir, 'lockbox-template.json');
      writeFileSync(tplFile, JSON.stringify(template));
      expect((await cli('--json', 'template', 'save', 'lockbox-check', tplFile)).code).toBe(0);

      const unknown = await cli('--json', 'bankfile', 'check', join(LOCKBOX, 'test_lockbox.bai'));
      expect(json<BankFileCheckDto>(unknown).format).toBe('unknown');

      const r = await cli(
        '--json',
        'bankfile',
        'check',
        join(LOCKBOX, 'test_lockbox.bai'),
        '--template',
        'lockbox-check',
      );
      expect(r.code, r.out + r.err).toBe(0);
      expect(json<BankFileCheckDto>(r)).toMatchObject({
        format: 'fixed',
        template: 'lockbox-check',
        valid: true,
        entries: 1,
        totals: { count: 1, totalMinor: 700000, creditMinor: 700000, currency: 'USD' },
      });

      // The same file with its check amount changed no longer adds up to the footer's total.
      const text = readFileSync(join(LOCKBOX, 'test_lockbox.bai'), 'latin1');
      const line = text.split(/\r?\n/).findIndex((l) => l.startsWith('6'));
      const lines = text.split(/\r?\n/);
      lines[line] = lines[line]!.slice(0, 7) + '0000800000' + lines[line]!.slice(17);
      const broken = join(dir, 'broken-lockbox.bai');
      writeFileSync(broken, lines.join('\n'), 'latin1');
      const b = await cli('--json', 'bankfile', 'check', broken, '--template', 'lockbox-check');
      expect(b.code).toBe(2);
      const bc = json<BankFileCheckDto>(b);
      expect(bc.valid).toBe(false);
      expect(bc.problems.map((p) => p.reason).join(' ')).toMatch(/total/);

      const none = await cli('--json', 'bankfile', 'check', broken, '--template', 'no-such-template');
      expect(none.code).toBe(3);
    });
  });
});
