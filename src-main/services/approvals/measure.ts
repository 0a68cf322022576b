import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import {
  batchHeadQuery,
  paymentStateQuery,
  pendingPaymentQuery,
  txnStateQuery,
  type BatchHead,
  type PaymentState,
  type PendingPaymentState,
  type TxnState,
} from '../../../db/repos/measures';
import { refundedSumQuery } from '../../../db/repos/processor-txns';
import type { Tx } from '../../../db/storage/port';
import { call, DRIVER, get, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import type { CommandName } from '../../../src-shared/api/contract';
import {
  POLICY_OPERATIONS,
  type ApprovalAmountDto,
  type PolicyOperation,
} from '../../../src-shared/dto/approvals';
import { formatMinor, parseMinor } from '../../../src-shared/money';
import { AppFailure } from '../../ledger/errors';
import { exponentStep } from '../../ledger/rates';
import { getSetting, getSettingIn, SETTING_DEFAULTS, type SettingKey } from '../../ledger/settings';
import { previewSteps, submitPreviewSteps } from '../confirmations/confirmations';
import { parseJsonText, pathsAllowed } from '../files';
import { policyFor, policyForIn } from './policies';

/**
 * What a command would do, as far as the policy table cares: the operations it is (a refund batch submitted
 * with a zero-proof override is both), its amounts per currency (null when it has none), a line for the
 * approver, and the state it acts on, hashed into the approval's payload hash.
 */
export type Measure = {
  operations: PolicyOperation[];
  amounts: ApprovalAmountDto[] | null;
  description: string;
  state: unknown;
};

/** JSON with object keys sorted at every level, undefined values dropped: equal inputs, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const item = (v as Record<string, unknown>)[k];
      if (item !== undefined) out[k] = item;
    }
    return out;
  });
}

/** sha256 (hex) of the command, its parsed input and the measured state. */
export function payloadHash(command: string, parsed: unknown, state: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ command, input: parsed, state }))
    .digest('hex');
}

/** Sums amounts per currency, in currency order. */
function perCurrency(items: readonly { currency: string; amountMinor: number }[]): ApprovalAmountDto[] {
  const by = new Map<string, number>();
  for (const i of items) by.set(i.currency, (by.get(i.currency) ?? 0) + i.amountMinor);
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amountMinor]) => ({ currency, amountMinor }));
}

/** "1,500.00 USD + 20.00 EUR" for a description. */
export function* amountsText(amounts: readonly ApprovalAmountDto[] | null): Steps<string> {
  const parts: string[] = [];
  for (const a of amounts ?? [])
    parts.push(`${formatMinor(a.amountMinor, yield* exponentStep(a.currency))} ${a.currency}`);
  return parts.join(' + ');
}

/** The operations that stop a command, for a quick "is it covered at all" test. */
const COVERED: ReadonlySet<string> = new Set(
  Object.values(POLICY_OPERATIONS).flatMap((o) => o.commands as readonly string[]),
);

function* payments(ids: readonly number[]): Steps<PaymentState[]> {
  const rows: PaymentState[] = [];
  for (const id of ids) {
    const p = yield* get<PaymentState>(paymentStateQuery(id));
    if (p) rows.push(p);
  }
  return rows;
}

/**
 * A configuration import is the settings and the policy table written wholesale: it is covered by
 * settings:save and policies:save when it would change a setting or a policy (an unchanged export
 * re-imported is not). An unreadable file is left to the import's own error.
 */
function* measureImport(input: Record<string, unknown>): Steps<Measure | null> {
  let cfg: unknown = input.config;
  if (typeof input.file === 'string') {
    // A path from the window or the bridge is refused by the import itself; only the CLI's file is looked at
    // here (the import reads it again, audited, right after).
    if (!pathsAllowed()) return null;
    try {
      const parsed = parseJsonText(readFileSync(input.file, 'utf8'), 'the configuration file');
      if (!parsed.ok) return null;
      cfg = parsed.value;
    } catch {
      return null;
    }
  }
  if (cfg === null || typeof cfg !== 'object') return null;
  const { settings, policies } = cfg as { settings?: unknown; policies?: unknown };
  const operations: PolicyOperation[] = [];
  if (settings && typeof settings === 'object') {
    let changed = false;
    for (const [k, v] of Object.entries(settings)) {
      if (!Object.prototype.hasOwnProperty.call(SETTING_DEFAULTS, k)) changed = true;
      else {
        const key = k as SettingKey;
        const now = yield* call(
          (db) => getSetting(db, key),
          (tx) => getSettingIn(tx, key),
        );
        changed = JSON.stringify(now) !== JSON.stringify(v);
      }
      if (changed) break;
    }
    if (changed) operations.push('settings:save');
  }
  if (Array.isArray(policies)) {
    let changed = false;
    for (const p of policies as unknown[]) {
      changed = yield* policyChanged(p);
      if (changed) break;
    }
    if (changed) operations.push('policies:save');
  }
  if (operations.length === 0) return null;
  return {
    operations,
    amounts: null,
    description: `Import a configuration that changes ${operations.map((o) => (o === 'settings:save' ? 'settings' : 'approval policies')).join(' and ')}`,
    state: cfg,
  };
}

