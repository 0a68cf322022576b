import { Command, CommanderError, Option } from 'commander';
import type {
  SuspenseCandidatesDto,
  SuspenseDetailDto,
  SuspenseMoveDto,
  SuspenseRowDto,
  SuspenseSavedSearchDto,
  SuspenseSearchDto,
} from '../../../src-shared/dto/suspense';
import { SUSPENSE_SORTS } from '../../../src-shared/dto/suspense';
import { formatMinor, KNOWN_EXPONENTS } from '../../../src-shared/money';
import { dropUndefined, intOption, type CliKit } from '../kit';
import { table } from '../output';

const money = (minor: number, currency: string): string =>
  `${formatMinor(minor, KNOWN_EXPONENTS[currency] ?? 2)} ${currency}`;

const STATES = [
  'active',
  'all',
  'suspended',
  'partial',
  'recycled',
  'distributed',
  'removed',
  'reversed',
  'replaced',
];

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Reads `ACCOUNT=AMOUNT`, `ACCOUNT/BILL=AMOUNT` or `bill:BILL=AMOUNT` into a distribution target. */
export function parseTarget(text: string): { accountNo?: string; billNo?: string; amount: string } {
  const at = text.lastIndexOf('=');
  if (at <= 0 || at === text.length - 1)
    throw new CommanderError(
      2,
      'paydesk.invalidTarget',
      `"${text}" is not ACCOUNT=AMOUNT, ACCOUNT/BILL=AMOUNT or bill:BILL=AMOUNT`,
    );
  const who = text.slice(0, at);
  const amount = text.slice(at + 1);
  if (who.toLowerCase().startsWith('bill:')) return { billNo: who.slice(5), amount };
  const slash = who.indexOf('/');
  return slash > 0
    ? { accountNo: who.slice(0, slash), billNo: who.slice(slash + 1), amount }
    : { accountNo: who, amount };
}

function humanRow(r: SuspenseRowDto): string {
  return [
    String(r.paymentId).padStart(8),
    r.state.padEnd(11),
    money(r.amountMinor, r.currency).padStart(16),
    r.effectiveDate,
    `${String(r.ageDays).padStart(4)}d`,
    String(r.reasonCode).padEnd(6),
    (r.ownerLabel ?? '-').padEnd(16),
    (r.accountHint ?? '-').padEnd(12),
    r.payerName ?? '-',
    r.externalRef ? `(${r.externalRef})` : '',
  ].join('  ');
}

function humanSearch(r: SuspenseSearchDto): string {
  const head =
    r.total >= 0
      ? `${r.totalExact ? '' : 'at least '}${r.total} payments ${r.totalsByCurrency.map((t) => money(t.amountMinor, t.currency)).join(', ')}\n` +
        `age ${r.byAge.map((b) => `${b.bucket}: ${b.count}`).join('  ')}\n` +
        `owners ${r.byOwner.map((o) => `${o.label ?? 'unassigned'}: ${o.count}`).join('  ')}\n` +
        (r.totalExact
          ? '\n'
          : '(the text matches too many payments to count in time: these counts are lower bounds)\n\n')
      : '';
  const rows = r.rows.map(humanRow).join('\n');
  return `${head}${rows || '(no payments)'}\n${r.nextCursor ? `\nnext page: --cursor ${r.nextCursor}\n` : ''}`;
}

function humanDetail(d: SuspenseDetailDto): string {
  const s = d.subject;
  const p = d.payment;
  const head = table([
    ['Payment', `${s.paymentId} (${s.kind}${p ? `, ${p.state}` : ''}) case ${d.rootId}`],
    ['Amount', money(s.amountMinor, s.currency)],
    ['Account', s.accountNo],
    ...(p
      ? ([
          ['Received', p.effectiveDate],
          ['In suspense since', `${p.enteredOn} (${p.ageDays} days)`],
          ['Reason', `${p.reasonCode} ${p.reasonLabel ?? ''}`],
          ['Owner', p.ownerLabel ?? '-'],
          ['Account tried', p.accountHint],
          ['Bill tried', p.billNo],
          ['Payer', p.payerName],
          ['Reference', p.externalRef],
        ] as [string, string | null][])
      : []),
  ]);
  const allowed = d.allowed
    .map((a) => `  ${a.action.padEnd(14)} ${a.ok ? 'yes' : `no (${a.rule}: ${a.why})`}`)
    .join('\n');
  const tree = d.tree
    .map(
      (t) =>
        `  ${t.paymentId}${t.parentPaymentId ? ` <- ${t.parentPaymentId}` : ''}  ${t.kind}  ${t.accountNo}  ${money(t.amountMinor, t.currency)}${t.reversed ? '  reversed' : ''}${t.state ? `  ${t.state}` : ''}`,
    )
    .join('\n');
  const timeline = d.timeline
    .map(
      (e) =>
        `  ${e.at}  ${e.action.padEnd(11)} ${e.paymentId}  ${e.amountMinor !== null && e.currency ? money(e.amountMinor, e.currency) : ''}  ${e.reasonCode ?? ''} ${e.reasonLabel ?? ''}  ${e.operator ?? ''}${e.detail && 'text' in e.detail ? `  "${String(e.detail.text)}"` : ''}`,
    )
    .join('\n');
  return `${head}\nWhat can be done:\n${allowed}\n\nCase:\n${tree}\n\nTimeline:\n${timeline}\n`;
}

