import type { Handlers } from './dispatch';
import type { ServiceContext } from '../services/context';
import { addNote, assignOwner, changeReason } from '../services/suspense/annotate';
import { suspenseCandidates } from '../services/suspense/candidates';
import { suspenseDetail } from '../services/suspense/detail';
import {
  applySuspended,
  distributeSuspended,
  recyclePayments,
  removeSuspended,
  reverseSuspenseCase,
} from '../services/suspense/moves';
import { exportSuspense, searchSuspense } from '../services/suspense/search';
import {
  deleteSearch,
  listSavedSearches,
  renameSearch,
  saveSearch,
} from '../services/suspense/saved-searches';

type SuspenseCommand = Extract<keyof Handlers, `suspense:${string}`>;

/** The Payment Center's part of the handler map; every move says in the registry that it changes suspense. */
export function suspenseHandlers(ctx: ServiceContext): Pick<Handlers, SuspenseCommand> {
  return {
    'suspense:search': (input) => searchSuspense(ctx.storage, input, ctx.clock()),
    'suspense:show': (input) => suspenseDetail(ctx.storage, input.paymentId, ctx.clock()),
    'suspense:candidates': (input) => suspenseCandidates(ctx.storage, input),
    'suspense:apply': (input) => applySuspended(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'suspense:distribute': (input) => distributeSuspended(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'suspense:recycle': (input) => recyclePayments(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'suspense:remove': (input) => removeSuspended(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'suspense:reverse': (input) => reverseSuspenseCase(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'suspense:assign': (input) => assignOwner(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'suspense:note': (input) => addNote(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'suspense:change-reason': (input) => changeReason(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'suspense:export': (input) => exportSuspense(ctx.storage, input.paymentIds, ctx.clock()),
    'suspense:saved-searches': () => listSavedSearches(ctx.storage, ctx.operator.id),
    'suspense:save-search': (input) => saveSearch(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'suspense:delete-search': (input) => deleteSearch(ctx.storage, input.id, ctx.operator.id),
    'suspense:rename-search': (input) => renameSearch(ctx.storage, input, ctx.clock(), ctx.operator.id),
  };
}
