import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';

/** Issue #12 from outside: the CLI proves the operator by token or password; a typed login grants nothing. */

type Run = { code: number; out: string };
const ADMIN_PW = 'marble kettle sunrise';
const SUE_PW = 'violet tulip harbour';
const saved = { ...process.env };
const doc = (r: Run): Record<string, unknown> => JSON.parse(r.out.trim()) as Record<string, unknown>;
const asAdmin = { PAYDESK_OPERATOR: 'chief', PAYDESK_PASSWORD: ADMIN_PW };

describe.each(APPS.filter((r) => r.available))('CLI identity ($dialect)', ({ open }) => {
  let app: TestApp;
  const onLedger = cliOnApp(() => app);

  async function cli(env: Record<string, string | undefined>, ...args: string[]): Promise<Run> {
    for (const k of ['PAYDESK_PASSWORD', 'PAYDESK_TOKEN', 'PAYDESK_OPERATOR', 'PAYDESK_NEW_PASSWORD'])
      delete process.env[k];
    Object.assign(process.env, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)));
    const { code, out } = await onLedger('--json', ...args);
    return { code, out };
  }

  beforeAll(async () => {
    // No in-process operator: the ledger has nobody who can sign in until `init` makes the first admin.
    app = await open();
  });
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  afterAll(async () => {
    await app?.dispose();
  });

  it('init needs the first admin password; then only a proven operator gets in', async () => {
    const none = await cli({ PAYDESK_OPERATOR: 'chief' }, 'init');
    expect(none.code).toBe(8);
    expect(doc(none)).toMatchObject({ error: { code: 'unauthenticated' } });
    const init = await cli(asAdmin, 'init');
    expect(init.code).toBe(0);
    expect(doc(init)).toMatchObject({
      operator: { login: 'chief', roles: expect.arrayContaining(['admin']) },
    });
    expect((await cli(asAdmin, 'demo', '--accounts', '20', '--seed', '2')).code).toBe(0);
    expect(
      (
        await cli(
          { ...asAdmin, PAYDESK_NEW_PASSWORD: SUE_PW },
          'operator',
          'add',
          'sue',
          '--roles',
          'supervisor',
          '--set-password',
        )
      ).code,
    ).toBe(0);
  });

  it('--operator alone grants nothing: no password, a wrong one, or an unknown login exit 8 and are audited', async () => {
    const bare = await cli({}, '--operator', 'sue', 'batch', 'list');
    expect(bare.code).toBe(8);
    expect(doc(bare)).toMatchObject({ error: { code: 'unauthenticated', reason: 'sign_in' } });
    const wrong = await cli({ PAYDESK_PASSWORD: 'not her password' }, '--operator', 'sue', 'batch', 'list');
    expect(wrong.code).toBe(8);
    const ghost = await cli({ PAYDESK_PASSWORD: 'anything at all' }, '--operator', 'ghost', 'batch', 'list');
    expect(ghost.code).toBe(8);
    expect(doc(ghost)).toEqual(doc(wrong));
    const right = await cli({ PAYDESK_PASSWORD: SUE_PW }, '--operator', 'sue', 'whoami');
    expect(right.code).toBe(0);
    expect(doc(right)).toMatchObject({ operator: { login: 'sue', roles: ['supervisor'] }, via: 'password' });
    const history = doc(await cli(asAdmin, 'history', '--action', 'auth.sign-in-failed')) as {
      rows: { entityId: string }[];
    };
    // The bare --operator sue (no password at all) is audited too, as well as the wrong password and ghost.
    expect(history.rows.map((r) => r.entityId).sort()).toEqual(['ghost', 'sue', 'sue']);
  });

  it('a job token signs in alone (--token or PAYDESK_TOKEN); a clerk-scoped token cannot run admin commands', async () => {
    const created = doc(await cli(asAdmin, 'token', 'create', 'nightly', '--roles', 'clerk', '--days', '7'));
    const token = created.token as string;
    expect(token).toMatch(/^pdk_/);
    const who = await cli({ PAYDESK_TOKEN: token }, 'whoami');
    expect(doc(who)).toMatchObject({ operator: { login: 'chief', roles: ['clerk'] }, via: 'token' });
    const refused = await cli({}, '--token', token, 'settings', 'set', 'ALLOWACCOUNTDUP', 'true');
    expect(refused.code).toBe(5);
    expect(doc(refused)).toMatchObject({ error: { code: 'forbidden' } });
    const listed = doc(await cli(asAdmin, 'token', 'list')) as unknown as {
      id: number;
      lastUsedAt: string | null;
    }[];
    expect(listed[0]!.lastUsedAt).not.toBeNull();
    expect((await cli(asAdmin, 'token', 'revoke', String(listed[0]!.id))).code).toBe(0);
    const after = await cli({ PAYDESK_TOKEN: token }, 'batch', 'list');
    expect(after.code).toBe(8);
    expect(doc(after)).toMatchObject({ error: { code: 'unauthenticated', reason: 'token' } });
  });

  it('an inactive operator is refused even a reader command, with exit 8', async () => {
    expect((await cli(asAdmin, 'operator', 'update', 'sue', '--inactive')).code).toBe(0);
    const r = await cli({ PAYDESK_PASSWORD: SUE_PW }, '--operator', 'sue', 'account', 'search', 'A');
    expect(r.code).toBe(8);
    expect(doc(r)).toMatchObject({ error: { code: 'unauthenticated', reason: 'inactive' } });
  });
});