/** Whether an imported policy row differs from the rule in force for its operation and currency. */
function* policyChanged(p: unknown): Steps<boolean> {
  if (!p || typeof p !== 'object') return true;
  const row = p as {
    operation?: unknown;
    currency?: unknown;
    above?: unknown;
    requirement?: unknown;
    role?: unknown;
  };
  if (typeof row.operation !== 'string' || !(row.operation in POLICY_OPERATIONS)) return true;
  const operation = row.operation as PolicyOperation;
  const currency = typeof row.currency === 'string' ? row.currency : '*';
  const now = yield* call(
    (db) => policyFor(db, operation, currency),
    (tx) => policyForIn(tx, operation, currency),
  );
  return (
    now.currency !== (row.currency ?? '*') ||
    now.above !== (row.above ?? '0') ||
    now.requirement !== row.requirement ||
    (now.role ?? null) !== (row.role ?? null)
  );
}

/**
 * Measures a covered command from the ledger as it is now, writing nothing. Answers null when the command is
 * not covered, or when the command itself will refuse (a missing batch, a batch not validated, a run without
 * its look-before-you-send confirmation): the command's own error tells the operator more than an approval.
 */
export function* measureSteps(
  on: Pick<Tx, 'dialect'>,
  command: CommandName,
  input: Record<string, unknown>,
  now: Date,
): Steps<Measure | null> {
  const plain = measureWithoutLedger(command, input);
  if (plain !== undefined) return plain;
  switch (command) {
    case 'pay:confirm': {
      const p = yield* get<PendingPaymentState>(pendingPaymentQuery(Number(input.pendingId)));
      if (!p || p.status !== 'pending' || Date.parse(p.expiresAt) <= now.getTime()) return null;
      const amounts = [{ currency: p.currency, amountMinor: p.amountMinor }];
      return {
        operations: ['pay:one-off'],
        amounts,
        description: `One-off payment ${p.id} of ${yield* amountsText(amounts)} from account ${p.accountNo}`,
        state: p,
      };
    }
    case 'pay:refund': {
      const t = yield* get<TxnState>(txnStateQuery(Number(input.txnId)));
      if (!t) return null;
      const left = t.amountMinor - (yield* get<{ s: number }>(refundedSumQuery(t.id)))!.s;
      let amountMinor = left;
      if (typeof input.amount === 'string') {
        const parsed = parseMinor(input.amount, yield* exponentStep(t.currency));
        if (!parsed.ok) return null;
        amountMinor = parsed.value;
      }
      const amounts = [{ currency: t.currency, amountMinor }];
      return {
        operations: ['pay:refund'],
        amounts,
        description: `Refund ${yield* amountsText(amounts)} of transaction ${t.id}`,
        state: { ...t, left },
      };
    }
    case 'batches:submit': {
      const b = yield* get<BatchHead>(batchHeadQuery(Number(input.batchId)));
      if (!b || b.status !== 'validated') return null;
      const preview = yield* submitPreviewSteps(on, input);
      if (preview.required && input.confirmationId === undefined) return null;
      const operations: PolicyOperation[] = [];
      if (b.batchType === 'refund') operations.push('batches:refund');
      if (b.batchType === 'reversal') operations.push('batches:reversal');
      if (input.overrideReasonCode !== undefined) operations.push('batches:zero-proof-override');
      if (operations.length === 0) return null;
      const amounts = preview.summary.totals.map((t) => ({
        currency: t.currency,
        amountMinor: t.amountMinor,
      }));
      return {
        operations,
        amounts,
        description: `${preview.summary.description} (${(yield* amountsText(amounts)) || 'nothing'})${input.overrideReasonCode !== undefined ? ', zero-proof override' : ''}`,
        state: preview.hash,
      };
    }
    case 'suspense:remove':
    case 'suspense:recycle': {
      const ids =
        command === 'suspense:remove'
          ? [Number(input.paymentId)]
          : (input.paymentIds as number[]).map(Number);
      const rows = yield* payments(ids);
      if (rows.length === 0) return null;
      const amounts = perCurrency(rows);
      const verb = command === 'suspense:remove' ? 'Remove as unallocatable' : 'Recycle';
      return {
        operations: [command],
        amounts,
        description: `${verb} suspended payment${ids.length === 1 ? '' : 's'} ${ids.join(', ')} (${yield* amountsText(amounts)})`,
        state: rows,
      };
    }
    case 'collect:run':
    case 'collect:deposit':
    case 'collect:refund':
    case 'dd:run': {
      // A run is previewed and confirmed first (issue #11); without that confirmation it refuses by itself.
      // A direct-debit dry run posts nothing and sends nothing.
      if (input.confirmationId === undefined || input.dryRun === true) return null;
      let preview;
      try {
        preview = yield* previewSteps(on, command, input, now);
      } catch (err) {
        // The run's own refusal (no processor, a window that ends before it starts) says more than an approval.
        if (err instanceof AppFailure) return null;
        throw err;
      }
      const amounts = preview.summary.totals.map((t) => ({
        currency: t.currency,
        amountMinor: t.amountMinor,
      }));
      return {
        // A direct-debit run collects money as a card collection run does: the same policy governs it.
        operations: [command === 'dd:run' ? 'collect:run' : command],
        amounts,
        description: `${preview.summary.description} (${(yield* amountsText(amounts)) || 'nothing'})`,
        state: preview.hash,
      };
    }
    case 'admin:import-config':
      return yield* measureImport(input);
    default:
      return null;
  }
}

