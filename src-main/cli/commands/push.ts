import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { AppError, Result } from '../../../src-shared/api/result';
import type {
  BatchDto,
  BatchFileDto,
  BatchPushDto,
  BatchSubmitDto,
  BatchValidationDto,
} from '../../../src-shared/dto/batches';
import type { ConfirmationDto } from '../../../src-shared/dto/confirmations';
import { osLogin } from '../../app-context';
import { humanPreview } from '../confirm';
import { intOption, type CliKit, type GlobalOptions } from '../kit';
import { printError } from '../output';
import { writePrivateFile } from '../private-file';
import { openRemoteLedger } from '../remote';

/** One ledger's command path: the local App's dispatch, or a team server's. */
export type Dispatch = (command: string, input: unknown) => Promise<Result<unknown>>;

/** What `batch push` did (README "Push a batch to the server"). */
export type BatchPushResultDto = {
  /** `submitted` by this push, or `already_submitted` by an earlier one (this push posted nothing). */
  outcome: 'submitted' | 'already_submitted';
  server: string;
  localBatch: { id: number; batchNo: string };
  serverBatch: BatchDto;
  /** The server's submit answer (absent when it was already submitted). */
  submit?: BatchSubmitDto;
  mark: BatchPushDto;
};

const fail = (error: AppError): Result<never> => ({ ok: false, error });

const conflictOf = (rule: string, message: string): Result<never> =>
  fail({ code: 'conflict', rule, message });

/**
 * Takes a batch kept in the local ledger to a team server and submits it there, exactly once. Every step is safe
 * to repeat, so after a crash or a lost answer the whole push is simply run again: the server's import answers the
 * batch it already recreated from this ledger and batch (`push: true`), a submitted one without posting, its
 * submit never posts twice, and the local mark is written once. The local batch is closed only after the server
 * answered the submit.
 */
export async function pushBatch(p: {
  local: Dispatch;
  remote: Dispatch;
  serverUrl: string;
  batchId: number;
  /** Asked when the server wants a confirmed submit (over confirm.submitAboveAmount); false sends nothing. */
  confirm: (preview: ConfirmationDto) => Promise<boolean>;
}): Promise<Result<BatchPushResultDto>> {
  const got = (await p.local('batches:get', { batchId: p.batchId })) as Result<BatchDto>;
  if (!got.ok) return got;
  const local = got.value;
  if (local.status === 'submitted')
    return conflictOf(
      'batch-submitted',
      `batch ${local.batchNo} was submitted in this ledger; there is nothing to push`,
    );
  if (local.status === 'discarded')
    return conflictOf('batch-discarded', `batch ${local.batchNo} was discarded`);
  const exported = (await p.local('batches:export', { batchId: local.id })) as Result<BatchFileDto>;
  if (!exported.ok) return exported;
  // A refund or reversal names payments by their id in this ledger, which means another payment on the server.
  const named = exported.value.entries.filter((e) => e.paymentRef !== null).length;
  if (exported.value.batch.batchType !== 'payment' || named > 0)
    return conflictOf(
      'push-payment-batches-only',
      `batch ${local.batchNo} is a ${exported.value.batch.batchType} batch${named ? ` with ${named} entries naming payments of this ledger` : ''}: only payment batches are pushed (payment ids differ between ledgers); key it on the server`,
    );

  const dir = mkdtempSync(join(tmpdir(), 'paydesk-push-'));
  let imported: Result<BatchDto>;
  try {
    const file = join(dir, `${local.batchNo.replace(/[^\w.-]/g, '_')}.paydesk-batch.json`);
    writePrivateFile(file, JSON.stringify(exported.value, null, 2) + '\n');
    imported = (await p.remote('batches:import-batch-file', { file, push: true })) as Result<BatchDto>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!imported.ok) return imported;
  let serverBatch = imported.value;

  const mark = async (): Promise<Result<BatchPushDto>> =>
    (await p.local('batches:mark-pushed', {
      batchId: local.id,
      serverUrl: p.serverUrl,
      serverBatchId: serverBatch.id,
      serverBatchNo: serverBatch.batchNo,
    })) as Result<BatchPushDto>;
  const done = (
    outcome: BatchPushResultDto['outcome'],
    marked: Result<BatchPushDto>,
    submit?: BatchSubmitDto,
  ): Result<BatchPushResultDto> =>
    marked.ok
      ? {
          ok: true,
          value: {
            outcome,
            server: p.serverUrl,
            localBatch: { id: local.id, batchNo: local.batchNo },
            serverBatch,
            ...(submit ? { submit } : {}),
            mark: marked.value,
          },
        }
      : marked;

  if (serverBatch.status === 'submitted') return done('already_submitted', await mark());

  if (serverBatch.status === 'open') {
    const validated = (await p.remote('batches:validate', {
      batchId: serverBatch.id,
    })) as Result<BatchValidationDto>;
    if (!validated.ok) return validated;
    serverBatch = validated.value.batch;
    if (serverBatch.status !== 'validated')
      return conflictOf(
        'not-validated',
        `batch ${local.batchNo} is batch ${serverBatch.batchNo} (id ${serverBatch.id}) on ${p.serverUrl} and does not validate there: fix it there (or here, then discard it there and push again); nothing was posted`,
      );
  }

  const input = { batchId: serverBatch.id };
  let submitted = (await p.remote('batches:submit', input)) as Result<BatchSubmitDto>;
  if (
    !submitted.ok &&
    submitted.error.code === 'conflict' &&
    submitted.error.rule === 'confirmation-required'
  ) {
    const prepared = (await p.remote('confirmations:prepare', {
      operation: 'batches:submit',
      input,
    })) as Result<ConfirmationDto>;
    if (!prepared.ok) return prepared;
    if (!(await p.confirm(prepared.value)))
      return conflictOf(
        'not-confirmed',
        `not confirmed: nothing was posted; batch ${serverBatch.batchNo} (id ${serverBatch.id}) waits on ${p.serverUrl} and a later push continues with it (--yes confirms the totals shown)`,
      );
    submitted = (await p.remote('batches:submit', {
      ...input,
      confirmationId: prepared.value.id,
    })) as Result<BatchSubmitDto>;
  }
  if (!submitted.ok) {
    if (submitted.error.code === 'approval_required')
      return fail({
        ...submitted.error,
        message: `${submitted.error.message} (batch ${serverBatch.batchNo}, id ${serverBatch.id}, on ${p.serverUrl}; push again once it is approved)`,
      });
    return submitted;
  }
  serverBatch = submitted.value.batch;
  return done('submitted', await mark(), submitted.value);
}

