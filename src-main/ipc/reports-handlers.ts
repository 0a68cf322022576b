import type { ServiceContext } from '../services/context';
import type { Handlers } from './dispatch';

/** Handlers of the reports: run one, export it as CSV and PDF. */
export function createReportsHandlers(ctx: ServiceContext): Pick<Handlers, 'reports:run' | 'reports:export'> {
  void ctx;
  const notYet = (): never => {
    throw new Error('not built yet');
  };
  return { 'reports:run': notYet, 'reports:export': notYet };
}
