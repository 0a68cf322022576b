import type Database from 'better-sqlite3';
import {
  POLICY_OPERATIONS,
  POLICY_OPERATION_KEYS,
  type ApprovalAmountDto,
  type PolicyDto,
  type PolicyOperation,
  type Requirement,
} from '../../../src-shared/dto/approvals';
import { appendAudit } from '../../../db/repos/audit';
import {
  policyForQuery,
  policyUpsertQuery,
  savedPoliciesQuery,
  type SavedPolicyRow,
} from '../../../db/repos/approval-policies';
import type { Storage, Tx } from '../../../db/storage/port';
import { driverAll, driverGet } from '../../../db/storage/sqlite';
import { exponentOf, exponentOfIn } from '../../ledger/rates';
import { getSetting, getSettingIn } from '../../ledger/settings';
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
  return defaultsWith(String(getSetting(db, 'pay.fourEyesAmount')));
}

function defaultsWith(fourEyesAmount: string): PolicyRule[] {
  return POLICY_OPERATION_KEYS.map((operation): PolicyRule => {
    if (operation === 'pay:one-off')
      return {
        operation,
        currency: '*',
        above: fourEyesAmount,
        requirement: 'four_eyes',
        role: 'supervisor',
      };
    if (operation === 'batches:refund')
      return { operation, currency: '*', above: '1000.00', requirement: 'four_eyes', role: 'supervisor' };
    return { operation, currency: '*', above: '0', requirement: 'none', role: null };
  });
}

type PolicyRow = SavedPolicyRow;

function savedRows(db: Database.Database): PolicyRow[] {
  return driverAll<PolicyRow>(db, savedPoliciesQuery({ dialect: 'sqlite' }));
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
  return effectivePolicies(savedRows(db), defaultPolicies(db));
}

/** listPolicies in a port transaction. */
export async function listPoliciesIn(tx: Tx): Promise<PolicyDto[]> {
  const saved = await tx.all<PolicyRow>(savedPoliciesQuery(tx));
  return effectivePolicies(saved, defaultsWith(String(await getSettingIn(tx, 'pay.fourEyesAmount'))));
}

function effectivePolicies(saved: readonly PolicyRow[], defaults: readonly PolicyRule[]): PolicyDto[] {
  const out: PolicyDto[] = [];
  for (const def of defaults) {
    const mine = saved.filter((s) => s.operation === def.operation);
    if (!mine.some((s) => s.currency === '*')) out.push(toDto(def, null));
    for (const s of mine) out.push(toDto(s, s));
  }
  return out;
}

/** The rule for an operation in a currency: saved for the currency, saved for '*', or the default. */
export function policyFor(db: Database.Database, operation: PolicyOperation, currency: string): PolicyRule {
  const row = driverGet<PolicyRule>(db, policyForQuery(operation, currency));
  return row ?? defaultPolicies(db).find((d) => d.operation === operation)!;
}

/** policyFor in a port transaction. */
export async function policyForIn(tx: Tx, operation: PolicyOperation, currency: string): Promise<PolicyRule> {
  const row = await tx.get<PolicyRule>(policyForQuery(operation, currency));
  if (row) return row;
  const defaults = defaultsWith(String(await getSettingIn(tx, 'pay.fourEyesAmount')));
  return defaults.find((d) => d.operation === operation)!;
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
  return strictest(rules);
}

/** requirementFor in a port transaction. */
export async function requirementForIn(
  tx: Tx,
  operation: PolicyOperation,
  amounts: readonly ApprovalAmountDto[] | null,
): Promise<Needed | null> {
  const rules: PolicyRule[] = [];
  if (amounts === null || amounts.length === 0) {
    const rule = await policyForIn(tx, operation, '*');
    if (amounts === null || minimumMinor(rule.above, 0) === 0) rules.push(rule);
  } else {
    for (const a of amounts) {
      const rule = await policyForIn(tx, operation, a.currency);
      const aboveMinor = minimumMinor(rule.above, await exponentOfIn(tx, a.currency));
      if (aboveMinor === 0 || Math.abs(a.amountMinor) > aboveMinor) rules.push(rule);
    }
  }
  return strictest(rules);
}

function strictest(rules: readonly PolicyRule[]): Needed | null {
  let best: Needed | null = null;
  for (const rule of rules) {
    if (rule.requirement === 'none') continue;
    if (!best || STRENGTH[rule.requirement] > STRENGTH[best.requirement])
      best = { requirement: rule.requirement, role: rule.role, rule };
  }
  return best;
}

/** The effective policy table, read through the storage port. */
export function listPoliciesOf(storage: Storage): Promise<PolicyDto[]> {
  return storage.transaction((tx) => listPoliciesIn(tx), { readOnly: true });
}

/** Saves (inserts or replaces) one policy row, audited with before and after. */
export function savePolicy(
  storage: Storage,
  input: {
    operation: PolicyOperation;
    currency: string;
    above: string;
    requirement: Requirement;
    role?: string | undefined;
  },
  now: Date,
  operatorId: number,
): Promise<PolicyDto> {
  const at = now.toISOString();
  const role = input.requirement === 'four_eyes' ? (input.role ?? null) : null;
  return storage.transaction(
    async (tx) => {
      const before = await policyForIn(tx, input.operation, input.currency);
      await tx.run(policyUpsertQuery({ ...input, role, updatedBy: operatorId, updatedAt: at }));
      await appendAudit(tx, {
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
      return (await listPoliciesIn(tx)).find(
        (p) => p.operation === input.operation && p.currency === input.currency,
      )!;
    },
    { serializable: true },
  );
}
