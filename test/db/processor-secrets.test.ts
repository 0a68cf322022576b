import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decryptSecret, secretKey } from '../../src-main/processors/secrets';
import { APPS, type TestApp } from '../helpers/apps';

// Issue #12: processor secrets sealed under the old key derivation (one SHA-256) stay readable, and move to the
// scrypt-derived, versioned format on the processor's next save; the window's frame-src follows the processors.
// Issue #17: on a SQLite file (its key file beside the ledger) and on PostgreSQL (the key file in the server's
// home), both sealed and re-sealed by the same save on the port.

let app: TestApp;
const saved = process.env.PAYDESK_SECRET_KEY;

const processor = {
  name: 'sim',
  url: 'http://127.0.0.1:4010',
  merchants: { USD: { merchant: 'Desk', mid: '1234' } },
};

async function storedSecret(): Promise<string> {
  const row = await app.get<{ s: string }>(sql`SELECT secret_enc AS s FROM processors WHERE name = 'sim'`);
  return row!.s;
}

describe.each(APPS.filter((r) => r.available))('sealed processor secrets ($dialect)', ({ open }) => {
  beforeEach(async () => {
    // The key comes from the key file the ledger's place gets on first use, not from the environment.
    delete process.env.PAYDESK_SECRET_KEY;
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
  });
  afterEach(async () => {
    await app.dispose();
    if (saved === undefined) delete process.env.PAYDESK_SECRET_KEY;
    else process.env.PAYDESK_SECRET_KEY = saved;
  });

  it('are written as v2 (scrypt) and a legacy (SHA-256) one is sealed again on the next save', async () => {
    const place = app.ctx.ledger.file;
    expect(
      await app.dispatch('processors:save', { ...processor, secret: 'merchant-password' }),
    ).toMatchObject({
      ok: true,
    });
    expect((await storedSecret()).startsWith('v2:')).toBe(true);

    // What an older version stored: base64(iv | tag | ciphertext) under sha256(key file contents).
    const material = readFileSync(`${place}.key`, 'utf8').trim();
    const oldKey = createHash('sha256').update(material).digest();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', oldKey, iv);
    const body = Buffer.concat([cipher.update('old-password', 'utf8'), cipher.final()]);
    const legacy = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    await app.ctx.storage.transaction((tx) =>
      tx.run(sql`UPDATE processors SET secret_enc = ${legacy} WHERE name = 'sim'`),
    );
    expect(decryptSecret(secretKey(place), await storedSecret())).toBe('old-password');

    // A save that does not change the secret re-seals it under the new derivation.
    expect(await app.dispatch('processors:save', { ...processor, heartbeatSec: 60 })).toMatchObject({
      ok: true,
    });
    expect((await storedSecret()).startsWith('v2:')).toBe(true);
    expect(decryptSecret(secretKey(place), await storedSecret())).toBe('old-password');
  });

  it('saving a processor tells the window (ledger:changed "processors") to recompute its frame-src', async () => {
    const seen: unknown[] = [];
    app.subscribe((event, payload) => seen.push([event, payload]));
    await app.dispatch('processors:save', processor);
    expect(seen).toContainEqual(['ledger:changed', { what: 'processors' }]);
  });
});
