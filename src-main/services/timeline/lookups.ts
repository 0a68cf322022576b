import { timelineRepo, type AuditRow } from '../../../db/repos/timeline';
import type { Tx } from '../../../db/storage/port';
import { formatMinor } from '../../../src-shared/money';
import { invalidFields } from '../../ledger/errors';

export type { AuditRow } from '../../../db/repos/timeline';

/** Cached reads the timeline sources share: operator logins, reason labels, currency exponents, audit rows. */
export type Lookups = {
  tx: Tx;
  login: (operatorId: number | null) => Promise<string | null>;
  reasonLabel: (domainId: number, code: number | null) => Promise<string | null>;
  money: (amountMinor: number, currency: string) => Promise<string>;
  audit: (auditId: number | null) => Promise<AuditRow | null>;
};

/** A cache of one async read per key (the same row is asked for again and again across a case). */
function cached<K, V>(read: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const seen = new Map<K, V>();
  return async (key) => {
    if (seen.has(key)) return seen.get(key) as V;
    const value = await read(key);
    seen.set(key, value);
    return value;
  };
}

/** Opens the cached lookups over one transaction (one timeline build). */
export function lookups(tx: Tx): Lookups {
  const login = cached(async (id: number) => (await timelineRepo.login(tx, id)) ?? null);
  const label = cached(async (key: string) => {
    const [domainId, code] = key.split(':').map(Number) as [number, number];
    return (await timelineRepo.reasonLabel(tx, domainId, code)) ?? null;
  });
  const exponent = cached(async (currency: string) => {
    const e = await timelineRepo.exponent(tx, currency);
    if (e === undefined) {
      // The same refusal as the ledger's exponentOf, which reads through the driver.
      const message = `currency ${currency} is not set up in this ledger`;
      throw invalidFields(message, [{ path: 'currency', message }]);
    }
    return e;
  });
  const audit = cached(async (id: number) => (await timelineRepo.audit(tx, id)) ?? null);
  return {
    tx,
    login: (id) => (id === null ? Promise.resolve(null) : login(id)),
    reasonLabel: (domainId, code) => (code === null ? Promise.resolve(null) : label(`${domainId}:${code}`)),
    money: async (amountMinor, currency) =>
      `${formatMinor(amountMinor, await exponent(currency))} ${currency}`,
    audit: (id) => (id === null ? Promise.resolve(null) : audit(id)),
  };
}

/** "code label" or "code" when the code has no label (or nothing without a code); a label's full stop is dropped. */
export function codeText(code: number | null, label: string | null): string {
  if (code === null) return '';
  return label ? `${code} ${label.replace(/\.$/, '')}` : String(code);
}
