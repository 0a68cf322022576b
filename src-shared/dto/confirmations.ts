/** The commands that send money out and go through prepare -> confirm (README "Confirmations"). */
export const CONFIRMABLE_OPERATIONS = [
  'collect:run',
  'collect:deposit',
  'collect:refund',
  'batches:submit',
  'dd:run',
] as const;

/** One of the confirmable commands. */
export type ConfirmableOperation = (typeof CONFIRMABLE_OPERATIONS)[number];

/** Count and total of one currency (totals are never added across currencies). */
export type CurrencyTotalDto = { currency: string; count: number; amountMinor: number };

/** One line of a preview: a processor and merchant of a run, or an entry status of a batch. */
export type ConfirmationGroupDto = { label: string; count: number; totals: CurrencyTotalDto[] };

/** A prepared outgoing-money operation: exactly what a confirm will send, as the operator saw it. */
export type ConfirmationDto = {
  id: number;
  operation: ConfirmableOperation;
  /** The command input it was prepared for (defaults applied); a confirm must name the same. */
  input: Record<string, unknown>;
  /** False when the operation would run without a confirmation (a batch under the limit). */
  required: boolean;
  /** sha256 of operation, input and the exact selection (items, amounts, tokens or entries). */
  hash: string;
  /** One line for the dialog and the CLI, e.g. "Collect 352 bills through sim". */
  description: string;
  count: number;
  totals: CurrencyTotalDto[];
  groups: ConfirmationGroupDto[];
  processor: string | null;
  window: { start: string | null; end: string | null } | null;
  /** Runs: bills left out and why (0 when none); null for batches. */
  skipped: Record<string, number> | null;
  /** Batch submit: the confirmation limit in the batch currency (setting confirm.submitAboveAmount). */
  limit: { currency: string; amountMinor: number } | null;
  status: 'pending' | 'confirmed' | 'refused' | 'expired';
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  outcome: string | null;
};

/** The confirmation a run or submit went out under, as added to its result. */
export type ConfirmationRefDto = {
  id: number;
  hash: string;
  count: number;
  totals: CurrencyTotalDto[];
};
