import type { ServiceContext } from '../services/context';
import type { Handlers } from './dispatch';

/** Handler of the payment timeline. */
export function createTimelineHandlers(ctx: ServiceContext): Pick<Handlers, 'payments:timeline'> {
  void ctx;
  const notYet = (): never => {
    throw new Error('not built yet');
  };
  return { 'payments:timeline': notYet };
}
