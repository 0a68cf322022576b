import type {
  DailySummaryDto,
  ProcessorTxnPageDto,
  RecoveryResultDto,
  RecoverySummaryDto,
} from '../../../src-shared/dto/processors';
import { appendAudit } from '../../../db/repos/audit';
import { runHeadQuery } from '../../../db/repos/collect-runs';
import { reversiblePaymentQuery } from '../../../db/repos/payments';
import {
  checkpointDeleteQuery,
  dayByCommandQuery,
  oldestOpenQuery,
  recoveryByCommandQuery,
  recoveryCountQuery,
  recoveryPageQuery,
  resolveRowsQuery,
  runTxnCountQuery,
  runTxnPageQuery,
  settledRowsQuery,
  stillOpenQuery,
  txnSetResultQuery,
  unpostedRefundsQuery,
  type CommandAmountRow,
  type DayCountRow,
  type ResolveRow,
  type SettledRow,
  type TxnRow,
} from '../../../db/repos/processor-txns';
import { processorByIdQuery } from '../../../db/repos/processors';
import type { Storage, Tx } from '../../../db/storage/port';
import { addDays, isoDate } from '../../domain/dates';
import { notFound } from '../../ledger/errors';
import { reversePaymentIn } from '../../ledger/reversals';
import {
  ProcessorTransportError,
  RESULT,
  resultName,
  type PaymentProcessor,
  type ProcessorReply,
  type ProcessorRequestItem,
} from '../../processors/port';
import { connectProcessor, type ProcessorRow } from './config';
import { groupAmounts } from './collect';
import { applyDeclineIn } from './declines';
import { postRefundTxnIn } from './refunds';
import { postApprovedChargeIn, recordRepliesIn, requestItemOfIn, txnDto } from './txns';

// Recovery behind the storage seam (issue #17): its reads run in one read-only transaction each; a resolve asks
// the processor with no transaction open and writes its outcome (replies recorded, what moved posted through the
// port posting core, the audit row) in one serializable transaction, so two analysts resolving the same records at
// once resolve and post them once (db/repos/processor-txns.ts).

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
async function summaryIn(tx: Tx): Promise<RecoverySummaryDto> {
  const open = groupAmounts(await tx.all<CommandAmountRow>(recoveryByCommandQuery('open')), (r) => r.command);
  const unposted = groupAmounts(
    await tx.all<CommandAmountRow>(recoveryByCommandQuery('unposted')),
    (r) => r.command,
  );
  const rows: RecoverySummaryDto['open'] = [];
  for (const command of ORDER) {
    const r = open.find((o) => o.key === command);
    rows.push({
      command,
      label: COMMAND_LABELS[command]!,
      count: r?.count ?? 0,
      amounts: r?.amounts ?? [],
      oldest: r ? (await tx.get<{ m: string }>(oldestOpenQuery(command)))!.m : null,
    });
  }
  return {
    open: rows,
    unposted: unposted
      .sort((a, b) => ORDER.indexOf(a.key) - ORDER.indexOf(b.key))
      .map((u) => ({ command: u.key, label: COMMAND_LABELS[u.key]!, count: u.count, amounts: u.amounts })),
    totalOpen: open.reduce((s, o) => s + o.count, 0),
    totalUnposted: unposted.reduce((s, o) => s + o.count, 0),
  };
}

