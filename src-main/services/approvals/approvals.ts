import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { CommandName } from '../../../src-shared/api/contract';
import { commandInputs } from '../../../src-shared/api/inputs';
import type { AppError, Result } from '../../../src-shared/api/result';
import { hasRole, type Role } from '../../../src-shared/api/roles';
import type { ApprovalDto, ApprovalStatus, PolicyOperation } from '../../../src-shared/dto/approvals';
import {
  approvalByIdQuery,
  approvalInsertQuery,
  approvalsQuery,
  attemptQuery,
  claimQuery,
  closeQuery,
  dueApprovalQuery,
  expireDueQuery,
  outcomeQuery,
  rejectQuery,
  type ApprovalRecord,
} from '../../../db/repos/approvals';
import { appendAudit, type AuditEntry } from '../../../db/repos/audit';
import type { Tx } from '../../../db/storage/port';
import { driverGet } from '../../../db/storage/sqlite';
import { stepsIn } from '../../../db/storage/steps';
import { writeAudit } from '../../ledger/audit';
import { AppFailure, conflict, forbidden, invalidFields, notFound } from '../../ledger/errors';
import { getSetting, getSettingIn } from '../../ledger/settings';
import { decryptSecret, encryptSecret, secretKey } from '../../processors/secrets';
import type { ServiceContext } from '../context';
import { currentDoor, newClient, type Client } from '../identity/client';
import { operatorByIdIn } from '../identity/operator-rows';
import { secondFactorValidIn } from '../identity/sign-in';
import {
  amountsText,
  canonicalJson,
  measureCommand,
  measureCommandIn,
  payloadHash,
  type Measure,
} from './measure';
import { requirementFor, requirementForIn, type Needed } from './policies';

/**
 * Approvals (issue #12): a command a policy covers is stopped before its handler, stored with its exact input
 * and a hash of what it acts on, and refused with `approval_required`. Confirming checks the requirement (a
 * different operator with the role, or the preparer's second factor), that nothing changed, then executes the
 * stored command exactly once as the preparer. Every step and every refusal is audited.
 */

/** Runs a command as a client through the full dispatch (gate, parse, guard, handler). */
export type Executor = (client: Client, command: CommandName, input: unknown) => Promise<Result<unknown>>;

const executors = new WeakMap<ApprovalsCtx, Executor>();

/** Gives the approvals of one app the dispatcher they execute approved commands through. */
export function bindExecutor(ctx: ApprovalsCtx, executor: Executor): void {
  executors.set(ctx, executor);
}

/** The one approved execution in flight: the guard lets exactly this command through, once. */
const executing = new AsyncLocalStorage<{ command: string; approvalId: number; passed: boolean }>();

const SECRET_KEY = /password|secret/i;

/** The input with passwords and secrets masked, for display, audit and the payload hash. */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v)]),
  );
}

function hasSecret(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasSecret);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => SECRET_KEY.test(k) || hasSecret(v));
}

/**
 * What the approval services need of the app. The ledger's file names its key (a stored input that carries a
 * password or secret is encrypted with it); `sqlite` is the connection the storage runs on while the ledger is
 * SQLite, on which the dispatch guard stays synchronous (approvalGuard).
 */
export type ApprovalsCtx = Pick<ServiceContext, 'storage' | 'clock' | 'operator'> & {
  ledger: { file: string; sqlite?: Database.Database };
};

/** The stored input as given (decrypted when it carried a password or secret). */
function storedInput(ctx: ApprovalsCtx, row: Pick<ApprovalRecord, 'inputJson'>): Record<string, unknown> {
  const text = row.inputJson.startsWith('enc:')
    ? decryptSecret(secretKey(ctx.ledger.file), row.inputJson.slice(4))
    : row.inputJson;
  return JSON.parse(text) as Record<string, unknown>;
}

async function maxAttemptsIn(tx: Tx): Promise<number> {
  return Number(await getSettingIn(tx, 'approvals.maxAttempts'));
}

