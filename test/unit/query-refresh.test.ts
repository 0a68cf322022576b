import { QueryObserver } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { createApiQueryClient, putAnswer, refreshAll } from '../../src-renderer/src/components/query';

/** A read whose answers the test releases by hand, in order: what the ledger held when each fetch started. */
function ledgerRead() {
  let ledger = 'before';
  const pending: (() => void)[] = [];
  const queryFn = () => {
    const seen = ledger;
    return new Promise<string>((resolve) => pending.push(() => resolve(seen)));
  };
  return {
    queryFn,
    change: (to: string) => {
      ledger = to;
    },
    releaseAll: () => pending.splice(0).forEach((r) => r()),
  };
}

describe('the query cache stays true to the ledger', () => {
  it('a ledger change during the first read of a screen still ends on the changed ledger', async () => {
    const client = createApiQueryClient();
    const read = ledgerRead();
    const observer = new QueryObserver(client, {
      queryKey: ['accounts:payment-history', {}],
      queryFn: read.queryFn,
    });
    const seen: (string | undefined)[] = [];
    const off = observer.subscribe((r) => seen.push(r.data));
    // The first read is on its way (it saw the ledger before the change) when the change is announced.
    read.change('after');
    const refreshed = refreshAll(client);
    await new Promise((r) => setTimeout(r, 10));
    read.releaseAll();
    await refreshed;
    expect(observer.getCurrentResult().data).toBe('after');
    expect(seen).not.toContain('before');
    off();
    client.clear();
  });

  it('a ledger change after a read refetches it', async () => {
    const client = createApiQueryClient();
    const read = ledgerRead();
    const observer = new QueryObserver(client, { queryKey: ['accounts:show', {}], queryFn: read.queryFn });
    const off = observer.subscribe(() => undefined);
    read.releaseAll();
    await new Promise((r) => setTimeout(r, 10));
    expect(observer.getCurrentResult().data).toBe('before');
    read.change('after');
    await Promise.all([refreshAll(client), new Promise((r) => setTimeout(r, 10)).then(read.releaseAll)]);
    expect(observer.getCurrentResult().data).toBe('after');
    off();
    client.clear();
  });

  it("an action's answer put in the cache is not overwritten by a read sent before the action", async () => {
    const client = createApiQueryClient();
    const read = ledgerRead();
    const key = ['batches:get', { batchId: 1 }];
    const observer = new QueryObserver(client, { queryKey: key, queryFn: read.queryFn });
    const off = observer.subscribe(() => undefined);
    read.releaseAll();
    await new Promise((r) => setTimeout(r, 10));
    expect(observer.getCurrentResult().data).toBe('before');
    // Another change refetches the batch; the read is on its way (slow machine) when the header is saved.
    const refreshed = refreshAll(client);
    await new Promise((r) => setTimeout(r, 10));
    expect(observer.getCurrentResult().isFetching).toBe(true);
    read.change('saved header');
    await putAnswer(client, key, 'saved header');
    for (let i = 0; i < 5; i++) {
      read.releaseAll();
      await new Promise((r) => setTimeout(r, 10));
    }
    // The batch header dialog closed on its answer; the older read landing after it hid the new note.
    expect(observer.getCurrentResult().data).toBe('saved header');
    await refreshed;
    off();
    client.clear();
  });
});
