import type { ServiceContext } from '../services/context';
import { exportReport } from '../services/reports/export';
import { runReport } from '../services/reports/registry';
import type { Handlers } from './dispatch';

/** Handlers of the reports: run one, export it as CSV and PDF. */
export function createReportsHandlers(ctx: ServiceContext): Pick<Handlers, 'reports:run' | 'reports:export'> {
  return {
    'reports:run': (input) => runReport(ctx.storage, input.name, input.filters, ctx.clock()),
    'reports:export': (input) =>
      exportReport(ctx.storage, { at: ctx.clock(), operatorId: ctx.operator.id }, input, ctx.clock()),
  };
}
