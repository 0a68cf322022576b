import type { ServiceContext } from '../services/context';
import type { Handlers } from './dispatch';

type GlCommand = 'reports:gl-summary' | 'reports:gl-lines' | 'exports:run' | 'exports:list';

/** Handlers of the G/L summary, its drill-down and the exports to billing and G/L. */
export function createGlHandlers(ctx: ServiceContext): Pick<Handlers, GlCommand> {
  void ctx;
  const notYet = (): never => {
    throw new Error('not built yet');
  };
  return {
    'reports:gl-summary': notYet,
    'reports:gl-lines': notYet,
    'exports:run': notYet,
    'exports:list': notYet,
  };
}
