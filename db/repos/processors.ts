import { sql, type SQL } from 'drizzle-orm';
import type { ProcessorDto } from '../../src-shared/dto/processors';
import type { Tx } from '../storage/port';
import { binary, inList } from './dialect';

/**
 * Payment processor connections (issue #17): written once here for both databases. The admin commands run them
 * through the port (services/processors/config.ts); collection runs, confirmations, the CLI and the window's
 * frame-src still read synchronously and run the same queries through the driver (driverGet/driverAll).
 * The presenter secret only ever reaches these statements sealed (secret_enc) or as its display hint.
 */

/** The dialect a query is compiled for (the driver's sync callers pass `{ dialect: 'sqlite' }`). */
type On = Pick<Tx, 'dialect'>;

/** A processor row as stored (flags 0/1, the merchant accounts as the JSON text saved, the secret sealed). */
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

const SELECT = sql`SELECT id, name, kind, url, merchants_json AS "merchantsJson",
  online_timeout_ms AS "onlineTimeoutMs", batch_timeout_ms AS "batchTimeoutMs", connect_retries AS "connectRetries",
  heartbeat_sec AS "heartbeatSec", channel_id AS "channelId", secret_enc AS "secretEnc", secret_hint AS "secretHint",
  is_default AS "isDefault", health, last_heartbeat_at AS "lastHeartbeatAt", last_latency_ms AS "lastLatencyMs"
  FROM processors`;

/** Every processor, the default first, then by name (code-point order on both databases). */
export function processorsQuery(on: On): SQL {
  return sql`${SELECT} ORDER BY is_default DESC, ${binary(on, sql`name`)}`;
}

/** The processor with this name, or none. */
export function processorByNameQuery(name: string): SQL {
  return sql`${SELECT} WHERE name = ${name}`;
}

/** The default processor, else the first added, or none when no processor is set up. */
export function defaultProcessorQuery(): SQL {
  return sql`${SELECT} ORDER BY is_default DESC, id LIMIT 1`;
}

/** The processor with this id, or none. */
export function processorByIdQuery(id: number): SQL {
  return sql`${SELECT} WHERE id = ${id}`;
}

/** Every processor's URL, by id. */
export function processorUrlsQuery(): SQL {
  return sql`SELECT url FROM processors ORDER BY id`;
}

/** How many processors are set up (`n`). */
export function processorCountQuery(): SQL {
  return sql`SELECT count(*) AS n FROM processors`;
}

/** Which of the given currency codes are set up (`code`). */
export function knownCurrenciesQuery(on: On, codes: readonly string[]): SQL {
  return sql`SELECT code FROM currencies WHERE ${inList(on, sql`code`, codes)}`;
}

/** Takes the default flag from every processor (a new default is about to be saved). */
export function processorsClearDefaultQuery(): SQL {
  return sql`UPDATE processors SET is_default = 0 WHERE is_default <> 0`;
}

/** A processor's settings as saved: the secret sealed already, never in clear. */
export type ProcessorWrite = Pick<
  ProcessorRow,
  | 'name'
  | 'url'
  | 'merchantsJson'
  | 'onlineTimeoutMs'
  | 'batchTimeoutMs'
  | 'connectRetries'
  | 'heartbeatSec'
  | 'channelId'
  | 'secretEnc'
  | 'secretHint'
> & { isDefault: boolean; at: string };

/**
 * Adds a processor. A separate insert and update rather than one upsert: PostgreSQL's INSERT ... ON CONFLICT
 * draws an identity value even when it updates, so every save of a processor would leave a gap in the ids that
 * SQLite does not leave. A concurrent add of the same name is a conflict the serializable save retries.
 */
export function processorInsertQuery(p: ProcessorWrite): SQL {
  return sql`INSERT INTO processors (name, kind, url, merchants_json, online_timeout_ms, batch_timeout_ms,
      connect_retries, heartbeat_sec, channel_id, secret_enc, secret_hint, is_default, created_at, updated_at)
    VALUES (${p.name}, 'simulator', ${p.url}, ${p.merchantsJson}, ${p.onlineTimeoutMs}, ${p.batchTimeoutMs},
      ${p.connectRetries}, ${p.heartbeatSec}, ${p.channelId}, ${p.secretEnc}, ${p.secretHint}, ${p.isDefault ? 1 : 0},
      ${p.at}, ${p.at})`;
}

/** Replaces the settings of the processor with this name (its kind, creation time, health and heartbeat stay). */
export function processorUpdateQuery(p: ProcessorWrite): SQL {
  return sql`UPDATE processors SET url = ${p.url}, merchants_json = ${p.merchantsJson},
      online_timeout_ms = ${p.onlineTimeoutMs}, batch_timeout_ms = ${p.batchTimeoutMs},
      connect_retries = ${p.connectRetries}, heartbeat_sec = ${p.heartbeatSec}, channel_id = ${p.channelId},
      secret_enc = ${p.secretEnc}, secret_hint = ${p.secretHint}, is_default = ${p.isDefault ? 1 : 0},
      updated_at = ${p.at}
    WHERE name = ${p.name}`;
}

/**
 * Records a processor's health after a heartbeat or a run: a processor found down keeps the time it last
 * answered, and a check without a latency keeps the last one measured. Both choices are made here rather than in
 * SQL, so no parameter has to be typed by comparison on PostgreSQL.
 */
export function processorHealthQuery(
  id: number,
  health: ProcessorDto['health'],
  at: string,
  latencyMs: number | null,
): SQL {
  return sql`UPDATE processors SET health = ${health},
    last_heartbeat_at = ${health === 'down' ? sql`last_heartbeat_at` : sql`${at}`},
    last_latency_ms = ${latencyMs === null ? sql`last_latency_ms` : sql`${latencyMs}`}
    WHERE id = ${id}`;
}
