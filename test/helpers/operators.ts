import type { App } from '../../src-main/app-context';
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

/** An in-process client acting as an existing operator. */
export function clientOf(app: App, login: string): Client {
  const row = app.ctx.ledger.sqlite
    .prepare('SELECT id, login, name, roles FROM operators WHERE login = ?')
    .get(login) as { id: number; login: string; name: string; roles: string } | undefined;
  if (!row) throw new Error(`no operator ${login}`);
  const c = app.openClient('in-process');
  c.principal = {
    operator: { id: row.id, login: row.login, name: row.name, roles: row.roles.split(',').filter(Boolean) },
    via: 'in-process',
  };
  return c;
}
