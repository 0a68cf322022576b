import type { Command } from 'commander';
import type { PaymentTimelineDto } from '../../../src-shared/dto/reports';
import { formatMinor, KNOWN_EXPONENTS } from '../../../src-shared/money';
import { intOption, type CliKit } from '../kit';

const money = (minor: number, currency: string): string =>
  `${formatMinor(minor, KNOWN_EXPONENTS[currency] ?? 2)} ${currency}`;

/** Readable timeline: the payment, then one line per event (time, kind, operator, detail). */
export function humanTimeline(t: PaymentTimelineDto): string {
  const head = `Payment ${t.paymentId} on ${t.accountNo}: ${money(t.amountMinor, t.currency)}, ${t.status}`;
  const lines = t.events.map((e) => {
    const time = e.at.replace('T', ' ').slice(0, 19);
    return `${time}  ${e.kind.padEnd(17)} ${(e.operator ?? '-').padEnd(12)} ${e.detail}`;
  });
  return [head, ...lines].join('\n') + '\n';
}

/** `paydesk payment timeline ID`: the one timeline of a payment. The `payment` group is shared with other files. */
export function registerTimelineCommands({ program, run }: CliKit): void {
  const payment =
    program.commands.find((c) => c.name() === 'payment') ??
    program.command('payment').description('single payments outside a batch');
  payment
    .command('timeline')
    .description(
      'the life of one payment: file/line or keyed, validation, submit, allocations, suspense moves, processor calls, returns, reversals, fees, exports',
    )
    .argument('<paymentId>', 'the payment', intOption)
    .action((paymentId: number, _o: unknown, cmd: Command) =>
      run<PaymentTimelineDto>(cmd, 'payments:timeline', { paymentId }, humanTimeline),
    );
}
