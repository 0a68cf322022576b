import type { ServiceContext } from '../services/context';
import { listExportRuns, runExport } from '../services/exports/run';
import { assertPathsAllowedVia } from '../services/files';
import { glLines, glSummary } from '../services/reports/gl';
import type { Handlers } from './dispatch';

type GlCommand = 'reports:gl-summary' | 'reports:gl-lines' | 'exports:run' | 'exports:list';

/**
 * Handlers of the G/L summary, its drill-down and the exports to billing and G/L. An export writes files and moves
 * no money: it emits no ledger:changed. Naming a folder is for the command line only (like every file-writing
 * command); from the desktop window or the bridge a path is refused (audited), and an export without one writes to
 * `exports/` next to the ledger.
 */
export function createGlHandlers(ctx: ServiceContext): Pick<Handlers, GlCommand> {
  return {
    'reports:gl-summary': (input) => glSummary(ctx.storage, input),
    'reports:gl-lines': (input) => glLines(ctx.storage, input),
    'exports:run': async (input) => {
      await assertPathsAllowedVia(
        ctx.storage,
        { at: ctx.clock(), operatorId: ctx.operator.id },
        'exports:run',
        input,
        ['out'],
      );
      return runExport(
        { storage: ctx.storage, ledgerFile: ctx.ledger.file, now: ctx.clock(), operatorId: ctx.operator.id },
        input,
      );
    },
    'exports:list': (input) => listExportRuns(ctx.storage, input),
  };
}
