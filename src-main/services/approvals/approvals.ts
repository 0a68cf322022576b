import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { CommandName } from '../../../src-shared/api/contract';
import { commandInputs } from '../../../src-shared/api/inputs';
import type { AppError, Result } from '../../../src-shared/api/result';
import { hasRole, type Role } from '../../../src-shared/api/roles';
import type { ApprovalDto, ApprovalStatus, PolicyOperation } from '../../../src-shared/dto/approvals';
import { writeAudit } from '../../ledger/audit';
import { AppFailure, conflict, forbidden, invalidFields, notFound } from '../../ledger/errors';
import { getSetting } from '../../ledger/settings';
import { decryptSecret, encryptSecret, secretKey } from '../../processors/secrets';
import type { ServiceContext } from '../context';
import { currentDoor, newClient, type Client } from '../identity/client';
import { operatorById, operatorDto } from '../identity/operator-rows';
import { secondFactorValid } from '../identity/sign-in';
import { amountsText, canonicalJson, measureCommand, payloadHash, type Measure } from './measure';
import { requirementFor, type Needed } from './policies';

/**
 * Approvals (issue #12): a command a policy covers is stopped before its handler, stored with its exact input
 * and a hash of what it acts on, and refused with `approval_required`. Confirming checks the requirement (a
 * different operator with the role, or the preparer's second factor), that nothing changed, then executes the
 * stored command exactly once as the preparer. Every step and every refusal is audited.
 */

/** Runs a command as a client through the full dispatch (gate, parse, guard, handler). */
export type Executor = (client: Client, command: CommandName, input: unknown) => Promise<Result<unknown>>;

const executors = new WeakMap<ServiceContext, Executor>();

/** Gives the approvals of one app the dispatcher they execute approved commands through. */
export function bindExecutor(ctx: ServiceContext, executor: Executor): void {
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

type ApprovalRow = {
  id: number;
  operation: PolicyOperation;
  command: CommandName;
  inputJson: string;
  payloadHash: string;
  amountsJson: string;
  description: string;
  requirement: 'second_factor' | 'four_eyes';
  role: string | null;
  status: ApprovalStatus;
  preparedBy: number;
  preparedByLogin: string;
  preparedRoles: string;
  createdAt: string;
  expiresAt: string;
  attempts: number;
  decidedByLogin: string | null;
  decidedAt: string | null;
  reason: string | null;
  outcome: string | null;
};

const SELECT = `SELECT a.id, a.operation, a.command, a.input_json AS inputJson, a.payload_hash AS payloadHash,
  a.amounts_json AS amountsJson, a.description, a.requirement, a.role, a.status, a.prepared_by AS preparedBy,
  op.login AS preparedByLogin, a.prepared_roles AS preparedRoles, a.created_at AS createdAt, a.expires_at AS expiresAt,
  a.attempts, od.login AS decidedByLogin, a.decided_at AS decidedAt, a.reason, a.outcome
  FROM approvals a JOIN operators op ON op.id = a.prepared_by LEFT JOIN operators od ON od.id = a.decided_by`;

function loadRow(db: Database.Database, id: number): ApprovalRow {
  const row = db.prepare(`${SELECT} WHERE a.id = ?`).get(id) as ApprovalRow | undefined;
  if (!row) throw notFound('approval', String(id));
  return row;
}

/** The stored input as given (decrypted when it carried a password or secret). */
function storedInput(ctx: ServiceContext, row: Pick<ApprovalRow, 'inputJson'>): Record<string, unknown> {
  const text = row.inputJson.startsWith('enc:')
    ? decryptSecret(secretKey(ctx.ledger.file), row.inputJson.slice(4))
    : row.inputJson;
  return JSON.parse(text) as Record<string, unknown>;
}

function maxAttempts(db: Database.Database): number {
  return Number(getSetting(db, 'approvals.maxAttempts'));
}

function toDto(ctx: ServiceContext, row: ApprovalRow): ApprovalDto {
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
    maxAttempts: maxAttempts(ctx.ledger.sqlite),
    decidedBy: row.decidedByLogin,
    decidedAt: row.decidedAt,
    reason: row.reason,
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as unknown),
  };
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
function approvalRequired(a: ApprovalDto): AppFailure {
  const error: AppError = {
    code: 'approval_required',
    message: approvalMessage(a),
    approvalId: a.id,
    requirement: a.requirement,
    ...(a.role ? { role: a.role } : {}),
  };
  return new AppFailure(error);
}

