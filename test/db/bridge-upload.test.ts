import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { startBridge, type Bridge } from '../../src-main/bridge/server';
import { createUploadStore, UploadTooLarge } from '../../src-main/services/uploads';

type HttpReply = { status: number; body: string };

/** The bytes of a body as it is sent: a string, or chunks written one after another (chunked encoding). */
type Body = string | Buffer | { chunks: Buffer[]; between?: () => Promise<void> };

/** A raw HTTP call, so Host, Origin, Cookie and Content-Type can be anything. */
function http(
  bridge: Bridge,
  opts: { method?: string; path: string; body?: Body; headers?: Record<string, string> },
): Promise<HttpReply> {
  const base = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: base.hostname,
        port: base.port,
        path: opts.path,
        method: opts.method ?? 'POST',
        headers: opts.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    // A refused upload may close the connection while the body is still being written.
    req.on('error', (err) => reject(err));
    const body = opts.body;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    void (async () => {
      for (const [i, chunk] of body.chunks.entries()) {
        if (req.destroyed) return;
        req.write(chunk);
        if (i === 0 && body.between) await body.between();
      }
      req.end();
    })();
  });
}

/** A command's answer as the tests read it. */
type Answer = { ok: boolean; value?: { rows?: unknown[] }; error?: { code: string } };

const ALICE = { login: 'alice', password: 'Correct-Horse-41' };
const BOB = { login: 'bob', password: 'Battery-Staple-72' };
/** The cap this test's app enforces (the real one is 512 MiB; the behaviour is the same). */
const CAP = 8 * 1024 * 1024;

