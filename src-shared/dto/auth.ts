import type { OperatorDto } from './app';

/** Where the caller stands: first run of a new ledger, signed out, signed in, or locked. */
export type AuthStatusDto = {
  /** True on a ledger with no operator who can sign in yet: the app offers to create the first admin. */
  firstRun: boolean;
  operator: OperatorDto | null;
  /** Signed in but locked (idle, OS lock, or by hand): only unlock or sign out are accepted. */
  locked: boolean;
  /** While locked: whose session it is (the lock screen names them, also after a reload). */
  lockedAs: OperatorDto | null;
  /** How the caller proved who they are. */
  via: 'password' | 'token' | 'in-process' | null;
  totpEnabled: boolean;
  /** Minutes without a command before the session locks (setting auth.idleLockMinutes; 0 = never). */
  idleLockMinutes: number;
};

/** The start of a TOTP enrolment: the secret as text, as an otpauth URI and as a QR code image. */
export type TotpEnrolmentDto = {
  secret: string;
  uri: string;
  /** data:image/svg+xml;base64,... (the renderer's CSP allows data: images). */
  qrDataUrl: string;
};

/** Recovery codes, shown once when a second factor is enabled (each works once instead of a code). */
export type RecoveryCodesDto = { recoveryCodes: string[] };

/** An API token as listed (never the secret). */
export type ApiTokenDto = {
  id: number;
  login: string;
  name: string;
  roles: string[];
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
};

/** A new API token: the only time its secret is shown. */
export type NewApiTokenDto = ApiTokenDto & { token: string };
