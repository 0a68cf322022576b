import type Database from 'better-sqlite3';
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
import { writeAudit } from '../../ledger/audit';
import { conflict, invalidFields, notFound } from '../../ledger/errors';

/** A processor row as stored. */
export type ProcessorRow = {
  id: number;
  name: string;
  kind: 'simulator';
  url: string;
  merchantsJson: string;
  onlineTimeoutMs: number;
  batchTimeoutMs: number;
  connectRetries: number;
  heartbeatSec: number;
  channelId: number;
  secretEnc: string | null;
  secretHint: string | null;
  isDefault: number;
  health: ProcessorDto['health'];
  lastHeartbeatAt: string | null;
  lastLatencyMs: number | null;
};

const SELECT = `SELECT id, name, kind, url, merchants_json AS merchantsJson, online_timeout_ms AS onlineTimeoutMs,
  batch_timeout_ms AS batchTimeoutMs, connect_retries AS connectRetries, heartbeat_sec AS heartbeatSec,
  channel_id AS channelId, secret_enc AS secretEnc, secret_hint AS secretHint, is_default AS isDefault, health,
  last_heartbeat_at AS lastHeartbeatAt, last_latency_ms AS lastLatencyMs FROM processors`;

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
  return db.prepare('SELECT url FROM processors ORDER BY id').pluck().all() as string[];
}

/** Every configured processor, default first. */
export function listProcessors(db: Database.Database): ProcessorDto[] {
  return (db.prepare(`${SELECT} ORDER BY is_default DESC, name`).all() as ProcessorRow[]).map(processorDto);
}

/** The named processor, or the default one (the first added) when no name is given. */
export function findProcessor(db: Database.Database, name?: string): ProcessorRow {
  const row = name
    ? (db.prepare(`${SELECT} WHERE name = ?`).get(name) as ProcessorRow | undefined)
    : (db.prepare(`${SELECT} ORDER BY is_default DESC, id LIMIT 1`).get() as ProcessorRow | undefined);
  if (!row) {
    if (name) throw notFound('processor', name);
    throw conflict('no-processor', 'no payment processor is set up; add one with `processor add`');
  }
  return row;
}