/** recovery:summary, from one read-only snapshot. */
export function recoverySummary(storage: Storage): Promise<RecoverySummaryDto> {
  return storage.transaction(summaryIn, { readOnly: true });
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

/** Transactions of one run (drill-down), optionally of one result: the run, the page and its total in one snapshot. */
export function runTxns(
  storage: Storage,
  input: { runId: number; result?: number | undefined; limit: number; offset: number },
  now: Date,
): Promise<ProcessorTxnPageDto> {
  return storage.transaction(
    async (tx) => {
      if (!(await tx.get(runHeadQuery(input.runId)))) throw notFound('run', String(input.runId));
      const total = (await tx.get<{ n: number }>(runTxnCountQuery(input.runId, input.result)))!.n;
      const rows = await tx.all<TxnRow>(
        runTxnPageQuery(input.runId, input.result, input.limit, input.offset),
      );
      return { rows: rows.map((r) => txnDto(r, now)), total };
    },
    { readOnly: true },
  );
}

/** Input of recovery:resolve. */
export type ResolveInput = {
  action: 'rfr' | 'resubmit' | 'recover-payment' | 'delete';
  txnIds?: number[] | undefined;
  batchKey?: string | undefined;
  command?: string | undefined;
};

const DAY = 86_400_000;

/** What posting a resolve's records needs. */
type PostEnv = {
  now: Date;
  at: string;
  today: string;
  operatorId: number;
};

/**
 * Posts one answered record (1000 + code) and sets its plain code, in the caller's port transaction, as
 * postSettled does on the driver: an approved sale or authorization becomes a payment (`proc:<idemKey>`; one
 * already posted under the key is taken as it is) allocated by its bill first, or oldest first; a declined deposit
 * reverses its authorization's payment (once); a collection run's decline goes through the decline policy. Answers
 * whether a payment was posted.
 */
async function postSettledIn(tx: Tx, r: SettledRow, env: PostEnv): Promise<boolean> {
  const code = r.result - RESULT.offset;
  if (code === RESULT.pass && (r.command === 'condition' || r.command === 'auth')) {
    await postApprovedChargeIn(tx, r, env.now, env.today, env.operatorId);
    return true;
  }
  if (r.command === 'deposit' && code !== RESULT.pass && r.relatedPaymentId) {
    const payment = await tx.get<{ reversed: number }>(reversiblePaymentQuery(r.relatedPaymentId));
    if (!payment?.reversed) {
      const auditId = await appendAudit(tx, {
        at: env.at,
        operatorId: env.operatorId,
        action: 'deposit.declined',
        entity: 'payment',
        entityId: String(r.relatedPaymentId),
        after: { txnId: r.id, result: code },
        reasonCode: 4104,
      });
      await reversePaymentIn(
        tx,
        { paymentId: r.relatedPaymentId, reasonCode: 4104, idemKey: `deposit-decline:${r.id}` },
        env.at,
        env.today,
        env.operatorId,
        auditId,
      );
    }
  }
  if (r.command === 'condition' && code !== RESULT.pass && r.runId !== null) {
    const declined = {
      id: r.id,
      runId: r.runId,
      accountId: r.accountId,
      amountMinor: r.amountMinor,
      currency: r.currency,
      result: code,
      command: r.command,
    };
    await applyDeclineIn(tx, declined, env.at, env.today, env.operatorId);
  }
  await tx.run(txnSetResultQuery(r.id, code, null));
  return false;
}

/** Posts the answered records among ids (refunds through the refund posting), answering how many were posted. */
async function postMovedIn(tx: Tx, ids: readonly number[], env: PostEnv): Promise<number> {
  if (ids.length === 0) return 0;
  const refunds = await tx.all<{ id: number }>(unpostedRefundsQuery(tx.dialect, ids));
  for (const r of refunds) await postRefundTxnIn(tx, r.id, env.now, env.today, env.operatorId);
  let posted = refunds.length;
  for (const r of await tx.all<SettledRow>(settledRowsQuery(tx.dialect, ids)))
    if (await postSettledIn(tx, r, env)) posted++;
  return posted;
}

/** What a resolve's outcome transaction moves: the records it examined and those that reached 1000 + code. */
type Moved = { examined: readonly number[]; moved: readonly number[] };

/**
 * Writes a resolve's outcome in one serializable transaction: `move` (replies recorded, or the unposted records
 * picked), their postings, `finish` (what is left, the audit row). Re-runnable: `move` changes only records still
 * open, so a second analyst's outcome after the first finds nothing left to move or post. When a posting fails
 * (an account that refuses it), each record is posted in a transaction of its own after the move, as the driver's
 * postSettled falls back; one that still fails stays at 1000 + code, listed by Recovery.
 */
async function writeOutcome(
  storage: Storage,
  env: PostEnv,
  move: (tx: Tx) => Promise<Moved>,
  finish: (tx: Tx, m: Moved, posted: number) => Promise<RecoveryResultDto>,
): Promise<RecoveryResultDto> {
  try {
    return await storage.transaction(async (tx) => {
      const m = await move(tx);
      return finish(tx, m, await postMovedIn(tx, m.moved, env));
    }, SERIAL);
  } catch {
    const m = await storage.transaction(move, SERIAL);
    let posted = 0;
    for (const id of m.moved) {
      try {
        posted += await storage.transaction((tx) => postMovedIn(tx, [id], env), SERIAL);
      } catch {
        // Stays at 1000 + code: charged at the processor, not posted here; Recovery lists it.
      }
    }
    return storage.transaction((tx) => finish(tx, m, posted), SERIAL);
  }
}

const SERIAL = { serializable: true } as const;

/** A processor's port, per processor id. */
type PortFor = (processorId: number) => PaymentProcessor;

/**
 * Resolves open records (DOMAIN.md §4.10): `rfr` asks the processor for the replies it holds; `resubmit`
 * sends the same batch again with the same keys (the processor recognises them and charges nothing twice;
 * refused after 7 days, when the authorization has lapsed); `recover-payment` posts the payment of records
 * charged but not posted (1000 + code); `delete` drops a checkpoint, refused for deposits and conditional
 * deposits younger than 7 days (V13). Every action is audited.
 */
export async function resolveRecovery(
  storage: Storage,
  ledgerFile: string,
  input: ResolveInput,
  now: Date,
  operatorId: number,
  opts: { portFor?: PortFor | undefined } = {},
): Promise<RecoveryResultDto> {
  const at = now.toISOString();
  const env: PostEnv = { now, at, today: isoDate(now), operatorId };
  const base: RecoveryResultDto = {
    action: input.action,
    examined: 0,
    settled: 0,
    posted: 0,
    resubmitted: 0,
    deleted: 0,
    stillOpen: 0,
    refused: [],
  };
  const pick = {
    state: input.action === 'recover-payment' ? ('unposted' as const) : ('open' as const),
    txnIds: input.txnIds,
    batchKey: input.batchKey,
    command: input.command,
  };
  const audit = (tx: Tx, ids: readonly number[], after: unknown): Promise<number> =>
    appendAudit(tx, {
      at,
      operatorId,
      action: `recovery.${input.action}`,
      entity: 'processor_txn',
      entityId: ids.join(',').slice(0, 200),
      after,
    });
  const pickIn = async (tx: Tx): Promise<ResolveRow[]> =>
    tx.all<ResolveRow>(resolveRowsQuery(tx.dialect, pick));

  if (input.action === 'delete')
    return storage.transaction(async (tx) => {
      const rows = await pickIn(tx);
      const out: RecoveryResultDto = { ...base, examined: rows.length, refused: [] };
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
        await tx.run(checkpointDeleteQuery(r.id, at));
        out.deleted++;
      }
      await audit(
        tx,
        rows.map((r) => r.id),
        { deleted: out.deleted, refused: out.refused.map((r) => r.txnId) },
      );
      out.stillOpen = rows.length - out.deleted;
      return out;
    }, SERIAL);

  if (input.action === 'recover-payment')
    return writeOutcome(
      storage,
      env,
      async (tx) => {
        const ids = (await pickIn(tx)).map((r) => r.id);
        return { examined: ids, moved: ids };
      },
      async (tx, m, posted) => {
        const left = m.examined.length
          ? (await tx.get<{ n: number }>(stillOpenQuery(tx.dialect, m.examined, 'unposted')))!.n
          : 0;
        const out = { ...base, examined: m.examined.length, posted, stillOpen: left };
        out.settled = m.examined.length - left;
        await audit(tx, m.examined, { posted, stillOpen: left });
        return out;
      },
    );

  const { rows, items, processors } = await storage.transaction(
    async (tx) => {
      const rows = await pickIn(tx);
      const items = new Map<number, ProcessorRequestItem>();
      const processors = new Map<number, ProcessorRow>();
      for (const r of rows) {
        items.set(r.id, await requestItemOfIn(tx, r.id));
        if (!processors.has(r.processorId)) {
          const p = await tx.get<ProcessorRow>(processorByIdQuery(r.processorId));
          if (!p) throw notFound('processor', String(r.processorId));
          processors.set(r.processorId, p);
        }
      }
      return { rows, items, processors };
    },
    { readOnly: true },
  );
  const asked = await askProcessors(input.action, rows, items, now, (id) =>
    opts.portFor ? opts.portFor(id) : connectProcessor(processors.get(id)!, ledgerFile),
  );
  const repliedAt = new Date().toISOString();
  const ids = rows.map((r) => r.id);
  return writeOutcome(
    storage,
    env,
    async (tx) => ({ examined: ids, moved: await recordRepliesIn(tx, asked.replies, repliedAt) }),
    async (tx, m, posted) => {
      const stillOpen = ids.length
        ? (await tx.get<{ n: number }>(stillOpenQuery(tx.dialect, ids, 'unresolved')))!.n
        : 0;
      const out: RecoveryResultDto = {
        ...base,
        examined: ids.length,
        settled: m.moved.length,
        posted,
        resubmitted: asked.resubmitted,
        stillOpen,
        refused: asked.refused,
      };
      await audit(tx, ids, {
        settled: out.settled,
        posted,
        resubmitted: out.resubmitted,
        stillOpen,
      });
      return out;
    },
  );
}

