import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Role } from '../../../src-shared/api/roles';
import type { OperatorDto } from '../../../src-shared/dto/app';

/**
 * Which front door a call came through; paths to files on this machine are a CLI-only convenience. 'server' is
 * the team server (`paydesk server`): its browser pages and API callers name no paths on the server's machine.
 */
export type Door = 'ipc' | 'cli' | 'bridge' | 'server' | 'in-process';

/**
 * Who is acting, as proven at a front door: a password (plus second factor) sign-in, an API token, or the
 * trusted in-process caller (tests and the worker, which already hold the ledger file).
 */
export type Principal = {
  /** The operator as of the last check (roles refreshed on every command, narrowed by a token's scope). */
  operator: OperatorDto;
  via: 'password' | 'token' | 'in-process';
  /** API tokens are scoped: the operator's roles are narrowed to these. */
  scope?: readonly Role[];
  tokenId?: number;
};

/**
 * One caller of the services: a desktop window, a browser page behind the bridge, one CLI process. Sign-in
 * sets the principal, sign-out clears it; a locked client keeps its principal but may only unlock.
 */
export type Client = {
  id: string;
  door: Door;
  principal: Principal | null;
  locked: boolean;
  /** Date.now() of the last command, for the idle lock (wall time, not the ledger clock). */
  lastSeenMs: number;
};

/** A new client with nobody signed in. */
export function newClient(door: Door, principal: Principal | null = null): Client {
  return { id: randomUUID(), door, principal, locked: false, lastSeenMs: Date.now() };
}

const current = new AsyncLocalStorage<Client>();

/** Runs fn (and everything it awaits) as a call of this client. */
export function withClient<T>(client: Client, fn: () => T): T {
  return current.run(client, fn);
}

/** The client of the call being served, if any. */
export function currentClient(): Client | undefined {
  return current.getStore();
}

/** The front door of the call being served ('in-process' outside any dispatch). */
export function currentDoor(): Door {
  return current.getStore()?.door ?? 'in-process';
}
