import { Option, type Command } from 'commander';
import { ROLES } from '../../../src-shared/api/roles';
import {
  APPROVAL_STATUSES,
  POLICY_OPERATION_KEYS,
  REQUIREMENTS,
  type ApprovalDto,
  type PolicyDto,
} from '../../../src-shared/dto/approvals';
import { formatMinor, KNOWN_EXPONENTS } from '../../../src-shared/money';
import { dropUndefined, intOption, type CliKit } from '../kit';
import { table } from '../output';

const money = (minor: number, currency: string): string =>
  `${formatMinor(minor, KNOWN_EXPONENTS[currency] ?? 2)} ${currency}`;

function who(a: ApprovalDto): string {
  return a.requirement === 'four_eyes' ? `four eyes: a ${a.role ?? 'supervisor'}` : 'second factor';
}

function humanRow(a: ApprovalDto): string {
  return [
    `#${a.id}`.padStart(6),
    a.status.padEnd(9),
    a.operation.padEnd(28),
    (a.amounts.map((x) => money(x.amountMinor, x.currency)).join(' + ') || '-').padStart(16),
    `by ${a.preparedBy}`.padEnd(14),
    `expires ${a.expiresAt.slice(0, 16)}`,
    `(${who(a)})`,
    a.description,
  ].join('  ');
}

function humanList(r: { rows: ApprovalDto[] }): string {
  return r.rows.length === 0 ? '(no approvals)\n' : r.rows.map(humanRow).join('\n') + '\n';
}

function humanApproval(a: ApprovalDto): string {
  return table([
    ['Approval', `#${a.id} ${a.status}`],
    ['What', a.description],
    ['Command', `${a.command} ${JSON.stringify(a.input)}`],
    ['Amount', a.amounts.map((x) => money(x.amountMinor, x.currency)).join(' + ') || '-'],
    ['Needs', who(a)],
    ['Prepared by', `${a.preparedBy} at ${a.createdAt}`],
    ['Expires', a.expiresAt],
    ['Attempts', `${a.attempts} of ${a.maxAttempts}`],
    ['Decided by', a.decidedBy ? `${a.decidedBy} at ${a.decidedAt ?? ''}` : null],
    ['Reason', a.reason],
    ['Payload hash', a.payloadHash],
  ]);
}

function humanPolicies(rows: PolicyDto[]): string {
  return (
    rows
      .map((p) =>
        [
          p.operation.padEnd(28),
          p.currency.padEnd(4),
          (p.requirement === 'none' ? 'none' : `above ${p.above}`).padEnd(18),
          (p.requirement === 'four_eyes' ? `four eyes (${p.role ?? '?'})` : p.requirement).padEnd(24),
          p.source === 'saved'
            ? `saved by ${p.updatedBy ?? '?'} ${p.updatedAt?.slice(0, 16) ?? ''}`
            : 'default',
        ].join('  '),
      )
      .join('\n') + '\n'
  );
}

/** `paydesk approval ...` and `paydesk policy ...`: the approvals queue and the policy table. */
export function registerApprovalCommands({ program, run }: CliKit): void {
  const approval = program
    .command('approval')
    .description('operations waiting for a second factor or a second operator (four eyes)');
  approval
    .command('list')
    .description('approvals, newest first (default: pending)')
    .addOption(
      new Option('--status <status>', 'status, or "all"')
        .choices([...APPROVAL_STATUSES, 'all'])
        .default('pending'),
    )
    .option('--mine', 'only those I prepared')
    .action((o: { status: string; mine?: boolean }, cmd: Command) =>
      run<{ rows: ApprovalDto[] }>(
        cmd,
        'approvals:list',
        dropUndefined({ status: o.status === 'all' ? undefined : o.status, mine: o.mine }),
        humanList,
      ),
    );
  approval
    .command('show')
    .description('one approval: what it runs, amounts, who prepared it, status')
    .argument('<id>', 'approval id', intOption)
    .action((approvalId: number, _o, cmd: Command) =>
      run<ApprovalDto>(cmd, 'approvals:show', { approvalId }, humanApproval),
    );
  approval
    .command('confirm')
    .description('approve and run it once (four eyes: another operator with the role; second factor: --code)')
    .argument('<id>', 'approval id', intOption)
    .option('--code <code>', 'your 6-digit authenticator code or a recovery code (second factor)')
    .action((approvalId: number, o: { code?: string }, cmd: Command) =>
      run<ApprovalDto>(cmd, 'approvals:confirm', dropUndefined({ approvalId, code: o.code }), humanApproval),
    );
  approval
    .command('reject')
    .description('reject (an approver) or withdraw (the preparer) a pending approval')
    .argument('<id>', 'approval id', intOption)
    .requiredOption('--reason <text>', 'why')
    .action((approvalId: number, o: { reason: string }, cmd: Command) =>
      run<ApprovalDto>(cmd, 'approvals:reject', { approvalId, reason: o.reason }, humanApproval),
    );

  const policy = program.command('policy').description('the approval policy table (admins edit it)');
  policy
    .command('list')
    .description('the effective policy of every operation (saved or default)')
    .action((_o, cmd: Command) => run<PolicyDto[]>(cmd, 'policies:list', {}, humanPolicies));
  policy
    .command('set')
    .description('save the rule of an operation (per currency, or * for all)')
    .argument('<operation>', `one of: ${POLICY_OPERATION_KEYS.join(', ')}`)
    .addOption(
      new Option('--requirement <r>', 'what it needs').choices([...REQUIREMENTS]).makeOptionMandatory(),
    )
    .option('--currency <code>', 'ISO 4217 code, or * for every currency', '*')
    .option('--above <amount>', 'the requirement applies above this decimal amount (0 = always)', '0')
    .addOption(new Option('--role <role>', 'four eyes: the approver role').choices([...ROLES]))
    .action(
      (
        operation: string,
        o: { requirement: string; currency: string; above: string; role?: string },
        cmd: Command,
      ) =>
        run<PolicyDto>(
          cmd,
          'policies:save',
          dropUndefined({
            operation,
            requirement: o.requirement,
            currency: o.currency,
            above: o.above,
            role: o.role,
          }),
          (p) => humanPolicies([p]),
        ),
    );
}
