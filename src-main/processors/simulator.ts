import { createHash, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The processor simulator (DOMAIN.md §4.11): a separate process speaking HTTP/JSON on loopback, with online
 * and batch endpoints, response rules and fault injection read from a config file on every request (so a
 * test can change them live), idempotency keys, and its own record of what it charged.
 */

/** A response rule: the first rule whose conditions all hold decides the result. */
export type SimRule = {
  command?: string;
  amountMinor?: number;
  amountFrom?: number;
  amountTo?: number;
  token?: string;
  tokenSuffix?: string;
  accountNo?: string;
  result: number;
  avs?: string;
  cvv?: string;
  /** The processor's own response code, as a Paymentech reason code would be. */
  code?: string;
};

/** An injected fault, applied to the next `times` requests of the endpoint (all of them when omitted). */
export type SimFault = {
  id?: string;
  endpoint?: 'online' | 'batch' | 'rfr' | 'tokenize' | 'heartbeat' | 'any';
  kind: 'refuse' | 'timeout' | 'drop' | 'duplicate' | 'garbage' | 'lose-reply';
  times?: number;
  delayMs?: number;
};

/** The simulator's config file. */
export type SimConfig = {
  secret?: string;
  default?: { result?: number; avs?: string; cvv?: string };
  rules?: SimRule[];
  faults?: SimFault[];
  latencyMs?: number;
};

/** One transaction the simulator has seen, and whether money moved. */
export type SimRecord = {
  idemKey: string;
  command: string;
  batchKey: string | null;
  merchant: string;
  token: string;
  accountNo: string;
  reference: string | null;
  amountMinor: number;
  currency: string;
  result: number;
  avs: string;
  cvv: string;
  authCode: string;
  processorRef: string;
  charged: boolean;
  /** How many times this key was received (resubmits, retries). */
  seen: number;
  at: string;
};

type Item = {
  idemKey: string;
  command: string;
  merchant: string;
  token: string;
  amountMinor: number;
  currency: string;
  accountNo: string;
  reference?: string;
  originalRef?: string;
  zip?: string;
  cvv?: string;
};

const COMMANDS = new Set(['verify', 'auth', 'condition', 'deposit', 'refund']);
const MONEY_MOVES = new Set(['condition', 'deposit', 'refund']);

function readConfig(file: string | null): SimConfig {
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SimConfig;
  } catch {
    // A config being rewritten mid-read is simply the defaults for this one request.
    return {};
  }
}

/** A JSON scalar as text; anything else is empty. */
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Card brand from the leading digits (VI, MC, AX, DI). */
export function brandOf(number: string): string {
  if (number.startsWith('4')) return 'VI';
  if (/^5[1-5]/.test(number) || /^2[2-7]/.test(number)) return 'MC';
  if (/^3[47]/.test(number)) return 'AX';
  if (number.startsWith('6')) return 'DI';
  return 'XX';
}

/** The simulator's token for a card: same length as the number, last four kept, 'T' first (DOMAIN.md §4.9). */
export function simulatorToken(number: string): string {
  const digest = createHash('sha256').update(`paydesk-sim:${number}`).digest();
  let body = '';
  for (let i = 0; body.length < number.length - 5; i++) body += String(digest[i % digest.length]! % 10);
  return `T${body}${number.slice(-4)}`;
}

/**
 * The processor's hosted card page (DOMAIN.md §4.26, V19): the cardholder's number and CVV are typed here,
 * in the processor's own page inside a frame, and posted to the processor; the desk only receives the token
 * through postMessage.
 */