function toDto(ctx: ApprovalsCtx, row: ApprovalRecord, maxAttempts: number): ApprovalDto {
  let input: Record<string, unknown> = {};
  try {
    input = redact(storedInput(ctx, row)) as Record<string, unknown>;
  } catch {
    input = { unreadable: 'the input cannot be decrypted with this key' };
  }
  return {
    id: row.id,
    operation: row.operation,
    command: row.command,
    input,
    payloadHash: row.payloadHash,
    amounts: JSON.parse(row.amountsJson) as ApprovalDto['amounts'],
    description: row.description,
    requirement: row.requirement,
    role: row.role,
    status: row.status,
    preparedBy: row.preparedByLogin,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    attempts: row.attempts,
    maxAttempts,
    decidedBy: row.decidedByLogin,
    decidedAt: row.decidedAt,
    reason: row.reason,
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as unknown),
  };
}

async function loadIn(tx: Tx, id: number): Promise<ApprovalRecord> {
  const row = await tx.get<ApprovalRecord>(approvalByIdQuery(id));
  if (!row) throw notFound('approval', String(id));
  return row;
}

async function dtoIn(tx: Tx, ctx: ApprovalsCtx, id: number): Promise<ApprovalDto> {
  return toDto(ctx, await loadIn(tx, id), await maxAttemptsIn(tx));
}

/** "a supervisor", "an admin". */
function aRole(role: string): string {
  return `${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}`;
}

/** What to tell the operator whose command was stopped. */
export function approvalMessage(a: Pick<ApprovalDto, 'id' | 'description' | 'requirement' | 'role'>): string {
  return a.requirement === 'four_eyes'
    ? `${a.description} needs a second operator's approval: sent for approval #${a.id}; ask ${aRole(a.role ?? 'supervisor')} to run: paydesk approval confirm ${a.id}`
    : `${a.description} needs your second factor: sent for approval #${a.id}; run: paydesk approval confirm ${a.id} --code CODE`;
}

/** The refusal that carries the approval id (CLI exit 9). */
function approvalRequired(a: Pick<ApprovalDto, 'id' | 'description' | 'requirement' | 'role'>): AppFailure {
  const error: AppError = {
    code: 'approval_required',
    message: approvalMessage(a),
    approvalId: a.id,
    requirement: a.requirement,
    ...(a.role ? { role: a.role } : {}),
  };
  return new AppFailure(error);
}

type Stop = { operation: PolicyOperation; needed: Needed };

/** The strictest requirement over the operations a command is, each with what its policy requires. */
function strictestOf(
  required: readonly { operation: PolicyOperation; needed: Needed | null }[],
): Stop | null {
  let best: Stop | null = null;
  for (const { operation, needed } of required) {
    if (!needed) continue;
    if (!best || (needed.requirement === 'four_eyes' && best.needed.requirement !== 'four_eyes'))
      best = { operation, needed };
  }
  return best;
}

function neededFor(db: Database.Database, m: Measure): Stop | null {
  return strictestOf(
    m.operations.map((operation) => ({ operation, needed: requirementFor(db, operation, m.amounts) })),
  );
}

async function neededForIn(tx: Tx, m: Measure): Promise<Stop | null> {
  const required: { operation: PolicyOperation; needed: Needed | null }[] = [];
  for (const operation of m.operations)
    required.push({ operation, needed: await requirementForIn(tx, operation, m.amounts) });
  return strictestOf(required);
}

/** A command stopped by a policy, as measured when it was sent. */
export type Stopped = {
  command: CommandName;
  parsed: Record<string, unknown>;
  raw: unknown;
  m: Measure;
  operation: PolicyOperation;
  needed: Pick<Needed, 'requirement' | 'role'>;
};

/** What a stopped command is stored as: the approval's row, and the audit of its preparation once it has an id. */
export type PreparedApproval = {
  row: Parameters<typeof approvalInsertQuery>[0];
  audit: (id: number) => AuditEntry;
};

