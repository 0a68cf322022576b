import type { SuspenseState } from '../../../../src-shared/dto/suspense';

/** Readable names of the lifecycle states. */
export const STATE_LABELS: Readonly<Record<SuspenseState, string>> = {
  suspended: 'Suspended',
  partial: 'Partially distributed',
  recycled: 'Recycled',
  distributed: 'Distributed',
  removed: 'Removed',
  reversed: 'Reversed',
  replaced: 'Replaced',
};

/** Chip colours of the states. */
export const STATE_TONES: Readonly<
  Record<SuspenseState, 'warning' | 'info' | 'success' | 'default' | 'error'>
> = {
  suspended: 'warning',
  partial: 'info',
  recycled: 'warning',
  distributed: 'success',
  removed: 'error',
  reversed: 'default',
  replaced: 'default',
};

/** Readable names of timeline actions. */
export const ACTION_LABELS: Readonly<Record<string, string>> = {
  entered: 'Entered suspense',
  posted: 'Posted to account',
  applied: 'Applied',
  distributed: 'Distributed',
  recycled: 'Recycled into suspense',
  removed: 'Removed as unallocatable',
  reversed: 'Reversed',
  owner: 'Owner changed',
  note: 'Note',
  reason: 'Reason changed',
};

/** Readable names of the work panel's actions. */
export const MOVE_LABELS: Readonly<Record<string, string>> = {
  apply: 'Apply',
  distribute: 'Distribute',
  remove: 'Remove',
  recycle: 'Recycle',
  reverse: 'Reverse',
  assign: 'Assign owner',
  'change-reason': 'Change reason',
  note: 'Add note',
};
