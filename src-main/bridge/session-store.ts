import { serverSessions, type ServerSessionRow } from '../../db/repos/server-sessions';
import type { Storage } from '../../db/storage/port';
import type { ServerResponse } from 'node:http';
import type { Client, Door, Principal } from '../services/identity/client';

/**
 * Where the team server keeps its signed-in sessions so a restart signs nobody out (issue #17): the storage
 * seam's server_sessions. Writes go out in order and never hold up a request; a failed write is logged and the
 * session goes on in memory (it would then not survive a restart).
 */
export type SessionStore = {
  alive: (kind: ServerSessionRow['kind'], nowMs: number, idleMs: number) => Promise<ServerSessionRow[]>;
  put: (row: ServerSessionRow) => void;
  remove: (key: string) => void;
  /** Resolves when every write asked for so far is done. */
  flush: () => Promise<void>;
};

export function createSessionStore(storage: Storage, onError: (err: unknown) => void): SessionStore {
  let writes: Promise<void> = Promise.resolve();
  const write = (fn: Parameters<Storage['transaction']>[0]): void => {
    writes = writes
      .then(() => storage.transaction(fn))
      .then(
        () => undefined,
        (err: unknown) => onError(err),
      );
  };
  return {
    alive: (kind, nowMs, idleMs) =>
      storage.transaction((tx) => serverSessions.alive(tx, kind, nowMs, idleMs)),
    put: (row) => write((tx) => serverSessions.put(tx, row)),
    remove: (key) => write((tx) => serverSessions.remove(tx, key)),
    flush: () => writes,
  };
}

/** A session's last-seen time is written at most this often (it is only for the idle limit after a restart). */
const SEEN_EVERY_MS = 60_000;

/** What a kept session needs of the in-memory one. */
export type KeptSession = {
  client: Client;
  lastSeenMs: number;
  createdAtMs: number;
  expiresAtMs: number | null;
  /** What the store holds for it, when it holds it. */
  kept?: { operatorId: number; locked: boolean; lastSeenMs: number };
};

/**
 * Keeps one kind of session in the store in step with its client: written when a password sign-in makes it
 * signed in, when it locks or unlocks, and now and then as it is used; removed when it signs out or ends.
 * Only password sessions are kept (a token is checked on every call anyway).
 */
export function sessionKeeper(store: SessionStore | undefined, kind: ServerSessionRow['kind']) {
  const forget = (key: string, s: KeptSession): void => {
    if (!store || !s.kept) return;
    store.remove(key);
    delete s.kept;
  };
  const sync = (key: string, s: KeptSession): void => {
    if (!store) return;
    const p = s.client.principal;
    if (!p || p.via !== 'password') return forget(key, s);
    const now = { operatorId: p.operator.id, locked: s.client.locked, lastSeenMs: s.lastSeenMs };
    const was = s.kept;
    if (
      was &&
      was.operatorId === now.operatorId &&
      was.locked === now.locked &&
      now.lastSeenMs - was.lastSeenMs < SEEN_EVERY_MS
    )
      return;
    store.put({ key, kind, ...now, createdAtMs: s.createdAtMs, expiresAtMs: s.expiresAtMs });
    s.kept = now;
  };
  return { sync, forget };
}

/** How a server keeps its sessions: the store, the sessions it held at start, how an operator signs in again. */
export type KeepOptions = {
  store: SessionStore;
  restored: readonly ServerSessionRow[];
  principalOf: (operatorId: number) => Principal | null;
};

/**
 * The kept sessions signed in again as their operators, with an event-stream set each; a session whose operator
 * is gone is removed from the store.
 */
export function restoreKept(
  keep: KeepOptions | undefined,
  openClient: (door: Door) => Client,
  door: Door,
): [string, KeptSession & { streams: Set<ServerResponse> }][] {
  const out: [string, KeptSession & { streams: Set<ServerResponse> }][] = [];
  for (const row of keep?.restored ?? []) {
    const principal = keep!.principalOf(row.operatorId);
    if (!principal) {
      keep!.store.remove(row.key);
      continue;
    }
    const client = openClient(door);
    client.principal = principal;
    client.locked = row.locked;
    client.lastSeenMs = row.lastSeenMs;
    out.push([
      row.key,
      {
        client,
        lastSeenMs: row.lastSeenMs,
        createdAtMs: row.createdAtMs,
        expiresAtMs: row.expiresAtMs,
        kept: { operatorId: row.operatorId, locked: row.locked, lastSeenMs: row.lastSeenMs },
        streams: new Set(),
      },
    ]);
  }
  return out;
}
