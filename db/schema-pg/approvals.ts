import { bigint, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { operators } from './reference';

/**
 * The approval policy table (issue #12; the SQLite table of the same name): per operation and currency ('*' = any
 * currency), above which decimal amount a second factor or four eyes is required. Rows saved by an admin override
 * the built-in defaults (src-shared/approval-policies.ts).
 */
export const approvalPolicies = pgTable(
  'approval_policies',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** A policy operation key, e.g. pay:one-off or batches:refund. */
    operation: text('operation').notNull(),
    /** ISO 4217 code, or '*' for every currency (and for operations without an amount). */
    currency: text('currency').notNull().default('*'),
    /** Decimal amount in the currency's units; the requirement applies above it ('0' = always). */
    above: text('above').notNull().default('0'),
    requirement: text('requirement', { enum: ['none', 'second_factor', 'four_eyes'] }).notNull(),
    /** Four eyes: the role the approving operator must hold. */
    role: text('role'),
    updatedBy: bigint('updated_by', { mode: 'number' }).references(() => operators.id),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('approval_policies_op_currency_uq').on(t.operation, t.currency)],
);

/**
 * Operations stopped by a policy and stored until approved: the exact command input and a sha256 over the command,
 * the input and the state it acts on, so an approval executes only what was prepared. Executed at most once: the
 * conditional update pending -> approved is the lock.
 */
export const approvals = pgTable(
  'approvals',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** The policy operation key that stopped it. */
    operation: text('operation').notNull(),
    /** The command to execute. */
    command: text('command').notNull(),
    /** The command input as given (canonical JSON: keys sorted, no undefined). */
    inputJson: text('input_json').notNull(),
    /** sha256 (hex) of the command, the parsed input and the state it acts on when prepared. */
    payloadHash: text('payload_hash').notNull(),
    /** Amounts per currency ([{currency, amountMinor}]), as measured when prepared. */
    amountsJson: text('amounts_json').notNull(),
    description: text('description').notNull(),
    requirement: text('requirement', { enum: ['second_factor', 'four_eyes'] }).notNull(),
    /** Four eyes: the approver's role. */
    role: text('role'),
    status: text('status', {
      enum: ['pending', 'approved', 'rejected', 'expired', 'executed', 'failed'],
    })
      .notNull()
      .default('pending'),
    preparedBy: bigint('prepared_by', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    /** The preparer's roles as checked when prepared (a token's scope); execution never exceeds them. */
    preparedRoles: text('prepared_roles').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    /** Failed confirm attempts (wrong code, own operation, missing role, changed payload). */
    attempts: bigint('attempts', { mode: 'number' }).notNull().default(0),
    decidedBy: bigint('decided_by', { mode: 'number' }).references(() => operators.id),
    decidedAt: text('decided_at'),
    /** Why it was rejected, expired or failed. */
    reason: text('reason'),
    /** What the execution returned (JSON). */
    outcome: text('outcome'),
  },
  (t) => [
    index('approvals_status_idx').on(t.status, t.expiresAt),
    index('approvals_prepared_by_idx').on(t.preparedBy),
  ],
);
