import { customerAccountCountQuery } from '../../db/repos/accounts';
import { currenciesQuery } from '../../db/repos/currencies';
import type { AppInfoDto, CurrencyDto } from '../../src-shared/dto/app';
import type { ServiceContext } from './context';

/** What the shell shows at start: ledger file, operator, whether the ledger is still empty. */
export function appInfo(ctx: ServiceContext): Promise<AppInfoDto> {
  return ctx.storage.transaction(
    async (tx) => {
      const accountCount = (await tx.get<{ n: number }>(customerAccountCountQuery()))!.n;
      return {
        version: ctx.version,
        ledgerFile: ctx.ledger.sqlite ? ctx.ledger.file : (ctx.ledger.name ?? ctx.ledger.file),
        database: ctx.storage.dialect,
        operator: ctx.operator,
        accountCount,
        isEmpty: accountCount === 0,
        currencies: await tx.all<CurrencyDto>(currenciesQuery()),
      };
    },
    { readOnly: true },
  );
}
