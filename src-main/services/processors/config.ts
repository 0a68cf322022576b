import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import {
  defaultProcessorQuery,
  knownCurrenciesQuery,
  processorByIdQuery,
  processorByNameQuery,
  processorCountQuery,
  processorHealthQuery,
  processorsClearDefaultQuery,
  processorInsertQuery,
  processorsQuery,
  processorUpdateQuery,
  processorUrlsQuery,
  type ProcessorRow,
} from '../../../db/repos/processors';
import type { Storage, Tx } from '../../../db/storage/port';
import { driverAll, driverGet, driverRun } from '../../../db/storage/sqlite';
import type { MerchantDto, ProcessorDto, ProcessorTestDto } from '../../../src-shared/dto/processors';
import type { PaymentProcessor } from '../../processors/port';
import {
  decryptSecret,
  encryptSecret,
  isLegacySecret,
  secretHint,
  secretKey,
} from '../../processors/secrets';
import { simulatorProcessor } from '../../processors/simulator-adapter';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { auditChangeIn } from '../admin/changes';

// Processor settings behind the storage seam (issue #17): the admin commands (list, save, test) run through the
// port on SQLite and PostgreSQL alike. Collection runs, confirmations, the CLI and the window's frame-src still
// read processors synchronously on the driver, with the same repository queries (db/repos/processors.ts).

export type { ProcessorRow };

const READ = { readOnly: true } as const;
// A save reads the row it replaces (its audit "before", its sealed secret) and the count that makes the first
// processor the default: two admins saving at once take turns rather than both becoming the default.
const WRITE = { serializable: true } as const;

/** The DTO of a processor row (no secret). */
export function processorDto(r: ProcessorRow): ProcessorDto {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    url: r.url,
    merchants: JSON.parse(r.merchantsJson) as Record<string, MerchantDto>,
    onlineTimeoutMs: r.onlineTimeoutMs,
    batchTimeoutMs: r.batchTimeoutMs,
    connectRetries: r.connectRetries,
    heartbeatSec: r.heartbeatSec,
    channelId: r.channelId,
    secretHint: r.secretHint,
    isDefault: r.isDefault === 1,
    health: r.health,
    lastHeartbeatAt: r.lastHeartbeatAt,
    lastLatencyMs: r.lastLatencyMs,
  };
}

/** The URL of every configured processor (their hosted card pages are the only pages the window may frame). */
export function processorUrls(db: Database.Database): string[] {
  return driverAll<{ url: string }>(db, processorUrlsQuery()).map((r) => r.url);
}

/** Every configured processor, default first, in the caller's transaction. */
export async function listProcessorsIn(tx: Tx): Promise<ProcessorDto[]> {
  return (await tx.all<ProcessorRow>(processorsQuery(tx))).map(processorDto);
}

/** Every configured processor, default first. */
export function listProcessors(storage: Storage): Promise<ProcessorDto[]> {
  return storage.transaction(listProcessorsIn, READ);
}

/** The row found for a name (or the default), or the refusal naming what to set up. */
function foundProcessor(row: ProcessorRow | undefined, name: string | undefined): ProcessorRow {
  if (!row) {
    if (name) throw notFound('processor', name);
    throw conflict('no-processor', 'no payment processor is set up; add one with `processor add`');
  }
  return row;
}

const findQuery = (name: string | undefined): SQL =>
  name ? processorByNameQuery(name) : defaultProcessorQuery();

/** The named processor, or the default one (the first added) when no name is given. */
export function findProcessor(db: Database.Database, name?: string): ProcessorRow {
  return foundProcessor(driverGet<ProcessorRow>(db, findQuery(name)), name);
}

/** The named processor, or the default one, in the caller's transaction. */
export async function findProcessorIn(tx: Tx, name?: string): Promise<ProcessorRow> {
  return foundProcessor(await tx.get<ProcessorRow>(findQuery(name)), name);
}

