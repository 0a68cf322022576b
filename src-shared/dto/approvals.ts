/** What a policy can require before an operation runs. */
export const REQUIREMENTS = ['none', 'second_factor', 'four_eyes'] as const;

/** One requirement. */
export type Requirement = (typeof REQUIREMENTS)[number];

/**
 * The operations a policy can cover (README "Policies and approvals"), each with the commands it stops and
 * whether it has an amount (amount-less operations apply whenever their requirement is not none).
 */
export const POLICY_OPERATIONS = {
  'pay:one-off': { label: 'One-off payment (confirm)', commands: ['pay:confirm'], amount: true },
  'pay:refund': { label: 'One-off refund', commands: ['pay:refund'], amount: true },
  'batches:refund': { label: 'Submit a refund batch', commands: ['batches:submit'], amount: true },
  'batches:reversal': { label: 'Submit a reversal batch', commands: ['batches:submit'], amount: true },
  'batches:zero-proof-override': {
    label: 'Submit with a zero-proof override',
    commands: ['batches:submit'],
    amount: true,
  },
  'suspense:remove': {
    label: 'Remove from suspense as unallocatable',
    commands: ['suspense:remove'],
    amount: true,
  },
  'suspense:recycle': { label: 'Recycle suspended payments', commands: ['suspense:recycle'], amount: true },
  'collect:run': {
    label: 'Collection run (cards and direct debit)',
    commands: ['collect:run', 'dd:run'],
    amount: true,
  },
  'collect:deposit': { label: 'Deposit run', commands: ['collect:deposit'], amount: true },
  'collect:refund': { label: 'Refund run', commands: ['collect:refund'], amount: true },
  'processors:save': {
    label: 'Processor and bank connection settings',
    commands: ['processors:save'],
    amount: false,
  },
  'creditors:save': {
    label: 'Direct-debit creditors (their bank accounts receive the collections)',
    commands: ['creditors:add', 'creditors:update'],
    amount: false,
  },
  'settings:save': {
    label: 'Business settings (also through a configuration import)',
    commands: ['admin:set-setting', 'admin:import-config'],
    amount: false,
  },
  operators: {
    label: 'Operators and roles',
    commands: [
      'operators:add',
      'operators:grant',
      'operators:revoke',
      'operators:update',
      'operators:set-password',
      'operators:unlock',
    ],
    amount: false,
  },
  'policies:save': {
    label: 'The policy table itself (also through a configuration import)',
    commands: ['policies:save', 'admin:import-config'],
    amount: false,
  },
} as const;

/** A policy operation key. */
export type PolicyOperation = keyof typeof POLICY_OPERATIONS;

/** The operation keys as a runtime list. */
export const POLICY_OPERATION_KEYS = Object.keys(POLICY_OPERATIONS) as [
  PolicyOperation,
  ...PolicyOperation[],
];

/** One effective policy row: saved by an admin, or the built-in default. */
export type PolicyDto = {
  operation: PolicyOperation;
  label: string;
  /** ISO 4217 code, or '*' for every currency (and for operations without an amount). */
  currency: string;
  /** Decimal amount; the requirement applies above it ('0' = always). */
  above: string;
  requirement: Requirement;
  role: string | null;
  source: 'default' | 'saved';
  updatedBy: string | null;
  updatedAt: string | null;
};

/** An amount per currency, as measured when the operation was prepared. */
export type ApprovalAmountDto = { currency: string; amountMinor: number };

/** Where an approval is in its life. */
export const APPROVAL_STATUSES = [
  'pending',
  'approved',
  'rejected',
  'expired',
  'executed',
  'failed',
] as const;

/** One approval status. */
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A prepared operation waiting for (or past) its approval. */
export type ApprovalDto = {
  id: number;
  operation: PolicyOperation;
  command: string;
  input: Record<string, unknown>;
  payloadHash: string;
  amounts: ApprovalAmountDto[];
  description: string;
  requirement: Exclude<Requirement, 'none'>;
  role: string | null;
  status: ApprovalStatus;
  preparedBy: string;
  createdAt: string;
  expiresAt: string;
  attempts: number;
  maxAttempts: number;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  /** The executed command's result (JSON), once executed. */
  outcome: unknown;
};
