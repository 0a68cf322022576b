import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { CommandName } from '../../../src-shared/api/contract';
import {
  POLICY_OPERATIONS,
  type ApprovalAmountDto,
  type PolicyOperation,
} from '../../../src-shared/dto/approvals';
import { formatMinor, parseMinor } from '../../../src-shared/money';
import { exponentOf } from '../../ledger/rates';
import { previewOperation, submitPreview } from '../confirmations/confirmations';
import { refundableMinor } from '../processors/refunds';
import { readFileSync } from 'node:fs';
import { parseJsonText, pathsAllowed } from '../files';
import { getSetting, SETTING_DEFAULTS, type SettingKey } from '../../ledger/settings';
import { policyFor } from './policies';

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
export function amountsText(db: Database.Database, amounts: readonly ApprovalAmountDto[] | null): string {
  if (!amounts || amounts.length === 0) return '';
  return amounts
    .map((a) => `${formatMinor(a.amountMinor, exponentOf(db, a.currency))} ${a.currency}`)
    .join(' + ');
}

/** The operations that stop a command, for a quick "is it covered at all" test. */
const COVERED: ReadonlySet<string> = new Set(
  Object.values(POLICY_OPERATIONS).flatMap((o) => o.commands as readonly string[]),
);

type PaymentState = { id: number; amountMinor: number; currency: string; status: number; reasonCode: number };

function payments(db: Database.Database, ids: readonly number[]): PaymentState[] {
  const stmt = db.prepare(
    `SELECT id, amount_minor AS amountMinor, currency, status, reason_code AS reasonCode FROM payments WHERE id = ?`,
  );
  return ids.map((id) => stmt.get(id) as PaymentState | undefined).filter((p): p is PaymentState => !!p);
}

/**
 * A configuration import is the settings and the policy table written wholesale: it is covered by
 * settings:save and policies:save when it would change a setting or a policy (an unchanged export
 * re-imported is not). An unreadable file is left to the import's own error.
 */
function measureImport(db: Database.Database, input: Record<string, unknown>): Measure | null {
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
    const changed = Object.entries(settings).some(
      ([k, v]) =>
        !Object.prototype.hasOwnProperty.call(SETTING_DEFAULTS, k) ||
        JSON.stringify(getSetting(db, k as SettingKey)) !== JSON.stringify(v),
    );
    if (changed) operations.push('settings:save');
  }
  if (Array.isArray(policies)) {
    const changed = policies.some((p: unknown) => {
      if (!p || typeof p !== 'object') return true;
      const row = p as {
        operation?: unknown;
        currency?: unknown;
        above?: unknown;
        requirement?: unknown;
        role?: unknown;
      };
      if (typeof row.operation !== 'string' || !(row.operation in POLICY_OPERATIONS)) return true;
      const now = policyFor(
        db,
        row.operation as PolicyOperation,
        typeof row.currency === 'string' ? row.currency : '*',
      );
      return (
        now.currency !== (row.currency ?? '*') ||
        now.above !== (row.above ?? '0') ||
        now.requirement !== row.requirement ||
        (now.role ?? null) !== (row.role ?? null)
      );
    });
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

/**
 * Measures a covered command from the ledger as it is now, writing nothing. Returns null when the command is
 * not covered, or when the command itself will refuse (a missing batch, a batch not validated, a run without
 * its look-before-you-send confirmation): the command's own error tells the operator more than an approval.
 */
export function measureCommand(
  db: Database.Database,
  command: CommandName,
  input: Record<string, unknown>,
  now: Date,
): Measure | null {
  const plain = measureWithoutLedger(command, input);
  if (plain !== undefined) return plain;
  switch (command) {
    case 'pay:confirm': {
      const p = db
        .prepare(
          `SELECT p.id, p.amount_minor AS amountMinor, p.currency, p.status, p.token, p.expires_at AS expiresAt, a.account_no AS accountNo
           FROM pending_payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ?`,
        )
        .get(Number(input.pendingId)) as
        | {
            id: number;
            amountMinor: number;
            currency: string;
            status: string;
            token: string;
            expiresAt: string;
            accountNo: string;
          }
        | undefined;
      if (!p || p.status !== 'pending' || Date.parse(p.expiresAt) <= now.getTime()) return null;
      const amounts = [{ currency: p.currency, amountMinor: p.amountMinor }];
      return {
        operations: ['pay:one-off'],
        amounts,
        description: `One-off payment ${p.id} of ${amountsText(db, amounts)} from account ${p.accountNo}`,
        state: p,
      };
    }
    case 'pay:refund': {
      const t = db
        .prepare(
          `SELECT id, amount_minor AS amountMinor, currency, command, result, payment_id AS paymentId FROM processor_txns WHERE id = ?`,
        )
        .get(Number(input.txnId)) as
        | {
            id: number;
            amountMinor: number;
            currency: string;
            command: string;
            result: number;
            paymentId: number | null;
          }
        | undefined;
      if (!t) return null;
      const left = refundableMinor(db, t.id);
      let amountMinor = left;
      if (typeof input.amount === 'string') {
        const parsed = parseMinor(input.amount, exponentOf(db, t.currency));
        if (!parsed.ok) return null;
        amountMinor = parsed.value;
      }
      const amounts = [{ currency: t.currency, amountMinor }];
      return {
        operations: ['pay:refund'],
        amounts,
        description: `Refund ${amountsText(db, amounts)} of transaction ${t.id}`,
        state: { ...t, left },
      };
    }
    case 'batches:submit': {
      const b = db
        .prepare('SELECT id, batch_no AS batchNo, batch_type AS batchType, status FROM batches WHERE id = ?')
        .get(Number(input.batchId)) as
        { id: number; batchNo: string; batchType: string; status: string } | undefined;
      if (!b || b.status !== 'validated') return null;
      const preview = submitPreview(db, input);
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
        description: `${preview.summary.description} (${amountsText(db, amounts) || 'nothing'})${input.overrideReasonCode !== undefined ? ', zero-proof override' : ''}`,
        state: preview.hash,
      };
    }
    case 'suspense:remove':
    case 'suspense:recycle': {
      const ids =
        command === 'suspense:remove'
          ? [Number(input.paymentId)]
          : (input.paymentIds as number[]).map(Number);
      const rows = payments(db, ids);
      if (rows.length === 0) return null;
      const amounts = perCurrency(rows);
      const verb = command === 'suspense:remove' ? 'Remove as unallocatable' : 'Recycle';
      return {
        operations: [command],
        amounts,
        description: `${verb} suspended payment${ids.length === 1 ? '' : 's'} ${ids.join(', ')} (${amountsText(db, amounts)})`,
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
        preview = previewOperation(db, command, input, now);
      } catch {
        return null;
      }
      const amounts = preview.summary.totals.map((t) => ({
        currency: t.currency,
        amountMinor: t.amountMinor,
      }));
      return {
        // A direct-debit run collects money as a card collection run does: the same policy governs it.
        operations: [command === 'dd:run' ? 'collect:run' : command],
        amounts,
        description: `${preview.summary.description} (${amountsText(db, amounts) || 'nothing'})`,
        state: preview.hash,
      };
    }
    case 'admin:import-config':
      return measureImport(db, input);
    default:
      return null;
  }
}

/**
 * The measure of a covered command that reads nothing from the ledger (its input says it all), null when the command
 * is not covered, or undefined when measuring it reads the ledger (batches, payments, runs, the configuration). A
 * confirmation re-measures the first kind on either database; the second still needs the SQLite driver.
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
