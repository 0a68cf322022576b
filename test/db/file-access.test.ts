import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { BankFilePreviewDto, BatchDto, BatchFileDto } from '../../src-shared/dto/batches';
import { newClient, withClient, type Door } from '../../src-main/services/identity/client';
import { parseJsonText } from '../../src-main/services/files';
import { APPS, type TestApp } from '../helpers/apps';

// Issue #12, "any operator reads any file": a path is a command-line convenience; the desktop window and the
// bridge send the bytes the user chose. Every file read for a command is audited, and no error quotes the
// bytes of a file it could not parse. Issue #17: on a SQLite file and on PostgreSQL (a team server's ledger).

let app: TestApp;
/** A stand-in for /etc/shadow: a file no page should ever get back. */
let secret: string;
const SECRET_TEXT = 'root:$6$s3cr3tHash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n';

const csvTemplate = {
  name: 'one column',
  bank: 'Any',
  format: 'delimited',
  delimiter: ':',
  headerLines: 0,
  footerLines: 0,
  hasColumnHeader: false,
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
  ],
};

/** Runs a command as a call through the given front door, signed in as the test's operator. */
function via(door: Door, command: string, input: unknown): Promise<Result<unknown>> {
  const client = newClient(door, { operator: app.ctx.operator, via: 'password' });
  return withClient(client, () => app.dispatch(command, input));
}

