import type { BatchDto } from '../../../../src-shared/dto/batches';
import { formatCount } from '../../components/format';
import { zeroProofProblem } from './ZeroProofBar';

/** Why the batch cannot be submitted now, or null when it can. */
export function submitBlocker(
  batch: BatchDto,
  money: (minor: number, currency: string, withCode?: boolean) => string,
  supervisor: boolean,
): string | null {
  if (batch.status === 'submitted') return 'The batch is submitted.';
  if (batch.pushedTo !== null) return `The batch was pushed to ${batch.pushedTo} and submitted there.`;
  if (batch.status === 'discarded') return 'The batch was discarded.';
  if (batch.zeroProof.enteredCount === 0) return 'The batch has no entries.';
  if (batch.status !== 'validated')
    return 'Validate the batch first (F7): it changed since it was last validated.';
  const z = zeroProofProblem(batch, money);
  // With zeroProof.override on, a supervisor submits differing figures with a reason (asked in the dialog).
  if (z && !(batch.zeroProof.overrideAllowed && supervisor))
    return `${z}. Key the missing entries or correct the amounts.`;
  const blocking =
    (batch.countsByStatus.new ?? 0) +
    (batch.countsByStatus.invalid ?? 0) +
    (batch.countsByStatus.allocation_required ?? 0);
  if (blocking > 0)
    return `${formatCount(blocking)} ${blocking === 1 ? 'entry is' : 'entries are'} invalid or need allocation: fix them or move them to an exception batch (F9).`;
  return null;
}