/**
 * The pending approval of a stopped command, prepared by the current operator now and expiring after
 * `expiryMinutes` (the setting approvals.expiryMinutes).
 */
export function preparedApproval(
  ctx: Pick<ApprovalsCtx, 'operator' | 'ledger'>,
  s: Stopped,
  now: Date,
  expiryMinutes: number,
): PreparedApproval {
  const at = now.toISOString();
  const me = ctx.operator;
  const expiresAt = new Date(now.getTime() + expiryMinutes * 60_000).toISOString();
  const text = canonicalJson(s.raw ?? {});
  // A password or secret in the input is stored encrypted with the ledger's key, never in clear.
  const stored = hasSecret(s.raw) ? `enc:${encryptSecret(secretKey(ctx.ledger.file), text)}` : text;
  const hash = payloadHash(s.command, redact(s.parsed), s.m.state);
  const role = s.needed.requirement === 'four_eyes' ? (s.needed.role ?? 'supervisor') : null;
  return {
    row: {
      operation: s.operation,
      command: s.command,
      inputJson: stored,
      payloadHash: hash,
      amountsJson: JSON.stringify(s.m.amounts ?? []),
      description: s.m.description,
      requirement: s.needed.requirement,
      role,
      preparedBy: me.id,
      preparedRoles: me.roles.join(','),
      createdAt: at,
      expiresAt,
    },
    audit: (id) => ({
      at,
      operatorId: me.id,
      action: 'approval.prepare',
      entity: 'approval',
      entityId: String(id),
      after: {
        operation: s.operation,
        command: s.command,
        input: redact(s.parsed),
        amounts: s.m.amounts,
        requirement: s.needed.requirement,
        role,
        hash,
        expiresAt,
        preparedBy: me.login,
      },
    }),
  };
}

/**
 * The guard dispatch calls after parsing and before the handler: a command a policy covers is stored as a
 * pending approval and refused with `approval_required`, unless it is the approved execution itself. On SQLite it
 * stays synchronous on the driver: it runs in the writer's turn, which an await would hand to queued jobs (it runs
 * the repositories' SQL, and measures with the same steps as a confirm on the port: measureSteps). On PostgreSQL,
 * which has no such turn, it is awaited on the port (stopForApproval).
 */
export function approvalGuard(
  ctx: ServiceContext,
): (command: CommandName, parsed: unknown, raw: unknown) => void | Promise<void> {
  return (command, parsed, raw) => {
    if (approvedExecution(command)) return;
    const input = parsed as Record<string, unknown>;
    const db = ctx.storage.dialect === 'sqlite' ? ctx.ledger.sqlite : undefined;
    if (!db) {
      return stopForApproval(ctx, command, input, raw, ctx.clock()).then((stopped) => {
        if (stopped) throw approvalRequired(stopped);
      });
    }
    const now = ctx.clock();
    const m = measureCommand(db, command, input, now);
    if (!m) return;
    const need = neededFor(db, m);
    if (!need) return;
    const p = preparedApproval(
      ctx,
      { command, parsed: input, raw, m, operation: need.operation, needed: need.needed },
      now,
      Number(getSetting(db, 'approvals.expiryMinutes')),
    );
    const id = db.transaction(() => {
      const newId = driverGet<{ id: number }>(db, approvalInsertQuery(p.row))!.id;
      writeAudit(db, p.audit(newId));
      return newId;
    })();
    throw approvalRequired({ ...p.row, id });
  };
}

/** True (once) when this is the approved execution itself, which the guard lets through. */
function approvedExecution(command: CommandName): boolean {
  const ex = executing.getStore();
  if (!ex || ex.passed || ex.command !== command) return false;
  ex.passed = true;
  return true;
}

/**
 * The guard for a command one handler runs after it awaited (an undo submitting its reversal batch): the
 * writer's turn is over by then, so on both databases it is awaited on the port (stopForApproval).
 */
