import {
  ProcessorTransportError,
  type CardDetails,
  type HeartbeatReply,
  type PaymentProcessor,
  type ProcessorCommand,
  type ProcessorReply,
  type ProcessorRequestItem,
  type RfrReply,
  type TokenizeReply,
} from './port';

/** Connection settings an adapter needs (the secret already decrypted, held only in memory). */
export type ProcessorConnection = {
  url: string;
  onlineTimeoutMs: number;
  batchTimeoutMs: number;
  connectRetries: number;
  secret: string | null;
};

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string } } | null)?.cause;
  return cause?.code;
}

/** A connection closed or reset under the request (not a timeout): safe to resend with the same keys. */
function isSocketReset(err: unknown): boolean {
  const code = causeCode(err);
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

function isReply(v: unknown): v is ProcessorReply {
  const r = v as Partial<ProcessorReply> | null;
  return typeof r?.idemKey === 'string' && typeof r.result === 'number' && Number.isInteger(r.result);
}

/**
 * The adapter for the processor simulator: HTTP/JSON over fetch with a timeout per request. A refused
 * connection is retried (the request never arrived), and so is a connection reset before any answer: every
 * request carries its idempotency keys, so the processor answers a resend from its record and charges
 * nothing twice. A timeout or an unreadable answer is not resent; it surfaces as `unknown` and the
 * checkpoint stays open for Recovery.
 */
export function simulatorProcessor(conn: ProcessorConnection): PaymentProcessor {
  const base = conn.url.replace(/\/+$/, '');
  const call = async (path: string, body: unknown, timeoutMs: number): Promise<unknown> => {
    let attempt = 0;
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: {
            'content-type': 'application/json',
            ...(conn.secret ? { 'x-paydesk-secret': conn.secret } : {}),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const refused = causeCode(err) === 'ECONNREFUSED';
        if (refused || /bad port/.test(String((err as { cause?: Error }).cause?.message))) {
          if (refused && attempt < conn.connectRetries) {
            attempt++;
            await new Promise((r) => setTimeout(r, 50 * attempt));
            continue;
          }
          throw new ProcessorTransportError({ kind: 'not_sent', message: 'connection refused' });
        }
        const name = (err as Error).name;
        const reset = name !== 'TimeoutError' && name !== 'AbortError' && isSocketReset(err);
        if (reset && attempt < conn.connectRetries) {
          attempt++;
          await new Promise((r) => setTimeout(r, 50 * attempt));
          continue;
        }
        const message =
          name === 'TimeoutError' || name === 'AbortError'
            ? `no reply within ${timeoutMs} ms`
            : `connection lost (${causeCode(err) ?? (err as Error).message})`;
        throw new ProcessorTransportError({ kind: 'unknown', message });
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        throw new ProcessorTransportError({
          kind: 'unknown',
          message: `reply cut off (${causeCode(err) ?? (err as Error).message})`,
        });
      }
      if (res.status === 401)
        throw new ProcessorTransportError({ kind: 'not_sent', message: 'credentials refused' });
      if (!res.ok)
        throw new ProcessorTransportError({
          kind: 'unknown',
          message: `processor answered HTTP ${res.status}`,
        });
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ProcessorTransportError({ kind: 'unknown', message: 'unreadable reply' });
      }
    }
  };

  const online = async (command: ProcessorCommand, item: ProcessorRequestItem): Promise<ProcessorReply> => {
    const out = (await call('/online', { item: { ...item, command } }, conn.onlineTimeoutMs)) as {
      reply?: unknown;
    };
    if (!isReply(out.reply) || out.reply.idemKey !== item.idemKey)
      throw new ProcessorTransportError({ kind: 'unknown', message: 'reply does not match the request' });
    return out.reply;
  };

  return {
    validate: (item) => online('verify', item),
    authorize: (item) => online('auth', item),
    sale: (item) => online('condition', item),
    refund: (item) => online('refund', item),
    async batch(batchKey, items) {
      const out = (await call('/batch', { batchKey, items }, conn.batchTimeoutMs)) as { replies?: unknown };
      if (!Array.isArray(out.replies))
        throw new ProcessorTransportError({ kind: 'unknown', message: 'batch reply without replies' });
      const wanted = new Set(items.map((i) => i.idemKey));
      // A processor may repeat a reply; the first one per key counts, keys we never sent are ignored.
      const seen = new Map<string, ProcessorReply>();
      for (const r of out.replies)
        if (isReply(r) && wanted.has(r.idemKey) && !seen.has(r.idemKey)) seen.set(r.idemKey, r);
      return [...seen.values()];
    },
    async requestForResponse(idemKeys) {
      const out = (await call('/rfr', { idemKeys }, conn.batchTimeoutMs)) as { replies?: unknown };
      if (!Array.isArray(out.replies))
        throw new ProcessorTransportError({ kind: 'unknown', message: 'RFR reply without replies' });
      return (out.replies as RfrReply[]).filter((r) => typeof r?.idemKey === 'string');
    },
    async tokenize(card: CardDetails): Promise<TokenizeReply> {
      return (await call('/tokenize', card, conn.onlineTimeoutMs)) as TokenizeReply;
    },
    async heartbeat(): Promise<HeartbeatReply> {
      const started = performance.now();
      const out = (await call('/heartbeat', undefined, Math.min(conn.onlineTimeoutMs, 10_000))) as {
        ok?: boolean;
      };
      return {
        ok: out.ok === true,
        latencyMs: Math.round(performance.now() - started),
        at: new Date().toISOString(),
      };
    },
  };
}
