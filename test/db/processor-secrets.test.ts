import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decryptSecret, secretKey } from '../../src-main/processors/secrets';
import { freshApp } from '../helpers/ledger';

// Issue #12: processor secrets sealed under the old key derivation (one SHA-256) stay readable, and move to the
// scrypt-derived, versioned format on the processor's next save; the window's frame-src follows the processors.

type TestApp = ReturnType<typeof freshApp>;
let app: TestApp;
const saved = process.env.PAYDESK_SECRET_KEY;
beforeEach(() => {
  delete process.env.PAYDESK_SECRET_KEY;
  app = freshApp();
});
afterEach(() => {
  app.dispose();
  if (saved === undefined) delete process.env.PAYDESK_SECRET_KEY;
  else process.env.PAYDESK_SECRET_KEY = saved;
});

const processor = {
  name: 'sim',
  url: 'http://127.0.0.1:4010',
  merchants: { USD: { merchant: 'Desk', mid: '1234' } },
};

function storedSecret(): string {
  return app.ctx.ledger.sqlite
    .prepare(`SELECT secret_enc FROM processors WHERE name = 'sim'`)
    .pluck()
    .get() as string;
}

describe('sealed processor secrets', () => {
  it('are written as v2 (scrypt) and a legacy (SHA-256) one is sealed again on the next save', async () => {
    expect(
      await app.dispatch('processors:save', { ...processor, secret: 'merchant-password' }),
    ).toMatchObject({
      ok: true,
    });
    expect(storedSecret().startsWith('v2:')).toBe(true);

    // What an older version stored: base64(iv | tag | ciphertext) under sha256(key file contents).
    const material = readFileSync(`${app.file}.key`, 'utf8').trim();
    const oldKey = createHash('sha256').update(material).digest();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', oldKey, iv);
    const body = Buffer.concat([cipher.update('old-password', 'utf8'), cipher.final()]);
    const legacy = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    app.ctx.ledger.sqlite.prepare(`UPDATE processors SET secret_enc = ? WHERE name = 'sim'`).run(legacy);
    expect(decryptSecret(secretKey(app.file), storedSecret())).toBe('old-password');

    // A save that does not change the secret re-seals it under the new derivation.
    expect(await app.dispatch('processors:save', { ...processor, heartbeatSec: 60 })).toMatchObject({
      ok: true,
    });
    expect(storedSecret().startsWith('v2:')).toBe(true);
    expect(decryptSecret(secretKey(app.file), storedSecret())).toBe('old-password');
  });

  it('saving a processor tells the window (ledger:changed "processors") to recompute its frame-src', async () => {
    const seen: unknown[] = [];
    app.subscribe((event, payload) => seen.push([event, payload]));
    await app.dispatch('processors:save', processor);
    expect(seen).toContainEqual(['ledger:changed', { what: 'processors' }]);
  });
});