export async function approvalGuardVia(
  ctx: ApprovalsCtx,
  command: CommandName,
  parsed: Record<string, unknown>,
  raw: unknown,
): Promise<void> {
  if (approvedExecution(command)) return;
  const stopped = await stopForApproval(ctx, command, parsed, raw, ctx.clock());
  if (stopped) throw approvalRequired(stopped);
}

/**
 * The guard's work on the port: measures the command, and when a policy covers it stores the pending approval
 * (audited) in the same serializable transaction, answering it; null when no policy stops the command.
 */
export function stopForApproval(
  ctx: ApprovalsCtx,
  command: CommandName,
  parsed: Record<string, unknown>,
  raw: unknown,
  now: Date,
): Promise<Pick<ApprovalDto, 'id' | 'description' | 'requirement' | 'role'> | null> {
  return ctx.storage.transaction(
    async (tx) => {
      const m = await measureCommandIn(tx, command, parsed, now);
      if (!m) return null;
      const need = await neededForIn(tx, m);
      if (!need) return null;
      const p = preparedApproval(
        ctx,
        { command, parsed, raw, m, operation: need.operation, needed: need.needed },
        now,
        Number(await getSettingIn(tx, 'approvals.expiryMinutes')),
      );
      const id = (await tx.get<{ id: number }>(approvalInsertQuery(p.row)))!.id;
      await appendAudit(tx, p.audit(id));
      return { ...p.row, id };
    },
    { serializable: true },
  );
}

/** One approval. */
export function getApproval(ctx: ApprovalsCtx, id: number): Promise<ApprovalDto> {
  return ctx.storage.transaction((tx) => dtoIn(tx, ctx, id), { readOnly: true });
}

/** Marks pending approvals past their expiry as expired (audited once each, in id order). */
async function expireDueIn(tx: Tx, at: string): Promise<void> {
  const expired = await tx.all<{ id: number }>(expireDueQuery(tx, at));
  for (const id of expired.map((e) => e.id).sort((a, b) => a - b))
    await appendAudit(tx, {
      at,
      operatorId: null,
      action: 'approval.expire',
      entity: 'approval',
      entityId: String(id),
    });
}

/**
 * Approvals, newest first: by status, or only those this operator prepared. Those past their expiry are marked
 * expired first; a listing with none due only reads (it waits for no writer).
 */
export async function listApprovals(
  ctx: ApprovalsCtx,
  input: { status?: ApprovalStatus | undefined; mine: boolean; limit: number },
): Promise<{ rows: ApprovalDto[] }> {
  const at = ctx.clock().toISOString();
  const query = approvalsQuery({
    status: input.status,
    preparedBy: input.mine ? ctx.operator.id : undefined,
    limit: input.limit,
  });
  const read = async (tx: Tx): Promise<ApprovalDto[]> => {
    const max = await maxAttemptsIn(tx);
    return (await tx.all<ApprovalRecord>(query)).map((r) => toDto(ctx, r, max));
  };
  const rows =
    (await ctx.storage.transaction(
      async (tx) => ((await tx.get(dueApprovalQuery(tx, at))) ? null : read(tx)),
      { readOnly: true },
    )) ??
    (await ctx.storage.transaction(
      async (tx) => {
        await expireDueIn(tx, at);
        return read(tx);
      },
      { serializable: true },
    ));
  return { rows };
}

/**
 * Records a refused confirm or reject in the deciding transaction: counts the attempt when asked, may close the
 * approval, audits. Answers the failure, which the caller throws once the transaction has committed the record.
 */
