import type Database from 'better-sqlite3';
import type {
  DailySummaryDto,
  ProcessorTxnPageDto,
  RecoveryResultDto,
  RecoverySummaryDto,
} from '../../../src-shared/dto/processors';
import { addDays, isoDate } from '../../domain/dates';
import {
  ProcessorTransportError,
  resultName,
  type PaymentProcessor,
  type ProcessorReply,
} from '../../processors/port';
import { writeAudit } from '../../ledger/audit';
import { connectProcessor, processorById } from './config';
import { groupAmounts } from './collect';
import { postRefundTxn } from './refunds';
import { postSettled, recordReplies, requestItemOf, txnDto } from './txns';
import {
  recoveryCountQuery,
  recoveryPageQuery,
  runTxnCountQuery,
  runTxnPageQuery,
  type TxnRow,
} from '../../../db/repos/processor-txns';
import type { Storage } from '../../../db/storage/port';
import { driverAll, driverGet } from '../../../db/storage/sqlite';

/** Checkpoint command types as pin_clean names them (DOMAIN.md §3.3). */
export const COMMAND_LABELS: Readonly<Record<string, string>> = {
  verify: 'PIN_CHARGE_CMD_VERIFY',
  auth: 'PIN_CHARGE_CMD_AUTH_ONLY',
  condition: 'PIN_CHARGE_CMD_CONDITION',
  deposit: 'PIN_CHARGE_CMD_DEPOSIT',
  refund: 'PIN_CHARGE_CMD_REFUND',
};

const ORDER = ['verify', 'auth', 'condition', 'deposit', 'refund'];

/** Open checkpoints (999) and charged-but-unposted records (1000+) by command type (pin_clean -summary). */
export function recoverySummary(db: Database.Database): RecoverySummaryDto {
  const open = groupAmounts(
    db
      .prepare(
        `SELECT command, currency, count(*) AS count, sum(amount_minor) AS amountMinor, min(created_at) AS oldest
         FROM processor_txns WHERE result = 999 GROUP BY command, currency ORDER BY command, currency`,
      )
      .all() as { command: string; currency: string; count: number; amountMinor: number; oldest: string }[],
    (r) => r.command,
  );
  const unposted = groupAmounts(
    db
      .prepare(
        `SELECT command, currency, count(*) AS count, sum(amount_minor) AS amountMinor FROM processor_txns
         WHERE result >= 1000 GROUP BY command, currency ORDER BY command, currency`,
      )
      .all() as { command: string; currency: string; count: number; amountMinor: number }[],
    (r) => r.command,
  );
  return {
    open: ORDER.map((command) => {
      const r = open.find((o) => o.key === command);
      return {
        command,
        label: COMMAND_LABELS[command]!,
        count: r?.count ?? 0,
        amounts: r?.amounts ?? [],
        oldest: r
          ? (
              db
                .prepare(`SELECT min(created_at) AS m FROM processor_txns WHERE result = 999 AND command = ?`)
                .get(command) as { m: string }
            ).m
          : null,
      };
    }),
    unposted: unposted
      .sort((a, b) => ORDER.indexOf(a.key) - ORDER.indexOf(b.key))
      .map((u) => ({ command: u.key, label: COMMAND_LABELS[u.key]!, count: u.count, amounts: u.amounts })),
    totalOpen: open.reduce((s, o) => s + o.count, 0),
    totalUnposted: unposted.reduce((s, o) => s + o.count, 0),
  };
}

/** Filters of recovery:show. */
export type RecoveryShowInput = {
  state: 'open' | 'unposted' | 'unresolved';
  command?: string | undefined;
  limit: number;
  offset: number;
};

/** Open records with account and amount, oldest first: the page and its total in one read-only snapshot. */
export function recoveryShow(
  storage: Storage,
  input: RecoveryShowInput,
  now: Date,
): Promise<ProcessorTxnPageDto> {
  return storage.transaction(
    async (tx) => {
      const total = (await tx.get<{ n: number }>(recoveryCountQuery(input.state, input.command)))!.n;
      const rows = await tx.all<TxnRow>(
        recoveryPageQuery(input.state, input.command, input.limit, input.offset),
      );
      return { rows: rows.map((r) => txnDto(r, now)), total };
    },
    { readOnly: true },
  );
}

/** Transactions of one run (drill-down), optionally of one result; through the driver with collection runs. */
export function runTxns(
  db: Database.Database,
  input: { runId: number; result?: number | undefined; limit: number; offset: number },
  now: Date,
): ProcessorTxnPageDto {
  const total = driverGet<{ n: number }>(db, runTxnCountQuery(input.runId, input.result))!.n;
  const rows = driverAll<TxnRow>(db, runTxnPageQuery(input.runId, input.result, input.limit, input.offset));
  return { rows: rows.map((r) => txnDto(r, now)), total };
}

