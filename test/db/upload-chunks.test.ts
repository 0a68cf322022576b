import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import { UPLOAD_CHUNK_BYTES } from '../../src-shared/api/uploads';
import type { BatchDto, BatchFileDto, BatchImportDto } from '../../src-shared/dto/batches';
import type { UploadDto } from '../../src-shared/dto/uploads';
import { newClient, withClient, type Client } from '../../src-main/services/identity/client';
import { freshApp } from '../helpers/ledger';

// The desktop window sends a large file in chunks (files:upload-*) instead of one 64 MiB base64 IPC message;
// every command that takes a file then names it by upload id, for the client that sent it only.

type TestApp = ReturnType<typeof freshApp>;
let app: TestApp;
let desk: Client;
let other: Client;

beforeEach(async () => {
  app = freshApp();
  const r = await app.dispatch('demo:load', { accounts: 30, seed: 4 });
  expect(r.ok).toBe(true);
  desk = newClient('ipc', { operator: app.ctx.operator, via: 'password' });
  other = newClient('ipc', { operator: app.ctx.operator, via: 'password' });
});
afterEach(() => app.dispose());

function as(client: Client, command: string, input: unknown): Promise<Result<unknown>> {
  return withClient(client, () => app.dispatch(command, input));
}

async function must<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** Sends bytes as the desktop does: start, chunks of UPLOAD_CHUNK_BYTES, finish. */
async function sendInChunks(client: Client, bytes: Buffer, fileName: string): Promise<UploadDto> {
  const { uploadId } = await must<UploadDto>(
    as(client, 'files:upload-start', { fileName, size: bytes.length }),
  );
  for (let offset = 0; offset < bytes.length; offset += UPLOAD_CHUNK_BYTES) {
    const content = bytes.subarray(offset, offset + UPLOAD_CHUNK_BYTES).toString('base64');
    await must(as(client, 'files:upload-chunk', { uploadId, offset, content }));
  }
  return must<UploadDto>(as(client, 'files:upload-finish', { uploadId }));
}

const template = {
  name: 'chunks',
  format: 'delimited',
  delimiter: ',',
  hasColumnHeader: true,
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
    { field: 'paymentDate', index: 2 },
    { field: 'checkNo', index: 3 },
    { field: 'payerName', index: 4 },
  ],
};

describe('chunked uploads over IPC', () => {
  it('carries a file larger than one chunk to an import, then deletes it', async () => {
    const lines = ['Account,Amount,Date,Check,Payer'];
    for (let i = 0; i < 6_000; i++)
      lines.push(
        `A${String(1 + (i % 30)).padStart(7, '0')},${(1 + (i % 70)).toFixed(2)},11/20/2026,${i},"Payer ${i % 13} ${'Lockbox Holdings and Trust '.repeat(4)}"`,
      );
    const bytes = Buffer.from(lines.join('\n') + '\n');
    expect(bytes.length).toBeGreaterThan(UPLOAD_CHUNK_BYTES);
    const up = await sendInChunks(desk, bytes, 'C:\\lockbox\\day.csv');
    expect(up).toMatchObject({
      fileName: 'day.csv',
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    // Another window of the same operator does not see it.
    expect(
      await as(other, 'batches:import-file', { uploadId: up.uploadId, template, payType: 10012 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    const imported = await must<BatchImportDto>(
      as(desk, 'batches:import-file', { uploadId: up.uploadId, template, payType: 10012, currency: 'USD' }),
    );
    expect(imported).toMatchObject({ rows: 6_000, batch: { sourceFile: 'day.csv' } });
    expect(app.uploads.count()).toBe(0);
  });

  it('refuses chunks out of order, past the announced size, or an unfinished upload', async () => {
    const { uploadId } = await must<UploadDto>(
      as(desk, 'files:upload-start', { fileName: 'a.csv', size: 4 }),
    );
    const chunk = (offset: number, text: string) =>
      as(desk, 'files:upload-chunk', { uploadId, offset, content: Buffer.from(text).toString('base64') });
    expect(await chunk(1, 'ab')).toMatchObject({
      ok: false,
      error: { code: 'conflict', rule: 'upload-offset' },
    });
    expect(await chunk(0, 'ab')).toMatchObject({ ok: true, value: { bytes: 2 } });
    expect(await as(desk, 'batches:preview-file', { uploadId, template, currency: 'USD' })).toMatchObject({
      ok: false,
      error: { code: 'conflict', rule: 'upload-incomplete' },
    });
    expect(await chunk(2, 'cde')).toMatchObject({ ok: false, error: { code: 'validation' } });
    // An oversized chunk ends the upload: nothing of it is kept.
    expect(app.uploads.count()).toBe(0);
    expect(
      await as(desk, 'files:upload-start', { fileName: 'b', size: 512 * 1024 * 1024 + 1 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
  });

  it('works for every command that takes a file: hand-over batch files, reason codes and receivables', async () => {
    const created = await must<BatchDto>(
      as(desk, 'batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
    );
    const doc = await must<BatchFileDto>(as(desk, 'batches:export', { batchId: created.id }));
    await must(as(desk, 'batches:discard', { batchId: created.id }));
    const handover = await sendInChunks(desk, Buffer.from(JSON.stringify(doc)), 'handover.json');
    expect(await as(desk, 'batches:import-batch-file', { uploadId: handover.uploadId })).toMatchObject({
      ok: true,
      value: { status: 'open' },
    });

    const codes = await must<unknown>(as(desk, 'codes:export', { domainId: 15 }));
    const reasons = await sendInChunks(desk, Buffer.from(JSON.stringify(codes)), 'reasons.json');
    expect(await as(desk, 'codes:import', { uploadId: reasons.uploadId })).toMatchObject({
      ok: true,
      value: { added: 0 },
    });

    const accounts = await sendInChunks(
      desk,
      Buffer.from('account_no,name,status,currency,default_pay_type\nA9,Mia Wolf,active,USD,10001\n'),
      'accounts.csv',
    );
    expect(await as(desk, 'ar:import', { accountsUpload: { uploadId: accounts.uploadId } })).toMatchObject({
      ok: true,
    });
    expect(app.uploads.count()).toBe(0);
    // Each read is audited with the upload and the user's file name (no path of this machine).
    const reads = (
      app.ctx.ledger.sqlite
        .prepare(`SELECT entity_id AS command, after FROM audit_log WHERE action = 'file.read'`)
        .all() as {
        command: string;
        after: string;
      }[]
    ).map((r) => ({ command: r.command, fileName: (JSON.parse(r.after) as { fileName: string }).fileName }));
    expect(reads).toEqual([
      { command: 'batches:import-batch-file', fileName: 'handover.json' },
      { command: 'codes:import', fileName: 'reasons.json' },
      { command: 'ar:import', fileName: 'accounts.csv' },
    ]);
  });
});
