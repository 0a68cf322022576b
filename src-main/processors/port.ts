/** Processor result codes (DOMAIN.md §3.1, PIN_FLD_RESULT). */
export const RESULT = {
  pass: 0,
  noAnswer: 1,
  avsFail: 2,
  addrLoc: 3,
  addrZip: 4,
  cardBad: 5,
  serviceUnavailable: 6,
  softDecline: 7,
  hardDecline: 8,
  belowMinimum: 9,
  invalidCommand: 10,
  selectItems: 11,
  cvvBad: 12,
  noCreditBalance: 13,
  logicalProblem: 14,
  formatError: 15,
  invalidContent: 16,
  technicalProblem: 17,
  depositPending: 777,
  authPending: 888,
  checkpoint: 999,
  offset: 1000,
} as const;

/** Result names for display and JSON summaries. */
export const RESULT_NAMES: Readonly<Record<number, string>> = {
  0: 'PASS',
  1: 'FAIL_NO_ANS',
  2: 'FAIL_ADDR_AVS',
  3: 'FAIL_ADDR_LOC',
  4: 'FAIL_ADDR_ZIP',
  5: 'FAIL_CARD_BAD',
  6: 'SRVC_UNAVAIL',
  7: 'FAIL_DECL_SOFT',
  8: 'FAIL_DECL_HARD',
  9: 'FAIL_NO_MIN',
  10: 'INVALID_CMD',
  11: 'FAIL_SELECT_ITEMS',
  12: 'CVV_BAD',
  13: 'NO_CREDIT_BALANCE',
  14: 'FAIL_LOGICAL_PROBLEM',
  15: 'FAIL_FORMAT_ERROR',
  16: 'FAIL_INVALID_CONTENT',
  17: 'FAIL_TECHNICAL_PROBLEM',
  777: 'DEPOSIT_PENDING',
  888: 'AUTH_PENDING',
  999: 'CHECKPOINT',
};

/** Name of a result code, including 1000 + code (charged at the processor, not yet posted here). */
export function resultName(code: number): string {
  if (code >= RESULT.offset)
    return `OFFSET+${RESULT_NAMES[code - RESULT.offset] ?? String(code - RESULT.offset)}`;
  return RESULT_NAMES[code] ?? `CUSTOM_${code}`;
}

/** Processor commands (DOMAIN.md §3.3 checkpoint command types). */
export type ProcessorCommand = 'verify' | 'auth' | 'condition' | 'deposit' | 'refund';

/** One transaction as sent to a processor: tokens only, never a card number. */
export type ProcessorRequestItem = {
  idemKey: string;
  command: ProcessorCommand;
  merchant: string;
  token: string;
  amountMinor: number;
  currency: string;
  accountNo: string;
  /** For deposits and refunds: the processor reference of the original authorization or sale. */
  originalRef?: string | undefined;
  zip?: string | undefined;
  street?: string | undefined;
  /** Only checked, never stored: the CVV travels straight through in an online validation. */
  cvv?: string | undefined;
};

/** A processor's answer to one transaction. */
export type ProcessorReply = {
  idemKey: string;
  result: number;
  avs?: string | undefined;
  cvv?: string | undefined;
  authCode?: string | undefined;
  processorRef?: string | undefined;
  /** The processor had seen this idempotency key before and did not charge again. */
  duplicate?: boolean | undefined;
};

/** What a request-for-response returns for one key: the stored reply, or unknown (never received). */
export type RfrReply = { idemKey: string; known: false } | ({ known: true } & ProcessorReply);

/** The outcome of a transport attempt that produced no usable reply. */
export type TransportFailure = {
  /** `not_sent`: the connection was refused, so the processor certainly saw nothing. */
  kind: 'not_sent' | 'unknown';
  message: string;
};

/** Thrown by adapters when no reply could be read; `kind` tells whether the request may have landed. */
export class ProcessorTransportError extends Error {
  constructor(readonly failure: TransportFailure) {
    super(failure.message);
    this.name = 'ProcessorTransportError';
  }
}

/** Token and check results of a card handed straight to the processor. */
export type TokenizeReply = {
  result: number;
  token?: string | undefined;
  last4: string;
  brand: string;
  avs?: string | undefined;
  cvv?: string | undefined;
};

/** Card data as typed by the cardholder; only ever sent to the processor, never stored or logged. */
export type CardDetails = {
  number: string;
  expiry: string;
  cvv?: string | undefined;
  zip?: string | undefined;
  street?: string | undefined;
  holder?: string | undefined;
};

/** Heartbeat answer. */
export type HeartbeatReply = { ok: boolean; latencyMs: number; at: string };

/** The one port every processor adapter implements (DOMAIN.md §4.4–4.10). */
export type PaymentProcessor = {
  /** AVS/CVV validation with a $1.00 authorization whose auth code is ignored. */
  validate(item: ProcessorRequestItem): Promise<ProcessorReply>;
  /** Authorization only; money moves on a later deposit. */
  authorize(item: ProcessorRequestItem): Promise<ProcessorReply>;
  /** Authorize and deposit in one step, one online transaction. */
  sale(item: ProcessorRequestItem): Promise<ProcessorReply>;
  /** Refund to the card or bank account online. */
  refund(item: ProcessorRequestItem): Promise<ProcessorReply>;
  /** A batch of conditional deposits, deposits or refunds under one batch id. */
  batch(batchKey: string, items: readonly ProcessorRequestItem[]): Promise<ProcessorReply[]>;
  /** Asks the processor for the replies it holds for these keys (request for response). */
  requestForResponse(idemKeys: readonly string[]): Promise<RfrReply[]>;
  /** Hands a card straight to the processor's vault and returns its token (the number never comes back). */
  tokenize(card: CardDetails): Promise<TokenizeReply>;
  /** Heartbeat: is the processor reachable, and how fast. */
  heartbeat(): Promise<HeartbeatReply>;
};