/** Input of recovery:resolve. */
export type ResolveInput = {
  action: 'rfr' | 'resubmit' | 'recover-payment' | 'delete';
  txnIds?: number[] | undefined;
  batchKey?: string | undefined;
  command?: string | undefined;
};

type OpenRow = {
  id: number;
  processorId: number;
  command: string;
  batchKey: string | null;
  createdAt: string;
  result: number;
};

const DAY = 86_400_000;

/** Posts whatever moved to 1000 + code, refunds through the refund service. */
function postMoved(
  db: Database.Database,
  moved: readonly number[],
  at: string,
  today: string,
  operatorId: number,
): number {
  const refunds = new Set(
    (
      db
        .prepare(
          `SELECT id FROM processor_txns WHERE id IN (SELECT value FROM json_each(?)) AND command = 'refund'`,
        )
        .all(JSON.stringify(moved)) as { id: number }[]
    ).map((r) => r.id),
  );
  for (const id of refunds) postRefundTxn(db, id, at, today, operatorId);
  const stats = postSettled(
    db,
    moved.filter((id) => !refunds.has(id)),
    at,
    today,
    operatorId,
  );
  return stats.posted + refunds.size;
}

/**
 * Resolves open records (DOMAIN.md §4.10): `rfr` asks the processor for the replies it holds; `resubmit`
 * sends the same batch again with the same keys (the processor recognises them and charges nothing twice;
 * refused after 7 days, when the authorization has lapsed); `recover-payment` posts the payment of records
 * charged but not posted (1000 + code); `delete` drops a checkpoint, refused for deposits and conditional
 * deposits younger than 7 days (V13). Every action is audited.
 */
