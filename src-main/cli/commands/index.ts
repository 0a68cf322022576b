import type { CliKit } from '../kit';

/** Command groups registered in their own files; add one line per area. */
export const COMMAND_GROUPS: ((kit: CliKit) => void)[] = [];
