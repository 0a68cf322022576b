import type { ServiceContext } from '../services/context';
import { paymentTimeline } from '../services/timeline/timeline';
import type { Handlers } from './dispatch';

/** Handler of the payment timeline (read only). */
export function createTimelineHandlers(ctx: ServiceContext): Pick<Handlers, 'payments:timeline'> {
  return { 'payments:timeline': (input) => paymentTimeline(ctx.storage, input.paymentId) };
}