/** The strictest requirement over the operations a command is. */
function neededFor(db: Database.Database, m: Measure): { operation: PolicyOperation; needed: Needed } | null {
  let best: { operation: PolicyOperation; needed: Needed } | null = null;
  for (const operation of m.operations) {
    const needed = requirementFor(db, operation, m.amounts);
    if (!needed) continue;
    if (!best || (needed.requirement === 'four_eyes' && best.needed.requirement !== 'four_eyes'))
      best = { operation, needed };
  }
  return best;
}

/**
 * The guard dispatch calls after parsing and before the handler: a command a policy covers is stored as a
 * pending approval and refused with `approval_required`, unless it is the approved execution itself.
 */
export function approvalGuard(
  ctx: ServiceContext,
): (command: CommandName, parsed: unknown, raw: unknown) => void {
  return (command, parsed, raw) => {
    const ex = executing.getStore();
    if (ex && !ex.passed && ex.command === command) {
      ex.passed = true;
      return;
    }
    const db = ctx.ledger.sqlite;
    const now = ctx.clock();
    const input = parsed as Record<string, unknown>;
    const m = measureCommand(db, command, input, now);
    if (!m) return;
    const need = neededFor(db, m);
    if (!need) return;
    throw approvalRequired(prepareApproval(ctx, command, input, raw, m, need.operation, need.needed));
  };
}

