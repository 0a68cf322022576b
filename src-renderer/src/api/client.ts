import type {
  CommandInput,
  CommandName,
  CommandOutput,
  EventName,
  EventPayloads,
  PaydeskApi,
} from '../../../src-shared/api/contract';
import type { AppError } from '../../../src-shared/api/result';

declare global {
  // Declaration merging onto the DOM's Window needs an interface.
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  interface Window {
    /** Exposed by the preload in Electron, or by the bridge shim in tests and dev mode. */
    readonly api?: PaydeskApi;
  }
}

/** A failed command, carrying the AppError the service returned. */
export class ApiCallError extends Error {
  readonly error: AppError;
  readonly command: CommandName;

  constructor(command: CommandName, error: AppError) {
    super(error.message);
    this.name = 'ApiCallError';
    this.command = command;
    this.error = error;
  }
}

const missingApi: AppError = {
  code: 'internal',
  message: 'Paydesk cannot reach its service (window.api is missing).',
  correlationId: 'no-api',
};

/** True when the page was started with a preload or shim that provides window.api. */
export function hasApi(): boolean {
  return window.api !== undefined;
}

/** Why a command was refused for want of a (valid, unlocked) sign-in. */
export type UnauthenticatedReason = NonNullable<Extract<AppError, { code: 'unauthenticated' }>['reason']>;

/**
 * Commands whose unauthenticated answers are about what was typed in a form (a wrong password or code), not
 * about the session, so they do not send the app to the sign-in or lock screen.
 */
const CREDENTIAL_FORMS: ReadonlySet<CommandName> = new Set<CommandName>([
  'auth:sign-in',
  'auth:unlock',
  'auth:first-admin',
  'auth:change-password',
  'auth:totp-enable',
  'auth:totp-disable',
]);

const sessionListeners = new Set<(reason: UnauthenticatedReason, message: string) => void>();

/**
 * Subscribes to session refusals: any command answering unauthenticated (locked, signed out, operator locked
 * or deactivated) outside the credential forms. The auth gate uses it to show the lock or sign-in screen.
 */
export function onSessionRefused(
  listener: (reason: UnauthenticatedReason, message: string) => void,
): () => void {
  sessionListeners.add(listener);
  return () => sessionListeners.delete(listener);
}

/** Calls a command and returns its value; throws ApiCallError with the AppError on failure. */
export async function call<K extends CommandName>(
  command: K,
  input: CommandInput<K>,
): Promise<CommandOutput<K>> {
  const api = window.api;
  if (!api) throw new ApiCallError(command, missingApi);
  const result = await api.invoke(command, input);
  if (!result.ok) {
    const error = result.error;
    if (error.code === 'unauthenticated' && !CREDENTIAL_FORMS.has(command))
      for (const l of sessionListeners) l(error.reason ?? 'sign_in', error.message);
    throw new ApiCallError(command, error);
  }
  return result.value;
}

/** The reason of an unauthenticated failure, or null for any other error. */
export function unauthenticatedReason(err: unknown): UnauthenticatedReason | null {
  if (err instanceof ApiCallError && err.error.code === 'unauthenticated')
    return err.error.reason ?? 'sign_in';
  return null;
}

/** Subscribes to a main-process event; returns the unsubscribe function. */
export function onEvent<E extends EventName>(
  event: E,
  listener: (payload: EventPayloads[E]) => void,
): () => void {
  const api = window.api;
  if (!api) return () => {};
  return api.on(event, listener);
}

/** A message fit for the user from anything a call may throw. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiCallError && err.error.code === 'approval_required') {
    // The operation was stored, not refused: say who has to act, and where (the Approvals area).
    const e = err.error;
    return e.requirement === 'four_eyes'
      ? `Sent for approval #${e.approvalId}: ${/^[aeiou]/.test(e.role ?? 's') ? 'an' : 'a'} ${e.role ?? 'supervisor'} must approve it in Approvals before it runs.`
      : `Sent for approval #${e.approvalId}: confirm it with your authenticator code in Approvals.`;
  }
  if (err instanceof ApiCallError) return err.error.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
