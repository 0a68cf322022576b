import { sql, type SQL } from 'drizzle-orm';
import { driverGet } from '../../db/storage/sqlite';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import type { Client } from '../../src-main/services/identity/client';
import type { Role } from '../../src-shared/api/roles';

/**
 * Adds an operator with these roles (through operators:add, as the app's in-process admin) and returns an
 * in-process client acting as them, for service tests of four eyes.
 */
export async function addOperatorClient(app: App, login: string, roles: Role[]): Promise<Client> {
  const r = await app.dispatch('operators:add', { login, name: login, roles });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return clientOf(app, login);
}

type OperatorRow = { id: number; login: string; name: string; roles: string };

const operatorRowQuery = (login: string): SQL =>
  sql`SELECT id, login, name, roles FROM operators WHERE login = ${login}`;

/** An in-process client acting as an existing operator. */
export function clientOf(app: App, login: string): Client {
  return clientFor(app, login, driverGet<OperatorRow>(app.ctx.ledger.sqlite, operatorRowQuery(login)));
}

/** addOperatorClient through the port (both databases). */
export async function addOperatorClientVia(
  app: App<LedgerPlace>,
  login: string,
  roles: Role[],
): Promise<Client> {
  const r = await app.dispatch('operators:add', { login, name: login, roles });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return clientOfVia(app, login);
}

/** clientOf through the port (both databases). */
export async function clientOfVia(app: App<LedgerPlace>, login: string): Promise<Client> {
  const row = await app.ctx.storage.transaction((tx) => tx.get<OperatorRow>(operatorRowQuery(login)), {
    readOnly: true,
  });
  return clientFor(app, login, row);
}

function clientFor(app: App<LedgerPlace>, login: string, row: OperatorRow | undefined): Client {
  if (!row) throw new Error(`no operator ${login}`);
  const c = app.openClient('in-process');
  c.principal = {
    operator: { id: row.id, login: row.login, name: row.name, roles: row.roles.split(',').filter(Boolean) },
    via: 'in-process',
  };
  return c;
}
