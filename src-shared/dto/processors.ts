import type { ConfirmationRefDto } from './confirmations';

/** Processor health as shown in the status bar and the Collections screen. */
export type ProcessorHealth = 'unknown' | 'up' | 'degraded' | 'down';

/** A merchant account for one currency (DOMAIN.md §2.15). */
export type MerchantDto = { merchant: string; mid: string };

/** A processor connection; the secret is never returned, only a hint such as ••••xy. */
export type ProcessorDto = {
  id: number;
  name: string;
  kind: 'simulator';
  url: string;
  merchants: Record<string, MerchantDto>;
  onlineTimeoutMs: number;
  batchTimeoutMs: number;
  connectRetries: number;
  heartbeatSec: number;
  channelId: number;
  secretHint: string | null;
  isDefault: boolean;
  health: ProcessorHealth;
  lastHeartbeatAt: string | null;
  lastLatencyMs: number | null;
};

/** The result of a heartbeat test. */
export type ProcessorTestDto = {
  processor: string;
  ok: boolean;
  health: ProcessorHealth;
  latencyMs: number | null;
  message: string;
  at: string;
};

/** Count and amount of one result code in a run. */
/** An amount in one currency; totals keep currencies apart and are never added across them. */
export type AmountDto = { currency: string; amountMinor: number };

/** Count of one result code in a run, with its amounts per currency. */
export type ResultTotalDto = { result: number; name: string; count: number; amounts: AmountDto[] };

/** A collection, deposit or refund run with its totals per result. */
export type CollectRunDto = {
  runId: number;
  kind: 'collect' | 'deposit' | 'refund';
  processor: string;
  windowStart: string | null;
  windowEnd: string | null;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  selected: number;
  sent: number;
  totals: ResultTotalDto[];
  postedCount: number;
  posted: AmountDto[];
  /** Records still at 999 (outcome unknown) or 1000+ (charged, not posted): work for Recovery. */
  unresolved: number;
  skipped: Record<string, number>;
  startedAt: string;
  finishedAt: string | null;
  elapsedMs: number | null;
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null;
  /** The confirmation the run went out under (run commands only; not kept with the run). */
  confirmation?: ConfirmationRefDto;
};

/** One processor transaction record (checkpoint) as listed in drill-downs and Recovery. */
export type ProcessorTxnDto = {
  id: number;
  idemKey: string;
  command: 'verify' | 'auth' | 'condition' | 'deposit' | 'refund';
  result: number;
  resultName: string;
  accountNo: string;
  billNo: string | null;
  amountMinor: number;
  currency: string;
  mask: string | null;
  merchant: string;
  batchKey: string | null;
  authCode: string | null;
  processorRef: string | null;
  paymentId: number | null;
  runId: number | null;
  createdAt: string;
  settledAt: string | null;
  ageDays: number;
};

/** A page of transactions. */
export type ProcessorTxnPageDto = { rows: ProcessorTxnDto[]; total: number };

/** Open checkpoints by command type (pin_clean -summary, DOMAIN.md §3.3). */
export type RecoverySummaryDto = {
  open: { command: string; label: string; count: number; amounts: AmountDto[]; oldest: string | null }[];
  /** Charged at the processor but not posted here (1000 + code at rest). */
  unposted: { command: string; label: string; count: number; amounts: AmountDto[] }[];
  totalOpen: number;
  totalUnposted: number;
};

/** What a recovery action did. */
export type RecoveryResultDto = {
  action: 'rfr' | 'resubmit' | 'recover-payment' | 'delete';
  examined: number;
  settled: number;
  posted: number;
  resubmitted: number;
  deleted: number;
  stillOpen: number;
  refused: { txnId: number; reason: string }[];
};

/** The daily summary of processor activity. */
export type DailySummaryDto = {
  date: string;
  byCommand: { command: string; result: number; name: string; count: number; amounts: AmountDto[] }[];
  openCheckpoints: number;
  unposted: number;
};

/** A follow-up raised by collection (soft decline, hard decline, retries exhausted, processor error). */
export type WorkflowItemDto = {
  id: number;
  accountNo: string;
  kind: string;
  txnId: number | null;
  message: string;
  status: 'open' | 'done';
  createdAt: string;
};

/** A stored payment method: token and mask only. */
export type PaymentMethodDto = {
  id: number;
  accountNo: string;
  type: 'card' | 'bank' | 'wallet';
  mask: string;
  brand: string | null;
  expiry: string | null;
  holder: string | null;
  isDefault: boolean;
  verification: 'unverified' | 'verified' | 'failed';
  avsCode: string | null;
  cvvCode: string | null;
  verifiedAt: string | null;
  createdAt: string;
};

/** A one-off payment waiting for confirmation, or decided. */
export type PendingPaymentDto = {
  id: number;
  accountNo: string;
  accountName: string;
  amountMinor: number;
  currency: string;
  mask: string;
  brand: string | null;
  description: string | null;
  status: 'pending' | 'confirmed' | 'cancelled' | 'expired' | 'declined' | 'unresolved';
  expiresAt: string;
  minutesLeft: number;
  urgency: 'expired' | 'urgent' | 'soon' | 'normal';
  needsSupervisor: boolean;
  createdBy: string | null;
  decidedBy: string | null;
  cancelReason: string | null;
  txnId: number | null;
  result: number | null;
  resultName: string | null;
  authCode: string | null;
  paymentId: number | null;
  createdAt: string;
};

/** The result of refunding a previous transaction. */
export type RefundResultDto = {
  originalTxnId: number;
  refundTxnId: number;
  amountMinor: number;
  currency: string;
  result: number;
  resultName: string;
  reversedPaymentId: number | null;
  remainderPaymentId: number | null;
};