const HOSTED_CARD_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Secure card entry</title>
<style>body{font:14px system-ui,sans-serif;margin:0;padding:12px;color:#1f2937;background:#f8fafc}
label{display:block;font-size:12px;color:#475569;margin:8px 0 2px}input{width:100%;box-sizing:border-box;padding:8px;border:1px solid #cbd5e1;border-radius:6px;font-size:14px}
.row{display:flex;gap:8px}.row>div{flex:1}button{margin-top:12px;width:100%;padding:9px;border:0;border-radius:6px;background:#1d4ed8;color:#fff;font-size:14px;cursor:pointer}
#msg{margin-top:8px;font-size:12px;color:#b91c1c;min-height:16px}.lock{font-size:11px;color:#64748b;margin-bottom:4px}</style></head>
<body><div class="lock"><svg width="10" height="11" viewBox="0 0 10 11" aria-hidden="true"><rect x="1" y="5" width="8" height="6" rx="1" fill="#64748b"/><path d="M3 5V3.5a2 2 0 0 1 4 0V5" stroke="#64748b" fill="none"/></svg> Secure card entry &mdash; Paydesk processor simulator</div>
<form id="f" autocomplete="off"><label for="n">Card number</label><input id="n" name="n" inputmode="numeric" maxlength="23" required>
<div class="row"><div><label for="e">Expiry (MM/YY)</label><input id="e" name="e" maxlength="5" required></div>
<div><label for="c">CVV</label><input id="c" name="c" inputmode="numeric" maxlength="4"></div>
<div><label for="z">ZIP</label><input id="z" name="z" maxlength="10"></div></div>
<button id="b" type="submit">Use this card</button><div id="msg" role="alert"></div></form>
<script>
document.getElementById('f').addEventListener('submit', async function (ev) {
  ev.preventDefault();
  var v = function (id) { return document.getElementById(id).value.trim(); };
  var body = { number: v('n'), expiry: v('e') };
  if (v('c')) body.cvv = v('c');
  if (v('z')) body.zip = v('z');
  var msg = document.getElementById('msg');
  msg.textContent = '';
  try {
    var r = await fetch('/tokenize', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    var out = await r.json();
    if (out.result !== 0 || !out.token) { msg.textContent = 'Card refused (result ' + out.result + ')'; return; }
    document.getElementById('f').reset();
    parent.postMessage({ type: 'paydesk-card-token', token: out.token, last4: out.last4, brand: out.brand, avs: out.avs, cvv: out.cvv }, '*');
    msg.style.color = '#15803d';
    msg.textContent = 'Card accepted: **** ' + out.last4;
  } catch (e) { msg.textContent = 'The processor could not be reached'; }
});
</script></body></html>`;

const TOKEN_RE = /^[TB][0-9]{8,30}$/;

/** A running simulator. */
export type Simulator = {
  server: Server;
  port: number;
  records: Map<string, SimRecord>;
  close: () => Promise<void>;
};

/** Starts the simulator on 127.0.0.1 (port 0 picks a free port). */
export function startSimulator(opts: { port: number; configFile: string | null }): Promise<Simulator> {
  const records = new Map<string, SimRecord>();
  const faultUses = new Map<string, number>();
  let seq = 0;

  const pickFault = (cfg: SimConfig, endpoint: string): SimFault | null => {
    for (const f of cfg.faults ?? []) {
      // "/batch" (the path as the README lists it) and "batch" name the same endpoint.
      const wanted = f.endpoint?.replace(/^\//, '');
      if (wanted && wanted !== 'any' && wanted !== endpoint) continue;
      const key = f.id ?? JSON.stringify(f);
      const used = faultUses.get(key) ?? 0;
      if (f.times !== undefined && used >= f.times) continue;
      faultUses.set(key, used + 1);
      return f;
    }
    return null;
  };

  const decide = (cfg: SimConfig, it: Item): { result: number; avs: string; cvv: string } => {
    const def = {
      result: cfg.default?.result ?? 0,
      avs: cfg.default?.avs ?? 'Y',
      cvv: cfg.default?.cvv ?? 'M',
    };
    if (!COMMANDS.has(it.command)) return { result: 10, avs: '', cvv: '' };
    if (typeof it.token !== 'string' || !TOKEN_RE.test(it.token)) return { result: 16, avs: '', cvv: '' };
    if (!Number.isSafeInteger(it.amountMinor) || it.amountMinor < 0) return { result: 15, avs: '', cvv: '' };
    for (const r of cfg.rules ?? []) {
      if (r.command !== undefined && r.command !== it.command) continue;
      if (r.amountMinor !== undefined && r.amountMinor !== it.amountMinor) continue;
      if (r.amountFrom !== undefined && it.amountMinor < r.amountFrom) continue;
      if (r.amountTo !== undefined && it.amountMinor > r.amountTo) continue;
      if (r.token !== undefined && r.token !== it.token) continue;
      if (r.tokenSuffix !== undefined && !it.token.endsWith(r.tokenSuffix)) continue;
      if (r.accountNo !== undefined && r.accountNo !== it.accountNo) continue;
      return { result: r.result, avs: r.avs ?? def.avs, cvv: r.cvv ?? def.cvv };
    }
    // Built-in test values: ZIP 99999 fails AVS, CVV 000 fails the CVV check.
    if (it.zip && /99999$/.test(it.zip)) return { result: 4, avs: 'N', cvv: def.cvv };
    if (it.cvv === '000') return { result: 12, avs: def.avs, cvv: 'N' };
    return def;
  };

  const process1 = (
    cfg: SimConfig,
    it: Item,
    batchKey: string | null,
  ): SimRecord & { duplicate: boolean } => {
    const known = records.get(it.idemKey);
    if (known) {
      known.seen++;
      return { ...known, duplicate: true };
    }
    const d = decide(cfg, it);
    seq++;
    const rec: SimRecord = {
      idemKey: String(it.idemKey),
      command: String(it.command),
      batchKey,
      merchant: String(it.merchant ?? ''),
      token: String(it.token ?? ''),
      accountNo: String(it.accountNo ?? ''),
      reference: it.reference ?? null,
      amountMinor: Number(it.amountMinor),
      currency: String(it.currency ?? ''),
      result: d.result,
      avs: d.avs,
      cvv: d.cvv,
      authCode: d.result === 0 ? String(100000 + ((seq * 7919) % 900000)) : '',
      processorRef: `SIM${String(seq).padStart(9, '0')}`,
      charged: d.result === 0 && MONEY_MOVES.has(String(it.command)),
      seen: 1,
      at: new Date().toISOString(),
    };
    records.set(rec.idemKey, rec);
    return { ...rec, duplicate: false };
  };

  const reply = (r: SimRecord & { duplicate?: boolean }) => ({
    idemKey: r.idemKey,
    result: r.result,
    avs: r.avs,
    cvv: r.cvv,
    authCode: r.authCode,
    processorRef: r.processorRef,
    duplicate: r.duplicate ?? false,
  });

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'access-control-allow-origin': '*',
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type',
      });
      res.end();
      return;
    }
    if (path === '/hosted-card' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(HOSTED_CARD_PAGE);
      return;
    }
    const cfg = readConfig(opts.configFile);
    const endpoint = path.replace(/^\//, '');
    if (path === '/charges' && req.method === 'GET') {
      send(res, 200, { records: [...records.values()] });
      return;
    }
    const fault = pickFault(cfg, endpoint);
    if (fault?.kind === 'refuse') {
      req.socket.destroy();
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (cfg.latencyMs) await new Promise((r) => setTimeout(r, cfg.latencyMs));
    // Tokenization is called straight from the cardholder's browser page, which has no presenter secret.
    if (cfg.secret && endpoint !== 'tokenize' && req.headers['x-paydesk-secret'] !== cfg.secret) {
      send(res, 401, { error: 'bad presenter credentials' });
      return;
    }
    let parsed: Record<string, unknown> = {};
    try {
      parsed = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      send(res, 400, { error: 'body is not JSON' });
      return;
    }
    let out: unknown;
    switch (path) {
      case '/heartbeat':
        out = { ok: true, at: new Date().toISOString() };
        break;
      case '/online': {
        const it = parsed.item as Item;
        out = { reply: reply(process1(cfg, it, null)) };
        break;
      }
      case '/batch': {
        const batchKey = str(parsed.batchKey);
        const items = (parsed.items as Item[] | undefined) ?? [];
        const replies = items.map((it) => reply(process1(cfg, it, batchKey)));
        out = { batchKey, replies: fault?.kind === 'duplicate' ? [...replies, ...replies] : replies };
        break;
      }
      case '/rfr': {
        const keys = (parsed.idemKeys as string[] | undefined) ?? [];
        out = {
          replies: keys.map((k) => {
            const r = records.get(k);
            return r ? { known: true, ...reply(r) } : { idemKey: k, known: false };
          }),
        };
        break;
      }
      case '/tokenize': {
        const number = str(parsed.number).replace(/[\s-]/g, '');
        const cvv = parsed.cvv === undefined ? undefined : str(parsed.cvv);
        const zip = parsed.zip === undefined ? undefined : str(parsed.zip);
        const last4 = number.slice(-4);
        if (!/^\d{12,19}$/.test(number) || !luhnOk(number)) {
          out = { result: 5, last4, brand: brandOf(number) };
        } else if (cvv !== undefined && !/^\d{3,4}$/.test(cvv)) {
          out = { result: 12, last4, brand: brandOf(number), cvv: 'N' };
        } else {
          const token = simulatorToken(number);
          const d = decide(cfg, {
            idemKey: '',
            command: 'verify',
            merchant: '',
            token,
            amountMinor: 100,
            currency: 'USD',
            accountNo: '',
            ...(zip !== undefined ? { zip } : {}),
            ...(cvv !== undefined ? { cvv } : {}),
          });
          // When validation fails no token is made (DOMAIN.md §2.14); only the mask survives.
          out =
            d.result === 0
              ? { result: 0, token, last4, brand: brandOf(number), avs: d.avs, cvv: d.cvv }
              : { result: d.result, last4, brand: brandOf(number), avs: d.avs, cvv: d.cvv };
        }
        break;
      }
      default:
        send(res, 404, { error: `no endpoint ${path}` });
        return;
    }
    if (fault?.kind === 'lose-reply') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'timeout') {
      await new Promise((r) => setTimeout(r, fault.delayMs ?? 60_000));
      if (req.socket.destroyed) return;
    }
    if (fault?.kind === 'garbage') {
      const junk = Buffer.from(Array.from({ length: 64 }, () => randomInt(0, 256)));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': junk.length });
      res.end(junk);
      return;
    }
    send(res, 200, out);
    if (fault?.kind === 'duplicate') {
      // The same answer once more on the same connection, as a second, unrequested HTTP response.
      const text = JSON.stringify(out);
      res.socket?.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        records,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