function humanCandidates(c: SuspenseCandidatesDto): string {
  if (c.candidates.length === 0) return `No candidates for payment ${c.paymentId}\n`;
  return (
    c.candidates
      .map(
        (x) =>
          `${String(x.score).padStart(3)}  ${x.accountNo}${x.billNo ? `/${x.billNo}` : ''}  ${x.accountName}${x.amountDueMinor !== null ? `  due ${money(x.amountDueMinor, x.accountCurrency)}` : ''}\n${x.reasons.map((r) => `       - ${r}`).join('\n')}`,
      )
      .join('\n') + '\n'
  );
}

function humanMove(m: SuspenseMoveDto): string {
  const lines = [
    `${m.action}: payment ${m.paymentIds.join(', ')}${m.journalId ? ` (journal ${m.journalId})` : ''}`,
  ];
  for (const p of m.posted)
    lines.push(
      `  posted ${p.paymentId} to ${p.accountNo}${p.billNo ? `/${p.billNo}` : ''}: ${p.amountMinor} (allocated ${p.allocatedMinor})`,
    );
  for (const s of m.suspended)
    lines.push(`  in suspense: payment ${s.paymentId} ${money(s.amountMinor, s.currency)}`);
  if (m.reversed.length) lines.push(`  reversed: ${m.reversed.join(', ')}`);
  return lines.join('\n') + '\n';
}

type SearchOptions = {
  reason?: number;
  owner?: string;
  from?: string;
  to?: string;
  min?: string;
  max?: string;
  text?: string;
  payer?: string;
  ref?: string;
  status?: string[];
  age?: string[];
  currency?: string;
  account?: string;
  bill?: string;
  batch?: number;
  lockbox?: string;
  channel?: number;
  payType?: number;
  sort?: string;
  desc?: boolean;
  limit: number;
  cursor?: string;
  offset?: number;
};

/** The filter options shared by `suspense search` and `suspense save-search`. */
function filterOptions(cmd: Command): Command {
  return cmd
    .option('--reason <code>', 'suspense reason code', intOption)
    .option('--owner <code>', 'action owner code, or "none"')
    .option('--from <date>', 'received on or after (yyyy-MM-dd)')
    .option('--to <date>', 'received on or before (yyyy-MM-dd)')
    .option('--min <amount>', 'smallest amount')
    .option('--max <amount>', 'largest amount')
    .option('--text <text>', 'payer name or reference contains')
    .option('--payer <text>', 'payer name contains')
    .option('--ref <text>', 'reference contains')
    .addOption(
      new Option('--status <state...>', 'states (active = suspended, partial, recycled)').choices(STATES),
    )
    .addOption(
      new Option('--age <bucket...>', 'age buckets in days').choices([
        '0-7',
        '8-30',
        '31-60',
        '61-90',
        '90+',
      ]),
    )
    .option('--currency <code>', 'currency')
    .option('--account <no>', 'account number tried (prefix)')
    .option('--bill <no>', 'bill number tried (prefix)')
    .option('--batch <id>', 'batch id', intOption)
    .option('--lockbox <no>', 'lockbox number')
    .option('--channel <id>', 'channel id', intOption)
    .option('--pay-type <id>', 'pay type element id', intOption);
}

/** The search filters of the options, as `suspense:search` and `suspense:save-search` take them. */
function filtersOf(o: SearchOptions): Record<string, unknown> {
  const owner =
    o.owner === undefined
      ? undefined
      : o.owner === 'none'
        ? 'none'
        : /^\d+$/.test(o.owner)
          ? Number(o.owner)
          : o.owner;
  return dropUndefined({
    reasonCode: o.reason,
    owner,
    from: o.from,
    to: o.to,
    minAmount: o.min,
    maxAmount: o.max,
    text: o.text,
    payer: o.payer,
    reference: o.ref,
    status: o.status,
    ageBucket: o.age,
    currency: o.currency,
    accountHint: o.account,
    billNo: o.bill,
    batchId: o.batch,
    lockboxNo: o.lockbox,
    channelId: o.channel,
    payType: o.payType,
  });
}