/** Stores a stopped command as a pending approval (audited) and returns it. */
function prepareApproval(
  ctx: ServiceContext,
  command: CommandName,
  parsed: Record<string, unknown>,
  raw: unknown,
  m: Measure,
  operation: PolicyOperation,
  needed: Needed,
): ApprovalDto {
  const db = ctx.ledger.sqlite;
  const now = ctx.clock();
  const at = now.toISOString();
  const me = ctx.operator;
  const expiresAt = new Date(
    now.getTime() + Number(getSetting(db, 'approvals.expiryMinutes')) * 60_000,
  ).toISOString();
  const text = canonicalJson(raw ?? {});
  // A password or secret in the input is stored encrypted with the ledger's key, never in clear.
  const stored = hasSecret(raw) ? `enc:${encryptSecret(secretKey(ctx.ledger.file), text)}` : text;
  const hash = payloadHash(command, redact(parsed), m.state);
  const role = needed.requirement === 'four_eyes' ? (needed.role ?? 'supervisor') : null;
  const id = db.transaction(() => {
    const newId = Number(
      db
        .prepare(
          `INSERT INTO approvals (operation, command, input_json, payload_hash, amounts_json, description, requirement, role,
             status, prepared_by, prepared_roles, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
        )
        .run(
          operation,
          command,
          stored,
          hash,
          JSON.stringify(m.amounts ?? []),
          m.description,
          needed.requirement,
          role,
          me.id,
          me.roles.join(','),
          at,
          expiresAt,
        ).lastInsertRowid,
    );
    writeAudit(db, {
      at,
      operatorId: me.id,
      action: 'approval.prepare',
      entity: 'approval',
      entityId: String(newId),
      after: {
        operation,
        command,
        input: redact(parsed),
        amounts: m.amounts,
        requirement: needed.requirement,
        role,
        hash,
        expiresAt,
        preparedBy: me.login,
      },
    });
    return newId;
  })();
  return getApproval(ctx, id);
}

/** One approval. */
export function getApproval(ctx: ServiceContext, id: number): ApprovalDto {
  return toDto(ctx, loadRow(ctx.ledger.sqlite, id));
}

/** Marks pending approvals past their expiry as expired (audited once each). */
function expireDue(db: Database.Database, now: Date): void {
  const at = now.toISOString();
  const due = db
    .prepare(
      `SELECT id, prepared_by AS preparedBy FROM approvals WHERE status = 'pending' AND expires_at < ?`,
    )
    .all(at) as {
    id: number;
    preparedBy: number;
  }[];
  if (due.length === 0) return;
  db.transaction(() => {
    for (const d of due) {
      const r = db
        .prepare(
          `UPDATE approvals SET status = 'expired', decided_at = ?, reason = 'expired before approval' WHERE id = ? AND status = 'pending'`,
        )
        .run(at, d.id);
      if (r.changes === 1)
        writeAudit(db, {
          at,
          operatorId: null,
          action: 'approval.expire',
          entity: 'approval',
          entityId: String(d.id),
        });
    }
  })();
}

/** Approvals, newest first: by status, or only those this operator prepared. */
export function listApprovals(
  ctx: ServiceContext,
  input: { status?: ApprovalStatus | undefined; mine: boolean; limit: number },
): { rows: ApprovalDto[] } {
  const db = ctx.ledger.sqlite;
  expireDue(db, ctx.clock());
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (input.status) {
    where.push('a.status = ?');
    args.push(input.status);
  }
  if (input.mine) {
    where.push('a.prepared_by = ?');
    args.push(ctx.operator.id);
  }
  const rows = db
    .prepare(`${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id DESC LIMIT ?`)
    .all(...args, input.limit) as ApprovalRow[];
  return { rows: rows.map((r) => toDto(ctx, r)) };
}

/** Refuses a confirm or reject: counts the attempt when asked, may close the approval, audits, throws. */
function refuse(
  ctx: ServiceContext,
  row: ApprovalRow,
  failure: AppFailure,
  opts: { count?: boolean; status?: 'expired' | 'rejected'; action?: string } = {},
): never {
  const db = ctx.ledger.sqlite;
  const at = ctx.clock().toISOString();
  const me = ctx.operator;
  db.transaction(() => {
    let attempts = row.attempts;
    let status = opts.status;
    let reason = failure.error.message;
    if (opts.count && row.status === 'pending') {
      attempts = (
        db
          .prepare('UPDATE approvals SET attempts = attempts + 1 WHERE id = ? RETURNING attempts')
          .get(row.id) as {
          attempts: number;
        }
      ).attempts;
      if (!status && attempts >= maxAttempts(db)) {
        status = 'rejected';
        reason = `too many failed attempts (${attempts}); last: ${failure.error.message}`;
      }
    }
    if (status)
      db.prepare(
        `UPDATE approvals SET status = ?, decided_at = ?, reason = ? WHERE id = ? AND status = 'pending'`,
      ).run(status, at, reason, row.id);
    writeAudit(db, {
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
  })();
  throw failure;
}

/**
 * Confirms an approval and executes it: pending, unexpired, attempts left; four eyes by a different operator
 * holding the role (never the preparer), second factor by the preparer with a valid code; the payload hash
 * must match the command and state now. The conditional update pending -> approved makes it run once; the
 * command runs as the preparer (re-checked by the gate: still active, still holding the role) and ends
 * executed with its outcome, or failed with the reason.
 */
export async function confirmApproval(
  ctx: ServiceContext,
  input: { approvalId: number; code?: string | undefined },
): Promise<ApprovalDto> {
  const db = ctx.ledger.sqlite;
  const now = ctx.clock();
  const at = now.toISOString();
  const me = ctx.operator;
  const row = loadRow(db, input.approvalId);
  if (row.status !== 'pending')
    refuse(
      ctx,
      row,
      conflict('approval-not-pending', `approval #${row.id} is ${row.status}, not pending; nothing was run`),
    );
  if (at > row.expiresAt)
    refuse(
      ctx,
      row,
      conflict(
        'approval-expired',
        `approval #${row.id} expired at ${row.expiresAt}: run the command again; nothing was run`,
      ),
      {
        status: 'expired',
      },
    );
  if (row.requirement === 'four_eyes') {
    const role = (row.role ?? 'supervisor') as Role;
    if (me.id === row.preparedBy)
      refuse(
        ctx,
        row,
        forbidden(
          `an operator never approves their own operation: approval #${row.id} was prepared by ${row.preparedByLogin}; ask another ${role} to run: paydesk approval confirm ${row.id}`,
          role,
        ),
        { count: true },
      );
    if (!hasRole(me.roles, role))
      refuse(ctx, row, forbidden(`approval #${row.id} needs ${aRole(role)}: ${me.login} is not one`, role), {
        count: true,
      });
  } else {
    if (me.id !== row.preparedBy)
      refuse(
        ctx,
        row,
        forbidden(
          `approval #${row.id} needs the second factor of ${row.preparedByLogin}, who prepared it; only they confirm it`,
        ),
        { count: true },
      );
    if (!input.code)
      refuse(
        ctx,
        row,
        invalidFields(`approval #${row.id} needs your second factor: enter the 6-digit code`, [
          { path: 'code', message: 'required for a second-factor approval' },
        ]),
      );
    const cred = operatorById(db, me.id);
    const env = { db, now, door: currentDoor(), secretKey: () => secretKey(ctx.ledger.file) };
    if (!cred || !secondFactorValid(env, cred, input.code))
      refuse(ctx, row, forbidden(`the code for approval #${row.id} is wrong or has expired`), {
        count: true,
      });
  }
  const raw = storedInput(ctx, row);
  const parsed = commandInputs[row.command].safeParse(raw);
  const m = parsed.success ? measureCommand(db, row.command, parsed.data, now) : null;
  const hashNow = m && parsed.success ? payloadHash(row.command, redact(parsed.data), m.state) : null;
  if (hashNow !== row.payloadHash)
    refuse(
      ctx,
      row,
      conflict(
        'approval-changed',
        `what approval #${row.id} acts on changed since it was prepared (${row.description}${m ? `; now ${amountsText(db, m.amounts) || m.description}` : ''}): run the command again; nothing was run`,
      ),
      { count: true, status: 'rejected' },
    );
  const locked = db.transaction(() => {
    const r = db
      .prepare(
        `UPDATE approvals SET status = 'approved', decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'`,
      )
      .run(me.id, at, row.id);
    if (r.changes !== 1) return false;
    writeAudit(db, {
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
    return true;
  })();
  if (!locked)
    refuse(
      ctx,
      { ...row, status: 'approved' },
      conflict(
        'approval-not-pending',
        `approval #${row.id} is already being run or decided; nothing was run twice`,
      ),
    );
  return executeApproved(ctx, row, raw);
}

/** Runs the approved command once, as the preparer, and records executed or failed. */
async function executeApproved(
  ctx: ServiceContext,
  row: ApprovalRow,
  raw: Record<string, unknown>,
): Promise<ApprovalDto> {
  const db = ctx.ledger.sqlite;
  const me = ctx.operator;
  const executor = executors.get(ctx);
  const preparer = operatorById(db, row.preparedBy);
  let result: Result<unknown>;
  if (!executor || !preparer) {
    result = {
      ok: false,
      error: { code: 'conflict', message: 'the preparer no longer exists', rule: 'approval-preparer' },
    };
  } else {
    const scope = row.preparedRoles.split(',').filter(Boolean) as Role[];
    const client = newClient(currentDoor(), { operator: operatorDto(preparer), via: 'in-process', scope });
    try {
      result = await executing.run({ command: row.command, approvalId: row.id, passed: false }, () =>
        executor(client, row.command, raw),
      );
    } catch (err) {
      result = {
        ok: false,
        error: { code: 'internal', message: 'the approved command crashed', correlationId: String(err) },
      };
    }
  }
  const at = ctx.clock().toISOString();
  db.transaction(() => {
    if (result.ok)
      db.prepare(`UPDATE approvals SET status = 'executed', outcome = ? WHERE id = ?`).run(
        JSON.stringify(result.value ?? null),
        row.id,
      );
    else
      db.prepare(`UPDATE approvals SET status = 'failed', reason = ? WHERE id = ?`).run(
        result.error.message,
        row.id,
      );
    writeAudit(db, {
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
  })();
  if (!result.ok)
    throw new AppFailure({
      ...result.error,
      message: `approval #${row.id} was approved but the command failed: ${result.error.message}`,
    });
  return getApproval(ctx, row.id);
}

/**
 * Rejects a pending approval with a reason: the preparer withdraws it, or an operator who could approve it
 * (the four-eyes role) or an admin rejects it. Audited; a refusal too.
 */
export function rejectApproval(
  ctx: ServiceContext,
  input: { approvalId: number; reason: string },
): ApprovalDto {
  const db = ctx.ledger.sqlite;
  const at = ctx.clock().toISOString();
  const me = ctx.operator;
  const row = loadRow(db, input.approvalId);
  if (row.status !== 'pending')
    refuse(ctx, row, conflict('approval-not-pending', `approval #${row.id} is ${row.status}, not pending`));
  const isPreparer = me.id === row.preparedBy;
  const mayDecide =
    isPreparer ||
    me.roles.includes('admin') ||
    (row.requirement === 'four_eyes' && hasRole(me.roles, (row.role ?? 'supervisor') as Role));
  if (!mayDecide)
    refuse(
      ctx,
      row,
      forbidden(
        `${me.login} may not reject approval #${row.id}: it needs a ${row.role ?? 'the preparer'}`,
        row.role ?? undefined,
      ),
    );
  db.transaction(() => {
    db.prepare(
      `UPDATE approvals SET status = 'rejected', decided_by = ?, decided_at = ?, reason = ? WHERE id = ? AND status = 'pending'`,
    ).run(me.id, at, input.reason, row.id);
    writeAudit(db, {
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
  })();
  return getApproval(ctx, row.id);
}