/** measureSteps in a port transaction (an approval's confirm re-measuring what it acts on). */
export function measureCommandIn(
  tx: Tx,
  command: CommandName,
  input: Record<string, unknown>,
  now: Date,
): Promise<Measure | null> {
  return stepsIn(tx, measureSteps(tx, command, input, now));
}

/** measureSteps through the driver (dispatch's approval guard, in the writer's turn). */
export function measureCommand(
  db: Database.Database,
  command: CommandName,
  input: Record<string, unknown>,
  now: Date,
): Measure | null {
  return stepsOnDriver(db, measureSteps(DRIVER, command, input, now));
}

/**
 * The measure of a covered command that reads nothing from the ledger (its input says it all), null when the command
 * is not covered, or undefined when measuring it reads the ledger (batches, payments, runs, the configuration,
 * measureSteps).
 */
export function measureWithoutLedger(
  command: CommandName,
  input: Record<string, unknown>,
): Measure | null | undefined {
  if (!COVERED.has(command)) return null;
  switch (command) {
    case 'processors:save':
      return {
        operations: ['processors:save'],
        amounts: null,
        description: `Save processor connection ${String(input.name)}`,
        state: null,
      };
    case 'creditors:add':
    case 'creditors:update':
      return {
        operations: ['creditors:save'],
        amounts: null,
        description: `${command === 'creditors:add' ? 'Add' : 'Update'} direct-debit creditor ${String(input.code)}`,
        state: null,
      };
    case 'admin:set-setting':
      return {
        operations: ['settings:save'],
        amounts: null,
        description: `Set ${String(input.key)} to ${JSON.stringify(input.value)}`,
        state: null,
      };
    case 'policies:save':
      return {
        operations: ['policies:save'],
        amounts: null,
        description: `Policy ${String(input.operation)} (${String(input.currency)}): ${String(input.requirement).replace('_', ' ')}${typeof input.role === 'string' ? ` (${input.role})` : ''} above ${String(input.above)}`,
        state: null,
      };
    default:
      if (command.startsWith('operators:'))
        return {
          operations: ['operators'],
          amounts: null,
          description: `${command} ${canonicalJson(Object.fromEntries(Object.entries(input).filter(([k]) => !/password/i.test(k))))}`,
          state: null,
        };
      return undefined;
  }
}
