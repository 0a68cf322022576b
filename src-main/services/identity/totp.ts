import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { TotpEnrolmentDto } from '../../../src-shared/dto/auth';

/** RFC 6238 with what every authenticator app reads: SHA-1, 6 digits, 30 seconds. */
function totpFor(secretBase32: string, login: string): TOTP {
  return new TOTP({
    issuer: 'Paydesk',
    label: login,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A fresh 160-bit secret in base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The secret as text, otpauth URI and QR code. */
export async function enrolment(secretBase32: string, login: string): Promise<TotpEnrolmentDto> {
  const uri = totpFor(secretBase32, login).toString();
  // Loaded on first use: only enrolment draws a QR code, and the CLI starts faster without it.
  const QRCode = (await import('qrcode')).default;
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return {
    secret: secretBase32,
    uri,
    qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
  };
}

/** The 30-second step a valid code belongs to (one step either side of `now` for clock drift), or null. */
export function totpStep(secretBase32: string, login: string, code: string, now: Date): number | null {
  const delta = totpFor(secretBase32, login).validate({ token: code, timestamp: now.getTime(), window: 1 });
  return delta === null ? null : Math.floor(now.getTime() / 30_000) + delta;
}

/** True when the code is valid at `now`, one 30-second step either side for clock drift. */
export function totpValid(secretBase32: string, login: string, code: string, now: Date): boolean {
  return totpStep(secretBase32, login, code, now) !== null;
}

/** The code at a time (tests and the e2e test compute codes from the shared secret like an app would). */
export function totpCode(secretBase32: string, now: Date): string {
  return totpFor(secretBase32, 'x').generate({ timestamp: now.getTime() });
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten one-use recovery codes, xxxx-xxxx-xxxx (about 60 bits each). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: 10 }, () => {
    const bytes = randomBytes(12);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

/** How a recovery code (or a token secret) is stored: sha256 hex of the normalised text. */
export function secretDigest(text: string): string {
  return createHash('sha256').update(text.trim().toLowerCase()).digest('hex');
}