async function refuseIn(
  tx: Tx,
  ctx: ApprovalsCtx,
  now: Date,
  row: ApprovalRecord,
  failure: AppFailure,
  opts: { count?: boolean; status?: 'expired' | 'rejected'; action?: string } = {},
): Promise<AppFailure> {
  const at = now.toISOString();
  const me = ctx.operator;
  let attempts = row.attempts;
  let status = opts.status;
  let reason = failure.error.message;
  if (opts.count && row.status === 'pending') {
    const counted = await tx.get<{ attempts: number }>(attemptQuery(row.id));
    if (counted) {
      attempts = counted.attempts;
      if (!status && attempts >= (await maxAttemptsIn(tx))) {
        status = 'rejected';
        reason = `too many failed attempts (${attempts}); last: ${failure.error.message}`;
      }
    }
  }
  if (status) await tx.run(closeQuery(row.id, status, at, reason));
  await appendAudit(tx, {
    at,
    operatorId: me.id,
    action: opts.action ?? 'approval.refuse',
    entity: 'approval',
    entityId: String(row.id),
    after: {
      why: failure.error.code === 'conflict' ? (failure.error.rule ?? 'conflict') : failure.error.code,
      message: failure.error.message,
      operator: me.login,
      preparedBy: row.preparedByLogin,
      requirement: row.requirement,
      role: row.role,
      attempts,
      ...(status ? { status } : {}),
    },
  });
  return failure;
}

/** A decision's transaction answers the refusal it recorded, or what it claimed. */
type Decided<T> = { refused: AppFailure } | { claimed: T };

/** The failure a committed refusal is thrown with, or what was claimed. */
function claimedOr<T>(d: Decided<T>): T {
  if ('refused' in d) throw d.refused;
  return d.claimed;
}

/** Measures a command as the ledger is now, in the deciding transaction. */
async function measureIn(
  tx: Tx,
  command: CommandName,
  input: Record<string, unknown>,
  now: Date,
): Promise<{ m: Measure | null; amounts: string }> {
  const m = await measureCommandIn(tx, command, input, now);
  return { m, amounts: m?.amounts?.length ? await stepsIn(tx, amountsText(m.amounts)) : '' };
}

/** Checks the confirming preparer's second factor in tx (a TOTP step or recovery code accepted is spent there). */
async function secondFactorIn(
  ctx: ApprovalsCtx,
  tx: Tx,
  now: Date,
  operatorId: number,
  code: string,
): Promise<boolean> {
  const cred = await operatorByIdIn(tx, operatorId);
  const env = { now, door: currentDoor(), secretKey: () => secretKey(ctx.ledger.file) };
  return !!cred && (await secondFactorValidIn(tx, env, cred, code));
}

/**
 * The checks of a confirmation and, when they pass, the claim (pending -> approved), in one serializable
 * transaction: a refusal is recorded and answered; the claim is a conditional update, so of two confirmations at
 * once (or a confirmation and a rejection) exactly one moves the approval, on both databases.
 */
