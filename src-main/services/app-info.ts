import type { AppInfoDto, CurrencyDto } from '../../src-shared/dto/app';
import type { ServiceContext } from './context';

/** What the shell shows at start: ledger file, operator, whether the ledger is still empty. */
export function appInfo(ctx: ServiceContext): AppInfoDto {
  const db = ctx.ledger.sqlite;
  const accountCount = (
    db.prepare('SELECT count(*) AS n FROM accounts WHERE is_suspense = 0').get() as { n: number }
  ).n;
  const currencies = db
    .prepare('SELECT code, exponent, name FROM currencies ORDER BY code')
    .all() as CurrencyDto[];
  return {
    version: ctx.version,
    ledgerFile: ctx.ledger.file,
    operator: ctx.operator,
    accountCount,
    isEmpty: accountCount === 0,
    currencies,
  };
}
