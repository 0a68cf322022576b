import type { CliKit } from '../kit';
import { registerAdminCommands } from './admin';
import { registerApprovalCommands } from './approvals';
import { registerAuthCommands } from './auth';
import { registerBatchCommands } from './batches';
import { registerDeskOpsCommands } from './desk-ops';
import { registerDirectDebitCommands } from './directdebit';
import { registerGlExportCommands } from './gl-export';
import { registerJobCommands } from './jobs';
import { registerLedgerCommands } from './ledger';
import { registerMandateCommands } from './mandates';
import { registerProcessorCommands } from './processors';
import { registerPushCommand } from './push';
import { registerBankFileCommands } from './bankfiles';
import { registerReportCommands } from './reports';
import { registerReturnsCommands } from './returns';
import { registerServerCommands } from './server';
import { registerSuspense } from './suspense';
import { registerTimelineCommands } from './timeline';

/** Command groups registered in their own files; add one line per area. */
export const COMMAND_GROUPS: ((kit: CliKit) => void)[] = [
  registerAdminCommands,
  registerApprovalCommands,
  registerAuthCommands,
  registerBatchCommands,
  registerDeskOpsCommands,
  registerDirectDebitCommands,
  registerGlExportCommands,
  registerJobCommands,
  registerLedgerCommands,
  registerMandateCommands,
  registerProcessorCommands,
  registerPushCommand,
  registerBankFileCommands,
  registerReportCommands,
  registerReturnsCommands,
  registerServerCommands,
  registerSuspense,
  registerTimelineCommands,
];
