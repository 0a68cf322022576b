import type Database from 'better-sqlite3';
import {
  POLICY_OPERATIONS,
  POLICY_OPERATION_KEYS,
  type ApprovalAmountDto,
  type PolicyDto,
  type PolicyOperation,
  type Requirement,
} from '../../../src-shared/dto/approvals';
import { writeAudit } from '../../ledger/audit';
import { exponentOf } from '../../ledger/rates';
import { getSetting } from '../../ledger/settings';
import { minimumMinor } from '../processors/collect';

/** A policy as stored or defaulted, before the labels and who-saved-it are added. */
export type PolicyRule = {
  operation: PolicyOperation;
  currency: string;
  above: string;
  requirement: Requirement;
  role: string | null;
};

/**
 * The built-in policies a new ledger starts with (README "Policies and approvals"): one-off payments above
 * `pay.fourEyesAmount` (1,000.00) and refund batches above 1,000.00 need a supervisor other than the
 * preparer; everything else runs as today until an admin saves a stricter rule.
 */
export function defaultPolicies(db: Database.Database): PolicyRule[] {
  return POLICY_OPERATION_KEYS.map((operation): PolicyRule => {
    if (operation === 'pay:one-off')
      return {
        operation,
        currency: '*',
        above: String(getSetting(db, 'pay.fourEyesAmount')),
        requirement: 'four_eyes',
        role: 'supervisor',
      };
    if (operation === 'batches:refund')
      return { operation, currency: '*', above: '1000.00', requirement: 'four_eyes', role: 'supervisor' };
    return { operation, currency: '*', above: '0', requirement: 'none', role: null };
  });
}

type PolicyRow = PolicyRule & { updatedBy: string | null; updatedAt: string };

function savedRows(db: Database.Database): PolicyRow[] {
  return db
    .prepare(
      `SELECT p.operation, p.currency, p.above, p.requirement, p.role, o.login AS updatedBy, p.updated_at AS updatedAt
       FROM approval_policies p LEFT JOIN operators o ON o.id = p.updated_by ORDER BY p.operation, p.currency`,
    )
    .all() as PolicyRow[];
}

function toDto(rule: PolicyRule, saved: PolicyRow | null): PolicyDto {
  return {
    operation: rule.operation,
    label: POLICY_OPERATIONS[rule.operation]?.label ?? rule.operation,
    currency: rule.currency,
    above: rule.above,
    requirement: rule.requirement,
    role: rule.role,
    source: saved ? 'saved' : 'default',
    updatedBy: saved?.updatedBy ?? null,
    updatedAt: saved?.updatedAt ?? null,
  };
}

/** The effective policy table: every saved row, plus the default of each operation without a '*' row. */
export function listPolicies(db: Database.Database): PolicyDto[] {
  const saved = savedRows(db);
  const out: PolicyDto[] = [];
  for (const def of defaultPolicies(db)) {
    const mine = saved.filter((s) => s.operation === def.operation);
    if (!mine.some((s) => s.currency === '*')) out.push(toDto(def, null));
    for (const s of mine) out.push(toDto(s, s));
  }
  return out;
}

/** The rule for an operation in a currency: saved for the currency, saved for '*', or the default. */
export function policyFor(db: Database.Database, operation: PolicyOperation, currency: string): PolicyRule {
  const row = db
    .prepare(
      `SELECT operation, currency, above, requirement, role FROM approval_policies
       WHERE operation = ? AND currency IN (?, '*') ORDER BY currency = '*' LIMIT 1`,
    )
    .get(operation, currency) as PolicyRule | undefined;
  return row ?? defaultPolicies(db).find((d) => d.operation === operation)!;
}

/** What an operation needs: the strictest requirement over its amounts (none when nothing applies). */
export type Needed = { requirement: Exclude<Requirement, 'none'>; role: string | null; rule: PolicyRule };

const STRENGTH: Record<Requirement, number> = { none: 0, second_factor: 1, four_eyes: 2 };

/**
 * Looks up the requirement of an operation: amount-less operations (and empty amounts) use the '*' rule,
 * which applies whenever its requirement is not none; an amount applies when the rule's threshold is 0 or
 * the amount's absolute value is above it.
 */
export function requirementFor(
  db: Database.Database,
  operation: PolicyOperation,
  amounts: readonly ApprovalAmountDto[] | null,
): Needed | null {
  const rules: PolicyRule[] = [];
  if (amounts === null || amounts.length === 0) {
    const rule = policyFor(db, operation, '*');
    if (amounts === null || minimumMinor(rule.above, 0) === 0) rules.push(rule);
  } else {
    for (const a of amounts) {
      const rule = policyFor(db, operation, a.currency);
      const aboveMinor = minimumMinor(rule.above, exponentOf(db, a.currency));
      if (aboveMinor === 0 || Math.abs(a.amountMinor) > aboveMinor) rules.push(rule);
    }
  }
  let best: Needed | null = null;
  for (const rule of rules) {
    if (rule.requirement === 'none') continue;
    if (!best || STRENGTH[rule.requirement] > STRENGTH[best.requirement])
      best = { requirement: rule.requirement, role: rule.role, rule };
  }
  return best;
}

/** Saves (inserts or replaces) one policy row, audited with before and after. */
export function savePolicy(
  db: Database.Database,
  input: {
    operation: PolicyOperation;
    currency: string;
    above: string;
    requirement: Requirement;
    role?: string | undefined;
  },
  now: Date,
  operatorId: number,
): PolicyDto {
  const at = now.toISOString();
  const role = input.requirement === 'four_eyes' ? (input.role ?? null) : null;
  db.transaction(() => {
    const before = policyFor(db, input.operation, input.currency);
    db.prepare(
      `INSERT INTO approval_policies (operation, currency, above, requirement, role, updated_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (operation, currency) DO UPDATE SET above = excluded.above, requirement = excluded.requirement,
         role = excluded.role, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    ).run(input.operation, input.currency, input.above, input.requirement, role, operatorId, at);
    writeAudit(db, {
      at,
      operatorId,
      action: 'policy.save',
      entity: 'approval_policy',
      entityId: `${input.operation}/${input.currency}`,
      before,
      after: {
        operation: input.operation,
        currency: input.currency,
        above: input.above,
        requirement: input.requirement,
        role,
      },
    });
  })();
  return listPolicies(db).find((p) => p.operation === input.operation && p.currency === input.currency)!;
}