async function audits(
  action: string,
): Promise<{ entity: string; entityId: string | null; after: unknown }[]> {
  const rows = await app.all<{ entity: string; entityId: string | null; after: string | null }>(
    sql`SELECT entity, entity_id AS "entityId", after FROM audit_log WHERE action = ${action} ORDER BY id`,
  );
  return rows.map((r) => ({ ...r, after: r.after === null ? null : (JSON.parse(r.after) as unknown) }));
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** Every command input that names a path on this machine, pointed at the secret file. */
function pathInputs(file: string): [string, Record<string, unknown>][] {
  return [
    ['batches:preview-file', { file, template: csvTemplate, currency: 'USD' }],
    ['batches:import-file', { file, template: csvTemplate, payType: 10012 }],
    ['batches:import-batch-file', { file }],
    ['codes:import', { file }],
    ['admin:import-config', { file }],
    ['ar:import', { accountsFile: file }],
    ['ar:import', { billUnitsFile: file }],
    ['ar:import', { billsFile: file }],
    ['ar:import', { itemsFile: file }],
  ];
}

describe.each(APPS.filter((r) => r.available))('file access ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    secret = join(app.dir, 'shadow');
    writeFileSync(secret, SECRET_TEXT);
  });
  afterEach(async () => {
    await app.dispose();
  });

  describe('paths from the desktop window and the bridge', () => {
    for (const door of ['ipc', 'bridge'] as const) {
      it(`are refused as forbidden through ${door}, audited, and the file is never read`, async () => {
        for (const [command, input] of pathInputs(secret)) {
          const r = await via(door, command, input);
          expect(r, `${command} ${JSON.stringify(Object.keys(input))}`).toMatchObject({
            ok: false,
            error: { code: 'forbidden' },
          });
          expect(JSON.stringify(r)).not.toContain('s3cr3t');
          expect(JSON.stringify(r)).not.toContain('root');
        }
        const refused = (await audits('forbidden')).filter((a) => a.entity === 'file');
        expect(refused.map((a) => a.entityId)).toEqual(pathInputs(secret).map(([c]) => c));
        expect(refused[0]?.after).toMatchObject({ door });
        expect(await audits('file.read')).toEqual([]);
      });
    }

    it('bytes chosen in a dialog are accepted through ipc for every file-taking command', async () => {
      const preview = await via('ipc', 'batches:preview-file', {
        content: b64('A1:10.00\n'),
        fileName: 'lockbox.txt',
        template: csvTemplate,
        currency: 'USD',
      });
      expect(preview).toMatchObject({ ok: true });
      expect((preview as { value: BankFilePreviewDto }).value.rows).toHaveLength(1);

      const exported = await via('ipc', 'batches:create', {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
      });
      expect(exported.ok).toBe(true);
      const batchId = (exported as { value: BatchDto }).value.id;
      const doc = (await via('ipc', 'batches:export', { batchId })) as { ok: true; value: BatchFileDto };
      await via('ipc', 'batches:discard', { batchId });
      const loaded = await via('ipc', 'batches:import-batch-file', {
        content: b64(JSON.stringify(doc.value)),
        fileName: 'handover.json',
      });
      expect(loaded).toMatchObject({ ok: true, value: { status: 'open' } });

      const codes = (await via('ipc', 'codes:export', { domainId: 15 })) as { ok: true; value: unknown };
      expect(codes.ok).toBe(true);
      const imported = await via('ipc', 'codes:import', {
        content: b64(JSON.stringify(codes.value)),
        fileName: 'reasons.json',
      });
      expect(imported).toMatchObject({ ok: true, value: { added: 0 } });

      const ar = await via('ipc', 'ar:import', {
        accountsUpload: {
          content: b64('account_no,name,status,currency,default_pay_type\nA1,Mia Wolf,active,USD,10001\n'),
          fileName: 'accounts.csv',
        },
      });
      expect(ar).toMatchObject({ ok: true });
      // Nothing was read from disk, so nothing was audited as a file read.
      expect(await audits('file.read')).toEqual([]);
    });
  });

  describe('paths from the command line', () => {
    it('are read, and every read is audited with its path, size and SHA-256', async () => {
      const lockbox = join(app.dir, 'lockbox.txt');
      writeFileSync(lockbox, 'A1:10.00\n');
      const r = await via('cli', 'batches:preview-file', {
        file: lockbox,
        template: csvTemplate,
        currency: 'USD',
      });
      expect(r).toMatchObject({ ok: true });
      expect(await audits('file.read')).toEqual([
        {
          entity: 'file',
          entityId: 'batches:preview-file',
          after: {
            path: lockbox,
            size: 9,
            sha256: createHash('sha256').update('A1:10.00\n').digest('hex'),
          },
        },
      ]);
      const accounts = join(app.dir, 'accounts.csv');
      writeFileSync(
        accounts,
        'account_no,name,status,currency,default_pay_type\nA1,Mia Wolf,active,USD,10001\n',
      );
      expect(await via('in-process', 'ar:import', { accountsFile: accounts })).toMatchObject({ ok: true });
      expect(
        await via('cli', 'batches:import-file', { file: lockbox, template: csvTemplate, payType: 10012 }),
      ).toMatchObject({ ok: true });
      expect((await audits('file.read')).map((a) => a.entityId)).toEqual([
        'batches:preview-file',
        'ar:import',
        'batches:import-file',
      ]);
    });

    it('errors about a file that is not what it should be never quote its bytes', async () => {
      for (const [command, input] of pathInputs(secret).filter(([c]) =>
        ['batches:import-batch-file', 'codes:import', 'admin:import-config'].includes(c),
      )) {
        const r = await via('cli', command, input);
        expect(r, command).toMatchObject({ ok: false, error: { code: 'validation' } });
        const text = JSON.stringify(r);
        expect(text, command).not.toContain('s3cr3t');
        expect(text, command).not.toContain('root');
        expect(text, command).not.toContain('daemon');
        expect(text, command).toMatch(/line 1/);
      }
      // The same through the dialog: the bytes are the user's own, but the message still only says where.
      const r = await via('ipc', 'batches:import-batch-file', {
        content: b64(SECRET_TEXT),
        fileName: 'x.json',
      });
      expect(JSON.stringify(r)).not.toContain('s3cr3t');
    });
  });
});

describe('parseJsonText', () => {
  it('says where the JSON goes wrong without quoting it', () => {
    expect(parseJsonText('{\n  "a": 1,\n  "b": secret\n}', 'the file')).toEqual({
      ok: false,
      reason: 'the file is not valid JSON at line 3, column 8',
    });
    expect(parseJsonText('{"a": "\\u12G4"}', 'the file')).toEqual({
      ok: false,
      reason: 'the file is not valid JSON at line 1, column 12',
    });
    expect(parseJsonText('root:x', 'the file')).toEqual({
      ok: false,
      reason: 'the file is not valid JSON at line 1, column 1',
    });
    expect(parseJsonText('{"a": [1, 2 3]', 'the file')).toEqual({
      ok: false,
      reason: 'the file is not valid JSON at line 1, column 13',
    });
    expect(parseJsonText('{"a": ', 'the file')).toEqual({
      ok: false,
      reason: 'the file is not valid JSON: it ends too early',
    });
    expect(parseJsonText('\uFEFF{"a": 1}', 'the file')).toEqual({ ok: true, value: { a: 1 } });
  });
});
