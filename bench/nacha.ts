/**
 * NACHA benchmark: writes a 100,000-entry PPD debit file with writeNacha (100,000 accounts, realistic names and
 * amounts, 10 batches), then times reading + validating it (checkNacha: every record, check digits, batch and
 * file controls), writing it, and extracting the returns of a 100,000-return file. Best of several runs after a
 * warm-up, compared with moov-io/ach's published 129 ms for reading 100k entries (Apple M4 Max).
 * Run: npx tsx bench/nacha.ts [--entries N] [--runs N]   (npm run bench:nacha)
 */
import os from 'node:os';
import { writeNachaBankAnswer } from '../src-main/bankfiles/nacha/bank-returns';
import { checkNacha, nachaReturns } from '../src-main/bankfiles/nacha/read';
import { writeNacha, type NachaBatchInput, type NachaEntryInput } from '../src-main/bankfiles/nacha/write';
import { mulberry32 } from '../src-main/domain/prng';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ENTRIES = arg('--entries', 100_000);
const RUNS = arg('--runs', 7);
const BATCHES = 10;
const MOOV_READ_MS = 129;

const rand = mulberry32(20261203);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const FIRST = [
  'JAMES',
  'MARY',
  'ROBERT',
  'PATRICIA',
  'JOHN',
  'JENNIFER',
  'MICHAEL',
  'LINDA',
  'DAVID',
  'ELIZABETH',
  'WILLIAM',
  'BARBARA',
  'RICHARD',
  'SUSAN',
  'JOSEPH',
  'JESSICA',
  'THOMAS',
  'SARAH',
  'CHARLES',
  'KAREN',
  'MARIA',
  'JOSE',
  'WEI',
  'AISHA',
  'NGUYEN',
];
const LAST = [
  'SMITH',
  'JOHNSON',
  'WILLIAMS',
  'BROWN',
  'JONES',
  'GARCIA',
  'MILLER',
  'DAVIS',
  'RODRIGUEZ',
  'MARTINEZ',
  'HERNANDEZ',
  'LOPEZ',
  'GONZALEZ',
  'WILSON',
  'ANDERSON',
  'THOMAS',
  'TAYLOR',
  'MOORE',
  'JACKSON',
  'MARTIN',
  'LEE',
  'PEREZ',
  'THOMPSON',
  'WHITE',
  "O'BRIEN",
];

/** A random 9-digit routing number with its ABA check digit. */
function routing(): string {
  const first8 =
    String(1 + Math.floor(rand() * 12)).padStart(2, '0') + String(Math.floor(rand() * 1e6)).padStart(6, '0');
  const d = [...first8].map(Number);
  const sum = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]!);
  return first8 + String((10 - (sum % 10)) % 10);
}

/** Utility-bill-like amounts: mostly 20–300 dollars, some large, in cents. */
function amount(): number {
  const r = rand();
  return r < 0.9 ? 2000 + Math.floor(rand() * 28000) : 30000 + Math.floor(rand() * 470000);
}

const banks = Array.from({ length: 2000 }, routing);
const entries: NachaEntryInput[] = Array.from({ length: ENTRIES }, (_, i) => ({
  transactionCode: rand() < 0.85 ? 27 : 37,
  routingNo: pick(banks),
  accountNo: String(Math.floor(rand() * 1e12)).padStart(8 + Math.floor(rand() * 5), '0'),
  amountMinor: amount(),
  individualId: `ACC${String(100000 + i)}`,
  name: `${pick(FIRST)} ${pick(LAST)}`.slice(0, 22),
}));
const perBatch = Math.ceil(ENTRIES / BATCHES);
const batches: NachaBatchInput[] = Array.from({ length: BATCHES }, (_, b) => ({
  secCode: 'PPD',
  companyName: 'PAYDESK UTILITY',
  companyId: '1234567890',
  entryDescription: 'UTIL BILL',
  effectiveDate: `2026-12-${String(7 + (b % 5)).padStart(2, '0')}`,
  odfiRouting: '121042882',
  entries: entries.slice(b * perBatch, (b + 1) * perBatch),
}));
const input = {
  immediateDestination: '231380104',
  immediateDestinationName: 'FEDERAL RESERVE BANK',
  immediateOrigin: '121042882',
  immediateOriginName: 'PAYDESK UTILITY',
  createdAt: '2026-12-03T16:00:00Z',
  fileIdModifier: 'A',
  batches,
};

/** Best and median wall time of `runs` runs after one warm-up, and the best CPU time (user + system) of a run. */
function time<T>(label: string, f: () => T): { best: number; median: number; cpu: number; value: T } {
  let value = f();
  const ms: number[] = [];
  let cpu = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    value = f();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  const r = { best: ms[0]!, median: ms[Math.floor(ms.length / 2)]!, cpu, value };
  console.log(
    `${label.padEnd(34)} best ${r.best.toFixed(1).padStart(7)} ms   median ${r.median.toFixed(1).padStart(7)} ms   cpu ${r.cpu.toFixed(1).padStart(7)} ms`,
  );
  return r;
}

const write = time(`write ${ENTRIES} entries`, () => writeNacha(input));
const text = write.value.text;
console.log(
  `  file: ${text.length.toLocaleString('en-US')} bytes, ${text.split('\n').length - 1} records, ${BATCHES} batches`,
);
const read = time(`read + validate ${ENTRIES} entries`, () => checkNacha(text));
const c = read.value;
if (!c.valid || c.entries !== ENTRIES)
  throw new Error(`the benchmark file did not check: ${JSON.stringify(c.problems.slice(0, 3))}`);
console.log(`  valid, ${c.entries} entries, debits ${c.totals.debitMinor} cents`);

const answers = write.value.traceNumbers
  .flat()
  .map((traceNumber, i) => ({ traceNumber, code: i % 7 === 0 ? 'R02' : 'R01' }));
const returnFile = writeNachaBankAnswer(text, answers, { createdAt: '2026-12-09T06:00:00Z' });
const returns = time(`returns of ${answers.length} returns`, () => nachaReturns(returnFile));
if (returns.value.items.length !== answers.length || returns.value.problems.length > 0) {
  throw new Error(
    `the return file did not read: ${returns.value.items.length} items, ${JSON.stringify(returns.value.problems.slice(0, 3))}`,
  );
}

const rate = (ms: number): string => `${Math.round(ENTRIES / (ms / 1000)).toLocaleString('en-US')} entries/s`;
console.log('');
console.log(
  `read + validate: ${read.best.toFixed(1)} ms (${rate(read.best)}); moov-io/ach 129 ms (M4 Max) -> ratio ${(read.best / MOOV_READ_MS).toFixed(2)}x (goal <= 3x, ${3 * MOOV_READ_MS} ms)`,
);
console.log(`write:           ${write.best.toFixed(1)} ms (${rate(write.best)})`);
console.log(`returns:         ${returns.best.toFixed(1)} ms (${rate(returns.best)})`);
console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${os.cpus().length} cores: wall times on a busy machine include waiting for a core`,
);