export async function resolveRecovery(
  db: Database.Database,
  ledgerFile: string,
  input: ResolveInput,
  now: Date,
  operatorId: number,
  portFor?: (processorId: number) => PaymentProcessor,
): Promise<RecoveryResultDto> {
  const at = now.toISOString();
  const today = isoDate(now);
  const out: RecoveryResultDto = {
    action: input.action,
    examined: 0,
    settled: 0,
    posted: 0,
    resubmitted: 0,
    deleted: 0,
    stillOpen: 0,
    refused: [],
  };
  const wantState = input.action === 'recover-payment' ? 't.result >= 1000' : 't.result = 999';
  const filters: string[] = [wantState];
  const args: unknown[] = [];
  if (input.txnIds?.length) {
    filters.push('t.id IN (SELECT value FROM json_each(?))');
    args.push(JSON.stringify(input.txnIds));
  }
  if (input.batchKey) {
    filters.push('t.batch_key = ?');
    args.push(input.batchKey);
  }
  if (input.command) {
    filters.push('t.command = ?');
    args.push(input.command);
  }
  const rows = db
    .prepare(
      `SELECT t.id, t.processor_id AS processorId, t.command, t.batch_key AS batchKey, t.created_at AS createdAt, t.result
       FROM processor_txns t WHERE ${filters.join(' AND ')} ORDER BY t.id`,
    )
    .all(...args) as OpenRow[];
  out.examined = rows.length;
  const ports = new Map<number, PaymentProcessor>();
  const port = (id: number): PaymentProcessor => {
    let p = ports.get(id);
    if (!p) ports.set(id, (p = portFor ? portFor(id) : connectProcessor(processorById(db, id), ledgerFile)));
    return p;
  };
  const audit = (after: unknown): void => {
    writeAudit(db, {
      at,
      operatorId,
      action: `recovery.${input.action}`,
      entity: 'processor_txn',
      entityId: rows
        .map((r) => r.id)
        .join(',')
        .slice(0, 200),
      after,
    });
  };

  if (input.action === 'recover-payment') {
    out.posted = postMoved(
      db,
      rows.map((r) => r.id),
      at,
      today,
      operatorId,
    );
    const left = db
      .prepare(
        `SELECT count(*) AS n FROM processor_txns WHERE id IN (SELECT value FROM json_each(?)) AND result >= 1000`,
      )
      .get(JSON.stringify(rows.map((r) => r.id))) as { n: number };
    out.stillOpen = left.n;
    out.settled = rows.length - left.n;
    audit({ posted: out.posted, stillOpen: out.stillOpen });
    return out;
  }

  if (input.action === 'delete') {
    const del = db.prepare(
      `UPDATE processor_txns SET result = 1, settled_at = ?, description = coalesce(description, '') || ' [deleted by recovery]' WHERE id = ? AND result = 999`,
    );
    db.transaction(() => {
      for (const r of rows) {
        const young = now.getTime() - Date.parse(r.createdAt) < 7 * DAY;
        if ((r.command === 'deposit' || r.command === 'condition') && young) {
          out.refused.push({
            txnId: r.id,
            reason:
              'deposit checkpoints younger than 7 days cannot be deleted (V13); ask for the reply (rfr) or resubmit',
          });
          continue;
        }
        del.run(at, r.id);
        out.deleted++;
      }
      audit({ deleted: out.deleted, refused: out.refused.map((r) => r.txnId) });
    })();
    out.stillOpen = rows.length - out.deleted;
    return out;
  }

  const byProcessor = new Map<number, OpenRow[]>();
  for (const r of rows) {
    if (input.action === 'resubmit' && now.getTime() - Date.parse(r.createdAt) > 7 * DAY) {
      out.refused.push({
        txnId: r.id,
        reason: 'older than 7 days: the authorization has lapsed; delete it and collect again',
      });
      continue;
    }
    let list = byProcessor.get(r.processorId);
    if (!list) byProcessor.set(r.processorId, (list = []));
    list.push(r);
  }
  for (const [processorId, list] of byProcessor) {
    const p = port(processorId);
    let replies: ProcessorReply[] = [];
    try {
      if (input.action === 'rfr') {
        const rfr = await p.requestForResponse(list.map((r) => requestItemOf(db, r.id).idemKey));
        replies = rfr
          .filter((r): r is Extract<typeof r, { known: true }> => r.known)
          .map(({ known: _k, ...rest }) => rest);
      } else {
        // The same batch id and the same keys as the first send; online records go one by one.
        const batches = new Map<string, OpenRow[]>();
        const singles: OpenRow[] = [];
        for (const r of list) {
          if (r.batchKey) {
            const b = batches.get(r.batchKey) ?? [];
            b.push(r);
            batches.set(r.batchKey, b);
          } else singles.push(r);
        }
        for (const [key, b] of batches) {
          replies.push(
            ...(await p.batch(
              key,
              b.map((r) => requestItemOf(db, r.id)),
            )),
          );
          out.resubmitted += b.length;
        }
        for (const r of singles) {
          const item = requestItemOf(db, r.id);
          switch (item.command) {
            case 'deposit':
              replies.push(...(await p.batch(`single-${r.id}`, [item])));
              break;
            case 'verify':
              replies.push(await p.validate(item));
              break;
            case 'auth':
              replies.push(await p.authorize(item));
              break;
            case 'condition':
              replies.push(await p.sale(item));
              break;
            case 'refund':
              replies.push(await p.refund(item));
              break;
          }
          out.resubmitted++;
        }
      }
    } catch (err) {
      if (!(err instanceof ProcessorTransportError)) throw err;
      for (const r of list) out.refused.push({ txnId: r.id, reason: `processor: ${err.failure.message}` });
    }
    const moved = recordReplies(db, replies, new Date().toISOString());
    out.settled += moved.length;
    out.posted += postMoved(db, moved, at, today, operatorId);
  }
  out.stillOpen = (
    db
      .prepare(
        `SELECT count(*) AS n FROM processor_txns WHERE id IN (SELECT value FROM json_each(?)) AND (result = 999 OR result >= 1000)`,
      )
      .get(JSON.stringify(rows.map((r) => r.id))) as { n: number }
  ).n;
  audit({ settled: out.settled, posted: out.posted, resubmitted: out.resubmitted, stillOpen: out.stillOpen });
  return out;
}

/** Counts per command and result for one day, plus what is open (the daily pin_clean -summary report). */
export function dailySummary(db: Database.Database, date: string | undefined, now: Date): DailySummaryDto {
  const day = date ?? addDays(isoDate(now), -1);
  const rows = groupAmounts(
    db
      .prepare(
        `SELECT command, result, currency, count(*) AS count, sum(amount_minor) AS amountMinor FROM processor_txns
         WHERE substr(created_at, 1, 10) = ? GROUP BY command, result, currency ORDER BY command, result, currency`,
      )
      .all(day) as {
      command: string;
      result: number;
      currency: string;
      count: number;
      amountMinor: number;
    }[],
    (r) => `${r.command}:${r.result}`,
  );
  const s = recoverySummary(db);
  return {
    date: day,
    byCommand: rows.map((r) => ({
      command: r.first.command,
      result: r.first.result,
      name: resultName(r.first.result),
      count: r.count,
      amounts: r.amounts,
    })),
    openCheckpoints: s.totalOpen,
    unposted: s.totalUnposted,
  };
}