/**
 * Asks the processors, with no transaction open: for the replies they hold (rfr) or by sending the same requests
 * again (resubmit: the same batch id and keys as the first send; online records one by one). A processor that
 * cannot be reached refuses its records; their checkpoints stay open.
 */
async function askProcessors(
  action: 'rfr' | 'resubmit',
  rows: readonly ResolveRow[],
  items: ReadonlyMap<number, ProcessorRequestItem>,
  now: Date,
  portFor: PortFor,
): Promise<{ replies: ProcessorReply[]; resubmitted: number; refused: RecoveryResultDto['refused'] }> {
  const out = {
    replies: [] as ProcessorReply[],
    resubmitted: 0,
    refused: [] as RecoveryResultDto['refused'],
  };
  const byProcessor = new Map<number, ResolveRow[]>();
  for (const r of rows) {
    if (action === 'resubmit' && now.getTime() - Date.parse(r.createdAt) > 7 * DAY) {
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
    const p = portFor(processorId);
    const item = (r: ResolveRow): ProcessorRequestItem => items.get(r.id)!;
    try {
      if (action === 'rfr') {
        const rfr = await p.requestForResponse(list.map((r) => item(r).idemKey));
        out.replies.push(
          ...rfr
            .filter((r): r is Extract<typeof r, { known: true }> => r.known)
            .map(({ known: _k, ...rest }) => rest),
        );
        continue;
      }
      const batches = new Map<string, ResolveRow[]>();
      const singles: ResolveRow[] = [];
      for (const r of list) {
        if (r.batchKey) {
          const b = batches.get(r.batchKey) ?? [];
          b.push(r);
          batches.set(r.batchKey, b);
        } else singles.push(r);
      }
      for (const [key, b] of batches) {
        out.replies.push(...(await p.batch(key, b.map(item))));
        out.resubmitted += b.length;
      }
      for (const r of singles) {
        const one = item(r);
        switch (one.command) {
          case 'deposit':
            out.replies.push(...(await p.batch(`single-${r.id}`, [one])));
            break;
          case 'verify':
            out.replies.push(await p.validate(one));
            break;
          case 'auth':
            out.replies.push(await p.authorize(one));
            break;
          case 'condition':
            out.replies.push(await p.sale(one));
            break;
          case 'refund':
            out.replies.push(await p.refund(one));
            break;
        }
        out.resubmitted++;
      }
    } catch (err) {
      if (!(err instanceof ProcessorTransportError)) throw err;
      for (const r of list) out.refused.push({ txnId: r.id, reason: `processor: ${err.failure.message}` });
    }
  }
  return out;
}

/** Counts per command and result for one day, plus what is open (the daily pin_clean -summary report). */
export function dailySummary(
  storage: Storage,
  date: string | undefined,
  now: Date,
): Promise<DailySummaryDto> {
  const day = date ?? addDays(isoDate(now), -1);
  return storage.transaction(
    async (tx) => {
      const rows = groupAmounts(
        await tx.all<DayCountRow>(dayByCommandQuery(day)),
        (r) => `${r.command}:${r.result}`,
      );
      const s = await summaryIn(tx);
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
    },
    { readOnly: true },
  );
}