function humanSearches(list: SuspenseSavedSearchDto[]): string {
  if (list.length === 0) return '(no saved searches)\n';
  return (
    list.map((s) => `${String(s.id).padStart(6)}  ${s.name}  ${JSON.stringify(s.filters)}`).join('\n') + '\n'
  );
}

/** `paydesk suspense ...`: the Payment Center from the command line. */
export function registerSuspense({ program, run }: CliKit): void {
  const suspense = program
    .command('suspense')
    .description('Payment Center: suspended payments as a work queue');
  filterOptions(
    suspense
      .command('search')
      .description('search suspended payments (default: those still in suspense), oldest first'),
  )
    .addOption(new Option('--sort <column>', 'sort column').choices(SUSPENSE_SORTS))
    .option('--desc', 'sort descending')
    .addOption(new Option('--limit <n>', 'rows per page').argParser(intOption).default(50))
    .option('--cursor <cursor>', 'next page (from the previous page)')
    .option('--offset <n>', 'skip this many rows', intOption)
    .action((o: SearchOptions, cmd: Command) => {
      const input = dropUndefined({
        ...filtersOf(o),
        sortBy: o.sort,
        sortDir: o.desc ? 'desc' : undefined,
        limit: o.limit,
        cursor: o.cursor,
        offset: o.offset,
      });
      return run<SuspenseSearchDto>(cmd, 'suspense:search', input, humanSearch);
    });
  suspense
    .command('show')
    .description('one payment: details, what can be done, its case and timeline')
    .argument('<paymentId>', 'payment id', intOption)
    .action((paymentId: number, _o, cmd: Command) =>
      run<SuspenseDetailDto>(cmd, 'suspense:show', { paymentId }, humanDetail),
    );
  suspense
    .command('candidates')
    .description('accounts and bills the matcher suggests, with reasons and scores')
    .argument('<paymentId>', 'payment id', intOption)
    .addOption(new Option('--limit <n>', 'how many').argParser(intOption).default(10))
    .action((paymentId: number, o: { limit: number }, cmd: Command) =>
      run<SuspenseCandidatesDto>(cmd, 'suspense:candidates', { paymentId, limit: o.limit }, humanCandidates),
    );
  suspense
    .command('apply')
    .description('apply a suspended payment to an account or bill (re-validated; on failure it stays)')
    .argument('<paymentId>', 'payment id', intOption)
    .option('--account <no>', 'account number')
    .option('--bill <no>', 'bill number')
    .option('--reason <code>', 'reversal reason (domain 16, G/L 113; default 4003)', intOption)
    .action((paymentId: number, o: { account?: string; bill?: string; reason?: number }, cmd: Command) =>
      run<SuspenseMoveDto>(
        cmd,
        'suspense:apply',
        dropUndefined({ paymentId, accountNo: o.account, billNo: o.bill, reasonCode: o.reason }),
        humanMove,
      ),
    );
  suspense
    .command('distribute')
    .description('distribute over several accounts/bills, all or nothing; what is left stays in suspense')
    .argument('<paymentId>', 'payment id', intOption)
    .requiredOption(
      '--to <ACCOUNT=AMOUNT>',
      'ACCOUNT=AMOUNT, ACCOUNT/BILL=AMOUNT or bill:BILL=AMOUNT (repeatable)',
      collect,
    )
    .option('--reason <code>', 'reversal reason (domain 16, G/L 113; default 4003)', intOption)
    .action((paymentId: number, o: { to: string[]; reason?: number }, cmd: Command) =>
      run<SuspenseMoveDto>(
        cmd,
        'suspense:distribute',
        dropUndefined({ paymentId, targets: o.to.map(parseTarget), reasonCode: o.reason }),
        humanMove,
      ),
    );
  suspense
    .command('recycle')
    .description('move posted payments from a wrong account back into suspense (whole amount)')
    .argument('<paymentIds...>', 'payment ids (several only if distributed from one suspended payment)')
    .requiredOption('--reason <code>', 'reversal reason (domain 16, G/L 113)', intOption)
    .option('--amount <amount>', 'the amount to recycle: must be the whole amount (G14)')
    .option('--currency <code>', "the recycled payment's currency: must be the original's (G2)")
    .action((paymentIds: string[], o: { reason: number; amount?: string; currency?: string }, cmd: Command) =>
      run<SuspenseMoveDto>(
        cmd,
        'suspense:recycle',
        {
          paymentIds: paymentIds.map(intOption),
          reasonCode: o.reason,
          ...(o.amount !== undefined ? { amount: o.amount } : {}),
          ...(o.currency !== undefined ? { currency: o.currency } : {}),
        },
        humanMove,
      ),
    );
  suspense
    .command('remove')
    .description('remove from suspense as unallocatable (G/L 112; cannot be undone)')
    .argument('<paymentId>', 'payment id', intOption)
    .requiredOption('--reason <code>', 'reversal reason with G/L 112 (e.g. 4999)', intOption)
    .action((paymentId: number, o: { reason: number }, cmd: Command) =>
      run<SuspenseMoveDto>(cmd, 'suspense:remove', { paymentId, reasonCode: o.reason }, humanMove),
    );
  suspense
    .command('reverse')
    .description('reverse a whole suspense case (target the original payment)')
    .argument('<paymentId>', 'payment id', intOption)
    .requiredOption('--reason <code>', 'payment reversal reason (domain 17)', intOption)
    .action((paymentId: number, o: { reason: number }, cmd: Command) =>
      run<SuspenseMoveDto>(cmd, 'suspense:reverse', { paymentId, reasonCode: o.reason }, humanMove),
    );
  suspense
    .command('assign')
    .description('assign the action owner of suspended payments ("none" clears it)')
    .argument('<paymentIds...>', 'payment ids')
    .requiredOption('--owner <code>', 'action owner code (domain 15) or "none"')
    .action((paymentIds: string[], o: { owner: string }, cmd: Command) =>
      run<SuspenseMoveDto>(
        cmd,
        'suspense:assign',
        { paymentIds: paymentIds.map(intOption), owner: o.owner === 'none' ? null : intOption(o.owner) },
        humanMove,
      ),
    );
  suspense
    .command('note')
    .description('add a note to the timeline of a payment')
    .argument('<paymentId>', 'payment id', intOption)
    .argument('<text>', 'the note')
    .action((paymentId: number, text: string, _o, cmd: Command) =>
      run<SuspenseMoveDto>(cmd, 'suspense:note', { paymentId, text }, humanMove),
    );
  suspense
    .command('reason')
    .description('change the suspense reason (a new suspended payment replaces each one)')
    .argument('<paymentIds...>', 'payment ids')
    .requiredOption('--reason <code>', 'suspense reason (domain 14)', intOption)
    .action((paymentIds: string[], o: { reason: number }, cmd: Command) =>
      run<SuspenseMoveDto>(
        cmd,
        'suspense:change-reason',
        { paymentIds: paymentIds.map(intOption), reasonCode: o.reason },
        humanMove,
      ),
    );
  suspense
    .command('export')
    .description('export payments of the queue as CSV')
    .argument('<paymentIds...>', 'payment ids')
    .action((paymentIds: string[], _o, cmd: Command) =>
      run<{ csv: string }>(cmd, 'suspense:export', { paymentIds: paymentIds.map(intOption) }, (v) => v.csv),
    );
  suspense
    .command('searches')
    .description('your saved searches of the Payment Center')
    .action((_o, cmd: Command) =>
      run<SuspenseSavedSearchDto[]>(cmd, 'suspense:saved-searches', {}, humanSearches),
    );
  filterOptions(
    suspense
      .command('save-search')
      .description('save the filters as a named search (replaces your search of that name)')
      .argument('<name>', 'name of the search'),
  ).action((name: string, o: SearchOptions, cmd: Command) =>
    run<SuspenseSavedSearchDto>(cmd, 'suspense:save-search', { name, filters: filtersOf(o) }, (s) =>
      humanSearches([s]),
    ),
  );
  suspense
    .command('rename-search')
    .description('rename one of your saved searches')
    .argument('<id>', 'saved search id', intOption)
    .argument('<name>', 'the new name')
    .action((id: number, name: string, _o, cmd: Command) =>
      run<SuspenseSavedSearchDto>(cmd, 'suspense:rename-search', { id, name }, (s) => humanSearches([s])),
    );
  suspense
    .command('delete-search')
    .description('delete one of your saved searches')
    .argument('<id>', 'saved search id', intOption)
    .action((id: number, _o, cmd: Command) =>
      run<{ deleted: number }>(cmd, 'suspense:delete-search', { id }, (r) => `deleted ${r.deleted}\n`),
    );
}