async function decideIn(
  tx: Tx,
  ctx: ApprovalsCtx,
  now: Date,
  input: { approvalId: number; code?: string | undefined },
): Promise<Decided<{ row: ApprovalRecord; raw: Record<string, unknown> }>> {
  const at = now.toISOString();
  const me = ctx.operator;
  const row = await loadIn(tx, input.approvalId);
  const refuse = async (
    failure: AppFailure,
    opts?: Parameters<typeof refuseIn>[5],
  ): Promise<{ refused: AppFailure }> => ({ refused: await refuseIn(tx, ctx, now, row, failure, opts) });
  if (row.status !== 'pending')
    return refuse(
      conflict('approval-not-pending', `approval #${row.id} is ${row.status}, not pending; nothing was run`),
    );
  if (at > row.expiresAt)
    return refuse(
      conflict(
        'approval-expired',
        `approval #${row.id} expired at ${row.expiresAt}: run the command again; nothing was run`,
      ),
      { status: 'expired' },
    );
  if (row.requirement === 'four_eyes') {
    const role = (row.role ?? 'supervisor') as Role;
    if (me.id === row.preparedBy)
      return refuse(
        forbidden(
          `an operator never approves their own operation: approval #${row.id} was prepared by ${row.preparedByLogin}; ask another ${role} to run: paydesk approval confirm ${row.id}`,
          role,
        ),
        { count: true },
      );
    if (!hasRole(me.roles, role))
      return refuse(forbidden(`approval #${row.id} needs ${aRole(role)}: ${me.login} is not one`, role), {
        count: true,
      });
  } else {
    if (me.id !== row.preparedBy)
      return refuse(
        forbidden(
          `approval #${row.id} needs the second factor of ${row.preparedByLogin}, who prepared it; only they confirm it`,
        ),
        { count: true },
      );
    if (!input.code)
      return refuse(
        invalidFields(`approval #${row.id} needs your second factor: enter the 6-digit code`, [
          { path: 'code', message: 'required for a second-factor approval' },
        ]),
      );
    if (!(await secondFactorIn(ctx, tx, now, me.id, input.code)))
      return refuse(forbidden(`the code for approval #${row.id} is wrong or has expired`), { count: true });
  }
  const command = row.command as CommandName;
  const raw = storedInput(ctx, row);
  const parsed = commandInputs[command].safeParse(raw);
  const data = parsed.success ? (parsed.data as Record<string, unknown>) : null;
  const { m, amounts } = data ? await measureIn(tx, command, data, now) : { m: null, amounts: '' };
  const hashNow = m && data ? payloadHash(command, redact(data), m.state) : null;
  if (hashNow !== row.payloadHash) {
    return refuse(
      conflict(
        'approval-changed',
        `what approval #${row.id} acts on changed since it was prepared (${row.description}${m ? `; now ${amounts || m.description}` : ''}): run the command again; nothing was run`,
      ),
      { count: true, status: 'rejected' },
    );
  }
  if (!(await tx.get(claimQuery(row.id, me.id, at))))
    return {
      refused: await refuseIn(
        tx,
        ctx,
        now,
        { ...row, status: 'approved' },
        conflict(
          'approval-not-pending',
          `approval #${row.id} is already being run or decided; nothing was run twice`,
        ),
      ),
    };
  await appendAudit(tx, {
    at,
    operatorId: me.id,
    action: 'approval.approve',
    entity: 'approval',
    entityId: String(row.id),
    before: { status: 'pending' },
    after: {
      status: 'approved',
      operation: row.operation,
      command: row.command,
      requirement: row.requirement,
      role: row.role,
      preparedBy: row.preparedByLogin,
      approvedBy: me.login,
      hash: row.payloadHash,
    },
  });
  return { claimed: { row, raw } };
}

/**
 * Confirms an approval and executes it: pending, unexpired, attempts left; four eyes by a different operator
 * holding the role (never the preparer), second factor by the preparer with a valid code; the payload hash
 * must match the command and state now. The claim pending -> approved commits before the command runs, so it
 * runs once; it runs as the preparer (re-checked by the gate: still active, still holding the role) and ends
 * executed with its outcome, or failed with the reason.
 */
export async function confirmApproval(
  ctx: ApprovalsCtx,
  input: { approvalId: number; code?: string | undefined },
): Promise<ApprovalDto> {
  const now = ctx.clock();
  const { row, raw } = claimedOr(
    await ctx.storage.transaction((tx) => decideIn(tx, ctx, now, input), { serializable: true }),
  );
  return executeApproved(ctx, row, raw);
}

