import type { mandateCommands } from '../../src-shared/api/commands/mandate';
import { MAX_UPLOAD_BYTES } from '../../src-shared/api/uploads';
import type { ServiceContext } from '../services/context';
import { assertPathsAllowedVia } from '../services/files';
import { auddisExtract } from '../services/mandates/auddis';
import { addCreditor, listCreditors, updateCreditor } from '../services/mandates/creditors';
import {
  addMandate,
  amendMandate,
  cancelMandate,
  expireMandates,
  listMandates,
  showMandate,
} from '../services/mandates/mandates';
import { importMandateFile } from '../services/mandates/revision-import';
import { commandFileVia, usingUploads, withUpload } from '../services/uploads';
import { isoDate } from '../domain/dates';
import type { Handlers } from './dispatch';

/** Handlers of the creditor and mandate commands; each change's ledger:changed comes from the registry. */
export function createMandateHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof mandateCommands> {
  const who = (): { at: Date; operatorId: number } => ({ at: ctx.clock(), operatorId: ctx.operator.id });
  return {
    'creditors:list': () => listCreditors(ctx.storage),
    'creditors:add': (input) => addCreditor(ctx.storage, input, who()),
    'creditors:update': (input) => {
      const { code, ...change } = input;
      return updateCreditor(ctx.storage, code, change, who());
    },
    'mandates:list': (input) => listMandates(ctx.storage, input),
    'mandates:show': (input) => showMandate(ctx.storage, input),
    'mandates:add': (input) => addMandate(ctx.storage, input, who()),
    'mandates:amend': (input) => amendMandate(ctx.storage, input, who()),
    'mandates:cancel': (input) => cancelMandate(ctx.storage, input, who()),
    'mandates:expire': (input) => expireMandates(ctx.storage, input.asOf ?? isoDate(ctx.clock()), who()),
    'mandates:import': async (input) => {
      const w = who();
      const src = withUpload(ctx.uploads, input);
      const file = await commandFileVia(ctx.storage, w, 'mandates:import', src, MAX_UPLOAD_BYTES);
      // A preview keeps the upload: the import that follows reads it again.
      if (input.preview) return importMandateFile(ctx.storage, file, { preview: true }, w);
      return usingUploads(ctx.uploads, [src.uploaded], () =>
        importMandateFile(ctx.storage, file, { preview: false }, w),
      );
    },
    'mandates:auddis': async (input) => {
      const w = who();
      await assertPathsAllowedVia(ctx.storage, w, 'mandates:auddis', input, ['out']);
      return auddisExtract(ctx.storage, w, input.out);
    },
  };
}