/** The processor row by id. */
export function processorById(db: Database.Database, id: number): ProcessorRow {
  const row = db.prepare(`${SELECT} WHERE id = ?`).get(id) as ProcessorRow | undefined;
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

/** Adds or updates a processor; the secret is encrypted before it touches the ledger or the audit log. */
export function saveProcessor(
  db: Database.Database,
  ledgerFile: string,
  input: SaveProcessorInput,
  now: Date,
  operatorId: number,
): ProcessorDto {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw invalidFields('the processor URL is not valid', [{ path: 'url', message: 'not a URL' }]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidFields('the processor URL must be http or https', [
      { path: 'url', message: 'http or https' },
    ]);
  for (const cur of Object.keys(input.merchants)) {
    const known = db.prepare('SELECT 1 FROM currencies WHERE code = ?').get(cur);
    if (!known)
      throw invalidFields(`currency ${cur} is not set up`, [
        { path: `merchants.${cur}`, message: 'unknown currency' },
      ]);
  }
  const at = now.toISOString();
  const existing = db.prepare(`${SELECT} WHERE name = ?`).get(input.name) as ProcessorRow | undefined;
  const enc = input.secret
    ? encryptSecret(secretKey(ledgerFile), input.secret)
    : resealed(existing?.secretEnc ?? null, ledgerFile);
  const hint = input.secret ? secretHint(input.secret) : (existing?.secretHint ?? null);
  return db.transaction(() => {
    const count = (db.prepare('SELECT count(*) AS n FROM processors').get() as { n: number }).n;
    const isDefault = input.isDefault ?? (existing ? existing.isDefault === 1 : count === 0);
    if (isDefault) db.prepare('UPDATE processors SET is_default = 0').run();
    const values = {
      url: input.url,
      merchantsJson: JSON.stringify(input.merchants),
      onlineTimeoutMs: input.onlineTimeoutMs ?? existing?.onlineTimeoutMs ?? 600_000,
      batchTimeoutMs: input.batchTimeoutMs ?? existing?.batchTimeoutMs ?? 600_000,
      connectRetries: input.connectRetries ?? existing?.connectRetries ?? 2,
      heartbeatSec: input.heartbeatSec ?? existing?.heartbeatSec ?? 120,
      channelId: input.channelId ?? existing?.channelId ?? 0,
    };
    if (existing) {
      db.prepare(
        `UPDATE processors SET url = ?, merchants_json = ?, online_timeout_ms = ?, batch_timeout_ms = ?, connect_retries = ?,
           heartbeat_sec = ?, channel_id = ?, secret_enc = ?, secret_hint = ?, is_default = ?, updated_at = ? WHERE id = ?`,
      ).run(
        values.url,
        values.merchantsJson,
        values.onlineTimeoutMs,
        values.batchTimeoutMs,
        values.connectRetries,
        values.heartbeatSec,
        values.channelId,
        enc,
        hint,
        isDefault ? 1 : 0,
        at,
        existing.id,
      );
    } else {
      db.prepare(
        `INSERT INTO processors (name, kind, url, merchants_json, online_timeout_ms, batch_timeout_ms, connect_retries, heartbeat_sec,
           channel_id, secret_enc, secret_hint, is_default, created_at, updated_at) VALUES (?, 'simulator', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        input.name,
        values.url,
        values.merchantsJson,
        values.onlineTimeoutMs,
        values.batchTimeoutMs,
        values.connectRetries,
        values.heartbeatSec,
        values.channelId,
        enc,
        hint,
        isDefault ? 1 : 0,
        at,
        at,
      );
    }
    // The audit row records that a secret changed, never the secret.
    writeAudit(db, {
      at,
      operatorId,
      action: existing ? 'processor.update' : 'processor.add',
      entity: 'processor',
      entityId: input.name,
      before: existing ? { ...processorDto(existing) } : undefined,
      after: { name: input.name, ...values, secretChanged: Boolean(input.secret), isDefault },
    });
    return processorDto(db.prepare(`${SELECT} WHERE name = ?`).get(input.name) as ProcessorRow);
  })();
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

/** Records a processor's health after a heartbeat or a run. */
export function recordHealth(
  db: Database.Database,
  processorId: number,
  health: ProcessorDto['health'],
  at: string,
  latencyMs: number | null,
): void {
  db.prepare(
    `UPDATE processors SET health = ?, last_heartbeat_at = CASE WHEN ? = 'down' THEN last_heartbeat_at ELSE ? END,
       last_latency_ms = coalesce(?, last_latency_ms) WHERE id = ?`,
  ).run(health, health, at, latencyMs, processorId);
}

/** Sends a heartbeat and records the processor's health: up, degraded (slow), or down. */
export async function testProcessor(
  db: Database.Database,
  ledgerFile: string,
  name: string | undefined,
  now: () => Date,
): Promise<ProcessorTestDto> {
  const row = findProcessor(db, name);
  const port = connectProcessor(row, ledgerFile);
  try {
    const hb = await port.heartbeat();
    const health = !hb.ok ? 'down' : hb.latencyMs > 2000 ? 'degraded' : 'up';
    const at = now().toISOString();
    recordHealth(db, row.id, health, at, hb.latencyMs);
    return {
      processor: row.name,
      ok: hb.ok,
      health,
      latencyMs: hb.latencyMs,
      message: hb.ok ? `heartbeat answered in ${hb.latencyMs} ms` : 'heartbeat not acknowledged',
      at,
    };
  } catch (err) {
    const at = now().toISOString();
    recordHealth(db, row.id, 'down', at, null);
    return {
      processor: row.name,
      ok: false,
      health: 'down',
      latencyMs: null,
      message: err instanceof Error ? err.message : String(err),
      at,
    };
  }
}