const template = {
  name: 'upload test',
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

/** A lockbox CSV of `rows` payments to the demo ledger's first accounts (about 95 bytes a row). */
function lockbox(rows: number): Buffer {
  const lines = ['Account Number,Payment Amount,Date,Check Number,Payer'];
  for (let i = 0; i < rows; i++)
    lines.push(
      `A${String(1 + (i % 40)).padStart(7, '0')},${(1 + (i % 500)).toFixed(2)},11/20/2026,${100000 + i},"Payer ${i % 97} Holdings and Trust Company of the Lockbox Ltd"`,
    );
  return Buffer.from(lines.join('\n') + '\n');
}

describe('bridge uploads', () => {
  let dir: string;
  let uploadsRoot: string;
  let app: App;
  let bridge: Bridge;
  let alice: string;
  let bob: string;

  /** Files on disk under the uploads folder (every process folder). */
  const filesOnDisk = (): string[] =>
    existsSync(uploadsRoot)
      ? readdirSync(uploadsRoot).flatMap((d) =>
          readdirSync(join(uploadsRoot, d)).map((f) => join(uploadsRoot, d, f)),
        )
      : [];
  const batchCount = (): number =>
    (app.ctx.ledger.sqlite.prepare('SELECT count(*) AS n FROM batches').get() as { n: number }).n;

  const launch = async (): Promise<string> => {
    const u = new URL(bridge.launchUrl());
    const r = await new Promise<string>((resolve, reject) => {
      const req = request(
        { hostname: u.hostname, port: u.port, path: u.pathname + u.search, method: 'GET' },
        (res) => {
          res.resume();
          resolve(String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!);
        },
      );
      req.on('error', reject);
      req.end();
    });
    return r;
  };
  const invoke = async (cookie: string, command: string, input: unknown): Promise<Answer> => {
    const r = await http(bridge, {
      path: `/__api/${command}`,
      body: JSON.stringify(input),
      headers: { cookie, 'content-type': 'application/json', origin: bridge.url },
    });
    return JSON.parse(r.body) as Answer;
  };
  const upload = (
    cookie: string | undefined,
    body: Body,
    headers: Record<string, string> = {},
    name = 'lockbox.csv',
  ) =>
    http(bridge, {
      path: `/__upload?name=${encodeURIComponent(name)}`,
      body,
      headers: {
        ...(cookie ? { cookie } : {}),
        'content-type': 'application/octet-stream',
        origin: bridge.url,
        ...headers,
      },
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paydesk-upload-'));
    uploadsRoot = join(dir, 'uploads');
    app = openApp({ file: join(dir, 'ledger.sqlite'), login: 'upload.tester', uploadsMaxBytes: CAP });
    expect((await app.dispatch('demo:load', { accounts: 50, seed: 2 })).ok).toBe(true);
    for (const [who, roles] of [
      [ALICE, ['admin']],
      [BOB, ['supervisor']],
    ] as const)
      expect(
        (
          await app.dispatch('operators:add', {
            login: who.login,
            name: who.login,
            roles,
            password: who.password,
          })
        ).ok,
      ).toBe(true);
    const staticDir = join(dir, 'static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Paydesk</title>');
    bridge = await startBridge({ app, staticDir });
    alice = await launch();
    bob = await launch();
    expect((await invoke(alice, 'auth:sign-in', ALICE)).ok).toBe(true);
    expect((await invoke(bob, 'auth:sign-in', BOB)).ok).toBe(true);
  });

  afterAll(async () => {
    await bridge?.close();
    app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams a file over the old 1 MiB cap to disk as it arrives, then imports it by upload id', async () => {
    const file = lockbox(36_000);
    expect(file.length).toBeGreaterThan(3 * 1024 * 1024);
    const half = Math.floor(file.length / 2);
    let seenWhileStreaming = 0;
    const r = await upload(alice, {
      chunks: [file.subarray(0, half), file.subarray(half)],
      // With half the body sent and the request still open, the first half is already on disk.
      between: async () => {
        for (let i = 0; i < 100 && seenWhileStreaming < half; i++) {
          seenWhileStreaming = Math.max(0, ...filesOnDisk().map((f) => statSync(f).size));
          if (seenWhileStreaming < half) await new Promise((res) => setTimeout(res, 20));
        }
      },
    });
    expect(seenWhileStreaming).toBe(half);
    expect(r.status).toBe(200);
    const answer = JSON.parse(r.body) as {
      ok: true;
      value: { uploadId: string; bytes: number; sha256: string; fileName: string };
    };
    expect(answer.value).toEqual({
      uploadId: expect.stringMatching(/^up_[0-9a-f]{32}$/),
      fileName: 'lockbox.csv',
      bytes: file.length,
      sha256: createHash('sha256').update(file).digest('hex'),
    });
    const { uploadId } = answer.value;

    const preview = await invoke(alice, 'batches:preview-file', {
      uploadId,
      template,
      currency: 'USD',
      previewRows: 3,
    });
    expect(preview).toMatchObject({ ok: true, value: { file: 'lockbox.csv', rowsWithProblems: 0 } });
    expect(preview.value?.rows).toHaveLength(3);
    // The preview keeps the upload for the import that follows.
    const imported = await invoke(alice, 'batches:import-file', {
      uploadId,
      template,
      payType: 10012,
      currency: 'USD',
    });
    expect(imported).toMatchObject({
      ok: true,
      value: { rows: 36_000, batch: { sourceFile: 'lockbox.csv' } },
    });
    // Used, so gone: from disk, and as an id.
    expect(filesOnDisk()).toEqual([]);
    expect(
      await invoke(alice, 'batches:import-file', {
        uploadId,
        template,
        payType: 10012,
        currency: 'USD',
        force: true,
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    // The read is audited with the upload's id and the user's file name.
    const audit = app.ctx.ledger.sqlite
      .prepare(
        `SELECT after FROM audit_log WHERE action = 'file.read' AND entity_id = 'batches:import-file' ORDER BY id DESC`,
      )
      .get() as { after: string };
    expect(JSON.parse(audit.after)).toMatchObject({
      upload: uploadId,
      fileName: 'lockbox.csv',
      size: file.length,
    });
  });

  it('refuses uploads without a session, from another origin or host, of another type or while signed out', async () => {
    const body = lockbox(100);
    const before = batchCount();
    expect((await upload(undefined, body)).status).toBe(403);
    expect((await upload(alice, body, { origin: 'http://127.0.0.1:9' })).status).toBe(403);
    expect((await upload(alice, body, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await upload(alice, body, { host: `localhost:${new URL(bridge.url).port}` })).status).toBe(403);
    expect((await upload(alice, body, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await upload(alice, body, { 'content-type': 'multipart/form-data; boundary=x' })).status).toBe(
      415,
    );
    expect(
      (
        await http(bridge, {
          method: 'GET',
          path: '/__upload',
          headers: { cookie: alice, origin: bridge.url },
        })
      ).status,
    ).toBe(405);
    const signedOut = await launch();
    const r = await upload(signedOut, body);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(filesOnDisk()).toEqual([]);
    expect(batchCount()).toBe(before);
  });

  it('refuses a file over the cap, announced or discovered while streaming, and keeps nothing of it', async () => {
    const big = Buffer.alloc(CAP + 1, 0x41);
    const announced = await upload(alice, big, { 'content-length': String(big.length) }).catch(() => null);
    // The refusal comes before the body is read (the connection may close while the client still writes).
    if (announced) expect(announced.status).toBe(413);
    const streamed = await upload(alice, { chunks: [big.subarray(0, CAP / 2), big.subarray(CAP / 2)] }).catch(
      () => null,
    );
    if (streamed) {
      expect(streamed.status).toBe(413);
      expect(JSON.parse(streamed.body)).toMatchObject({ ok: false, error: { code: 'validation' } });
    }
    expect(announced ?? streamed).not.toBeNull();
    expect(filesOnDisk()).toEqual([]);
    expect(app.uploads.count()).toBe(0);
    // Exactly the cap is fine.
    const ok = await upload(alice, big.subarray(0, CAP));
    expect(ok.status).toBe(200);
    const id = (JSON.parse(ok.body) as { value: { uploadId: string } }).value.uploadId;
    expect(await invoke(alice, 'files:upload-discard', { uploadId: id })).toMatchObject({
      ok: true,
      value: { discarded: true },
    });
    expect(filesOnDisk()).toEqual([]);
  });

  it("does not let one client use or discard another client's upload", async () => {
    const file = lockbox(200);
    const r = await upload(alice, file);
    const { uploadId } = (JSON.parse(r.body) as { value: { uploadId: string } }).value;
    const before = batchCount();
    for (const [command, input] of [
      ['batches:preview-file', { uploadId, template, currency: 'USD' }],
      ['batches:import-file', { uploadId, template, payType: 10012, currency: 'USD' }],
      ['batches:import-batch-file', { uploadId }],
      ['ar:import', { accountsUpload: { uploadId } }],
    ] as const) {
      const answer = await invoke(bob, command, input);
      expect(answer).toMatchObject({ ok: false, error: { code: 'not_found', entity: 'upload' } });
    }
    expect(await invoke(bob, 'codes:import', { uploadId })).toMatchObject({ ok: false });
    expect(await invoke(bob, 'files:upload-discard', { uploadId })).toMatchObject({
      ok: true,
      value: { discarded: false },
    });
    expect(batchCount()).toBe(before);
    expect(filesOnDisk()).toHaveLength(1);
    // A made-up id is refused by the schema; the owner still has the upload, and signing out... ends nothing,
    // but a new launch on the same cookie ends the session and deletes its uploads.
    expect(
      await invoke(alice, 'batches:preview-file', { uploadId: 'up_x', template, currency: 'USD' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    const u = new URL(bridge.launchUrl());
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers: { cookie: alice } },
        (res) => {
          res.resume();
          resolve();
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(filesOnDisk()).toEqual([]);
  });
});

describe('upload store', () => {
  it('keeps no file of an upload refused as too large, even one refused before its file was opened', async () => {
    const root = mkdtempSync(join(tmpdir(), 'paydesk-upload-store-'));
    try {
      const store = createUploadStore({ root, maxBytes: 100 });
      for (let i = 0; i < 20; i++) {
        // The second chunk passes the cap in the same turn as the first: the file's open is still pending then.
        await expect(
          store.receive('c1', Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), `x${i}`),
        ).rejects.toBeInstanceOf(UploadTooLarge);
      }
      await new Promise((r) => setTimeout(r, 50));
      const [own] = readdirSync(root);
      expect(own === undefined ? [] : readdirSync(join(root, own))).toEqual([]);
      store.close();
      expect(readdirSync(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('deletes uploads unused for too long, and what a process that is gone left behind', async () => {
    const root = mkdtempSync(join(tmpdir(), 'paydesk-upload-store-'));
    try {
      // A folder of a process that no longer runs (pid far above any real one) is swept at start.
      mkdirSync(join(root, 'p4194304999-deadbeef'));
      writeFileSync(join(root, 'p4194304999-deadbeef', 'up_0'), 'left over');
      let now = 1_000;
      const store = createUploadStore({ root, maxBytes: 100, idleMs: 60_000, nowMs: () => now });
      expect(existsSync(join(root, 'p4194304999-deadbeef'))).toBe(false);
      const up = await store.receive('c1', Readable.from([Buffer.from('hello')]), '../../etc/passwd');
      expect(up).toMatchObject({ fileName: 'passwd', bytes: 5 });
      expect(store.resolve('c1', up.uploadId).name).toBe('passwd');
      expect(() => store.resolve('c2', up.uploadId)).toThrow(/not found/);
      now += 60_001;
      expect(() => store.resolve('c1', up.uploadId)).toThrow(/not found/);
      expect(store.count()).toBe(0);
      await expect(
        store.receive('c1', Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), 'x'),
      ).rejects.toBeInstanceOf(UploadTooLarge);
      expect(store.count()).toBe(0);
      // Chunks: in order, no more than announced, usable only when complete.
      const c = store.begin('c1', 'chunked.csv', 8);
      expect(() => store.resolve('c1', c.uploadId)).toThrow(/not complete/);
      store.append('c1', c.uploadId, 0, Buffer.from('abcd'));
      expect(() => store.append('c1', c.uploadId, 0, Buffer.from('abcd'))).toThrow(/does not follow/);
      expect(() => store.append('c2', c.uploadId, 4, Buffer.from('efgh'))).toThrow(/not found/);
      expect(() => store.finish('c1', c.uploadId)).toThrow(/4 of 8/);
      store.append('c1', c.uploadId, 4, Buffer.from('efgh'));
      expect(store.finish('c1', c.uploadId)).toMatchObject({
        bytes: 8,
        sha256: createHash('sha256').update('abcdefgh').digest('hex'),
      });
      store.close();
      expect(readdirSync(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