function humanPush(v: BatchPushResultDto): string {
  const b = v.serverBatch;
  const head =
    v.outcome === 'submitted'
      ? `Submitted ${v.localBatch.batchNo} on ${v.server} as batch ${b.batchNo} (id ${b.id}): posted ${v.submit?.posted ?? 0}, suspended ${v.submit?.suspended ?? 0}${v.submit?.alreadyPosted ? `, already posted ${v.submit.alreadyPosted}` : ''}${v.submit?.duplicates ? `, suspected duplicates left open there ${v.submit.duplicates}` : ''}`
      : `Already submitted: ${v.localBatch.batchNo} is batch ${b.batchNo} (id ${b.id}) on ${v.server}; nothing was posted again`;
  return `${head}\nLocal batch ${v.localBatch.batchNo} (id ${v.localBatch.id}) is closed here (pushed ${v.mark.pushedAt}).\n`;
}

/** `batch push`: a batch kept offline in the local ledger, submitted on a team server exactly once. */
export function registerPushCommand(kit: CliKit): void {
  const { program, io, withApp, setExitCode } = kit;
  const batch =
    program.commands.find((c) => c.name() === 'batch') ??
    program.command('batch').description('Payment Tool batches: payments, refunds and reversals');
  batch
    .command('push')
    .description(
      'submit a batch kept in this (local) ledger on a team server, exactly once: a retried push never makes a second batch nor posts twice; the local batch is then closed',
    )
    .argument('<batchId>', 'local batch id', intOption)
    .requiredOption('--to <url>', 'the team server (`paydesk server`)')
    .option('--to-token <token>', "an API token of the server's ledger (or PAYDESK_SERVER_TOKEN)")
    .option(
      '--to-operator <login>',
      'sign in to the server as this operator (password from PAYDESK_PASSWORD or typed)',
    )
    .option('--to-otp <code>', "the server operator's second-factor code")
    .option(
      '--yes',
      'confirm the totals when the server asks for a confirmation (over confirm.submitAboveAmount)',
    )
    .action(
      async (
        batchId: number,
        o: { to: string; toToken?: string; toOperator?: string; toOtp?: string; yes?: boolean },
        cmd: Command,
      ) => {
        const opts = cmd.optsWithGlobals<GlobalOptions>();
        const json = Boolean(opts.json);
        const local = await withApp(opts);
        const remote = openRemoteLedger(o.to, io, {
          token: o.toToken ?? process.env.PAYDESK_SERVER_TOKEN,
          operator: o.toOperator,
          otp: o.toOtp,
          defaultLogin: osLogin(),
          tokenFromEnv: false,
        });
        try {
          const r = await pushBatch({
            local: (c, i) => local.dispatch(c, i),
            remote: remote.dispatch,
            serverUrl: remote.url,
            batchId,
            confirm: async (preview) => {
              if (o.yes) return true;
              if (!io.ask) return false;
              io.err(humanPreview(preview));
              return /^y(es)?$/i.test((await io.ask('Proceed? [y/N] ')).trim());
            },
          });
          if (!r.ok) return setExitCode(printError(io, json, r.error));
          io.out(json ? JSON.stringify(r.value) + '\n' : humanPush(r.value));
        } finally {
          await remote.signOut();
        }
      },
    );
}