/** Runs the approved command once, as the preparer, and records executed or failed. */
async function executeApproved(
  ctx: ApprovalsCtx,
  row: ApprovalRecord,
  raw: Record<string, unknown>,
): Promise<ApprovalDto> {
  const me = ctx.operator;
  const executor = executors.get(ctx);
  const command = row.command as CommandName;
  let result: Result<unknown>;
  if (!executor) {
    result = {
      ok: false,
      error: {
        code: 'conflict',
        message: 'no dispatcher is bound to execute approved commands',
        rule: 'approval-executor',
      },
    };
  } else {
    // The preparer as they are now (the gate re-checks them when the command runs), limited to their roles then.
    const preparer = {
      id: row.preparedBy,
      login: row.preparedByLogin,
      name: row.preparedByName,
      roles: row.preparedByRoles.split(',').filter(Boolean),
    };
    const scope = row.preparedRoles.split(',').filter(Boolean) as Role[];
    const client = newClient(currentDoor(), { operator: preparer, via: 'in-process', scope });
    try {
      result = await executing.run({ command, approvalId: row.id, passed: false }, () =>
        executor(client, command, raw),
      );
    } catch (err) {
      result = {
        ok: false,
        error: { code: 'internal', message: 'the approved command crashed', correlationId: String(err) },
      };
    }
  }
  const at = ctx.clock().toISOString();
  const done = await ctx.storage.transaction(async (tx) => {
    await tx.run(
      outcomeQuery(
        row.id,
        result.ok
          ? { ok: true, outcome: JSON.stringify(result.value ?? null) }
          : { ok: false, reason: result.error.message },
      ),
    );
    await appendAudit(tx, {
      at,
      operatorId: me.id,
      action: result.ok ? 'approval.execute' : 'approval.fail',
      entity: 'approval',
      entityId: String(row.id),
      after: {
        command: row.command,
        preparedBy: row.preparedByLogin,
        approvedBy: me.login,
        ...(result.ok ? {} : { error: result.error.code, message: result.error.message }),
      },
    });
    return dtoIn(tx, ctx, row.id);
  });
  if (!result.ok)
    throw new AppFailure({
      ...result.error,
      message: `approval #${row.id} was approved but the command failed: ${result.error.message}`,
    });
  return done;
}

/**
 * Rejects a pending approval with a reason: the preparer withdraws it, or an operator who could approve it
 * (the four-eyes role) or an admin rejects it. Audited; a refusal too. Serializable with a conditional update,
 * as a confirmation is: of a rejection and a confirmation at once, one decides and the other is refused.
 */
export async function rejectApproval(
  ctx: ApprovalsCtx,
  input: { approvalId: number; reason: string },
): Promise<ApprovalDto> {
  const now = ctx.clock();
  const at = now.toISOString();
  const me = ctx.operator;
  const decided = await ctx.storage.transaction(
    async (tx): Promise<Decided<ApprovalDto>> => {
      const row = await loadIn(tx, input.approvalId);
      const notPending = (r: ApprovalRecord): AppFailure =>
        conflict('approval-not-pending', `approval #${r.id} is ${r.status}, not pending`);
      if (row.status !== 'pending') return { refused: await refuseIn(tx, ctx, now, row, notPending(row)) };
      const isPreparer = me.id === row.preparedBy;
      const mayDecide =
        isPreparer ||
        me.roles.includes('admin') ||
        (row.requirement === 'four_eyes' && hasRole(me.roles, (row.role ?? 'supervisor') as Role));
      if (!mayDecide)
        return {
          refused: await refuseIn(
            tx,
            ctx,
            now,
            row,
            forbidden(
              `${me.login} may not reject approval #${row.id}: it needs a ${row.role ?? 'the preparer'}`,
              row.role ?? undefined,
            ),
          ),
        };
      if (!(await tx.get(rejectQuery(row.id, me.id, at, input.reason)))) {
        const now2 = await loadIn(tx, row.id);
        return { refused: await refuseIn(tx, ctx, now, now2, notPending(now2)) };
      }
      await appendAudit(tx, {
        at,
        operatorId: me.id,
        action: isPreparer ? 'approval.withdraw' : 'approval.reject',
        entity: 'approval',
        entityId: String(row.id),
        before: { status: 'pending' },
        after: {
          status: 'rejected',
          reason: input.reason,
          preparedBy: row.preparedByLogin,
          decidedBy: me.login,
        },
      });
      return { claimed: await dtoIn(tx, ctx, row.id) };
    },
    { serializable: true },
  );
  return claimedOr(decided);
}