/** The processor row by id. */
export function processorById(db: Database.Database, id: number): ProcessorRow {
  const row = driverGet<ProcessorRow>(db, processorByIdQuery(id));
  if (!row) throw notFound('processor', String(id));
  return row;
}

/** Input of processors:save. */
export type SaveProcessorInput = {
  name: string;
  url: string;
  merchants: Record<string, MerchantDto>;
  onlineTimeoutMs?: number | undefined;
  batchTimeoutMs?: number | undefined;
  connectRetries?: number | undefined;
  heartbeatSec?: number | undefined;
  channelId?: number | undefined;
  secret?: string | undefined;
  isDefault?: boolean | undefined;
};

/** Refuses a URL that is not http(s). */
function checkUrl(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidFields('the processor URL is not valid', [{ path: 'url', message: 'not a URL' }]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidFields('the processor URL must be http or https', [
      { path: 'url', message: 'http or https' },
    ]);
}

/** Refuses the first merchant currency (in the order given) that is not set up. */
async function checkCurrencies(tx: Tx, merchants: Record<string, MerchantDto>): Promise<void> {
  const codes = Object.keys(merchants);
  if (codes.length === 0) return;
  const known = new Set((await tx.all<{ code: string }>(knownCurrenciesQuery(tx, codes))).map((r) => r.code));
  const unknown = codes.find((c) => !known.has(c));
  if (unknown !== undefined)
    throw invalidFields(`currency ${unknown} is not set up`, [
      { path: `merchants.${unknown}`, message: 'unknown currency' },
    ]);
}

/** Adds or updates a processor; the secret is encrypted before it touches the ledger or the audit log. */
export async function saveProcessor(
  storage: Storage,
  ledgerFile: string,
  input: SaveProcessorInput,
  now: Date,
  operatorId: number,
): Promise<ProcessorDto> {
  checkUrl(input.url);
  // A new secret is sealed before the transaction: deriving the key reads (or first writes) the key file and
  // costs ~0.1 s of scrypt once per process, neither of which belongs inside a transaction.
  const fresh = input.secret
    ? { enc: encryptSecret(secretKey(ledgerFile), input.secret), hint: secretHint(input.secret) }
    : null;
  const at = now.toISOString();
  return storage.transaction(async (tx) => {
    await checkCurrencies(tx, input.merchants);
    const existing = await tx.get<ProcessorRow>(processorByNameQuery(input.name));
    // A legacy secret is sealed again here, from the row this transaction read (once per processor, ever).
    const enc = fresh ? fresh.enc : resealed(existing?.secretEnc ?? null, ledgerFile);
    const hint = fresh ? fresh.hint : (existing?.secretHint ?? null);
    const count = (await tx.get<{ n: number }>(processorCountQuery()))?.n ?? 0;
    const isDefault = input.isDefault ?? (existing ? existing.isDefault === 1 : count === 0);
    if (isDefault) await tx.run(processorsClearDefaultQuery());
    const values = {
      url: input.url,
      merchantsJson: JSON.stringify(input.merchants),
      onlineTimeoutMs: input.onlineTimeoutMs ?? existing?.onlineTimeoutMs ?? 600_000,
      batchTimeoutMs: input.batchTimeoutMs ?? existing?.batchTimeoutMs ?? 600_000,
      connectRetries: input.connectRetries ?? existing?.connectRetries ?? 2,
      heartbeatSec: input.heartbeatSec ?? existing?.heartbeatSec ?? 120,
      channelId: input.channelId ?? existing?.channelId ?? 0,
    };
    const write = { name: input.name, ...values, secretEnc: enc, secretHint: hint, isDefault, at };
    await tx.run(existing ? processorUpdateQuery(write) : processorInsertQuery(write));
    // The audit row records that a secret changed, never the secret.
    await auditChangeIn(tx, now, operatorId, {
      action: existing ? 'processor.update' : 'processor.add',
      entity: 'processor',
      entityId: input.name,
      before: existing ? { ...processorDto(existing) } : undefined,
      after: { name: input.name, ...values, secretChanged: Boolean(input.secret), isDefault },
    });
    const saved = await tx.get<ProcessorRow>(processorByNameQuery(input.name));
    if (!saved) throw new Error(`processor ${input.name} was not saved`);
    return processorDto(saved);
  }, WRITE);
}

/**
 * A stored secret as it should be stored now: one sealed by an older version (single SHA-256 key) is sealed
 * again under the scrypt-derived key; one this key cannot open is kept as it is (the admin re-enters it).
 */
function resealed(enc: string | null, ledgerFile: string): string | null {
  if (enc === null || !isLegacySecret(enc)) return enc;
  const keys = secretKey(ledgerFile);
  try {
    return encryptSecret(keys, decryptSecret(keys, enc));
  } catch {
    return enc;
  }
}

/** The merchant account for a currency, or a conflict naming what to configure. */
export function merchantFor(row: ProcessorRow, currency: string): MerchantDto {
  const m = (JSON.parse(row.merchantsJson) as Record<string, MerchantDto>)[currency];
  if (!m) throw conflict('no-merchant', `processor ${row.name} has no merchant account for ${currency}`);
  return m;
}

/** Opens the port for a processor row (the secret is decrypted into memory only). */
export function connectProcessor(row: ProcessorRow, ledgerFile: string): PaymentProcessor {
  return simulatorProcessor({
    url: row.url,
    onlineTimeoutMs: row.onlineTimeoutMs,
    batchTimeoutMs: row.batchTimeoutMs,
    connectRetries: row.connectRetries,
    secret: row.secretEnc ? decryptSecret(secretKey(ledgerFile), row.secretEnc) : null,
  });
}

/** Records a processor's health after a run (collection runs still write through the driver). */
export function recordHealth(
  db: Database.Database,
  processorId: number,
  health: ProcessorDto['health'],
  at: string,
  latencyMs: number | null,
): void {
  driverRun(db, processorHealthQuery(processorId, health, at, latencyMs));
}

/** Records a processor's health in the caller's transaction. */
export async function recordHealthIn(
  tx: Tx,
  processorId: number,
  health: ProcessorDto['health'],
  at: string,
  latencyMs: number | null,
): Promise<void> {
  await tx.run(processorHealthQuery(processorId, health, at, latencyMs));
}

/**
 * Sends a heartbeat and records the processor's health: up, degraded (slow), or down. The row is read in one
 * transaction and the health recorded in another: no transaction stays open while the processor is asked (up to
 * its timeouts and retries), which would hold the desktop's one connection and the write lock meanwhile.
 */
export async function testProcessor(
  storage: Storage,
  ledgerFile: string,
  name: string | undefined,
  now: () => Date,
): Promise<ProcessorTestDto> {
  const row = await storage.transaction((tx) => findProcessorIn(tx, name), READ);
  const port = connectProcessor(row, ledgerFile);
  let result: ProcessorTestDto;
  try {
    const hb = await port.heartbeat();
    const health = !hb.ok ? 'down' : hb.latencyMs > 2000 ? 'degraded' : 'up';
    result = {
      processor: row.name,
      ok: hb.ok,
      health,
      latencyMs: hb.latencyMs,
      message: hb.ok ? `heartbeat answered in ${hb.latencyMs} ms` : 'heartbeat not acknowledged',
      at: now().toISOString(),
    };
  } catch (err) {
    result = {
      processor: row.name,
      ok: false,
      health: 'down',
      latencyMs: null,
      message: err instanceof Error ? err.message : String(err),
      at: now().toISOString(),
    };
  }
  const { health, at, latencyMs } = result;
  await storage.transaction((tx) => recordHealthIn(tx, row.id, health, at, latencyMs));
  return result;
}
