import type { CliKit } from '../kit';
import { registerAdminCommands } from './admin';
import { registerApprovalCommands } from './approvals';
import { registerAuthCommands } from './auth';
import { registerBatchCommands } from './batches';
import { registerLedgerCommands } from './ledger';
import { registerProcessorCommands } from './processors';
import { registerReturnsCommands } from './returns';
import { registerSuspense } from './suspense';

/** Command groups registered in their own files; add one line per area. */
export const COMMAND_GROUPS: ((kit: CliKit) => void)[] = [
  registerAdminCommands,
  registerApprovalCommands,
  registerAuthCommands,
  registerBatchCommands,
  registerLedgerCommands,
  registerProcessorCommands,
  registerReturnsCommands,
  registerSuspense,
];
