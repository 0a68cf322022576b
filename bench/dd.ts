/**
 * Direct-debit file writing (issue #14): a 100,000-transaction pain.008.001.08 (time, MB, MB/s, peak RSS;
 * best of 3 after a warm-up), its validation with xmllint (separately), and a 100,000-entry NACHA file.
 * Run with `nice -n 5 npm run bench:dd`; not part of npm test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeNacha, type NachaEntryInput } from '../src-main/bankfiles/nacha/write';
import { writePain008, type Pain008Transaction } from '../src-main/bankfiles/iso20022/write-pain008';

const N = Number(process.env.DD_BENCH_N ?? 100_000);
const XSD = resolve(process.cwd(), '../shared/standards/iso20022/xsd/pain.008.001.08.xsd');

function ibanFor(i: number): string {
  const bban = `50010517${String(i).padStart(10, '0')}`;
  let rest = 0;
  for (const d of `${bban}131400`) rest = (rest * 10 + Number(d)) % 97;
  return `DE${String(98 - rest).padStart(2, '0')}${bban}`;
}

const transactions: Pain008Transaction[] = Array.from({ length: N }, (_, i) => ({
  endToEndId: `PDD20261215-1-${i + 1}`,
  amountMinor: 500 + ((i * 7919) % 250_000),
  seqType: i % 10 === 0 ? 'FRST' : 'RCUR',
  localInstrument: i % 50 === 0 ? 'B2B' : 'CORE',
  mandateId: `MND-${String(i).padStart(8, '0')}`,
  signedOn: '2024-03-01',
  amendment: i % 1000 === 0 ? { originalReference: `OLD-${i}` } : null,
  debtorName: `Debtor Müller ${i}`,
  debtorIban: ibanFor(i),
  debtorBic: 'INGDDEFFXXX',
  remittance: `Bill B-${i}`,
}));

const input = {
  version: 'pain.008.001.08' as const,
  messageId: 'PDD20261215-1',
  createdAt: '2026-12-01T10:00:00.000Z',
  collectionDate: '2026-12-15',
  currency: 'EUR',
  exponent: 2,
  creditor: {
    name: 'Paydesk Energie GmbH',
    iban: ibanFor(999_999_999),
    bic: 'COBADEFFXXX',
    creditorId: 'DE98ZZZ09999999999',
  },
  transactions,
};

function best<T>(label: string, fn: () => T): { ms: number; value: T } {
  fn(); // warm-up
  let bestMs = Number.POSITIVE_INFINITY;
  let value!: T;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    value = fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  console.log(`${label}: best of 3 ${bestMs.toFixed(0)} ms`);
  return { ms: bestMs, value };
}

const mb = (bytes: number): number => bytes / 1024 / 1024;
const rss = (): number => process.resourceUsage().maxRSS / 1024;

const pain = best(`pain.008.001.08 write, ${N} transactions`, () => writePain008(input));
const painBytes = Buffer.byteLength(pain.value, 'utf8');
console.log(
  `  ${mb(painBytes).toFixed(1)} MB, ${(mb(painBytes) / (pain.ms / 1000)).toFixed(1)} MB/s, ${Math.round(N / (pain.ms / 1000))} tx/s, peak RSS ${rss().toFixed(0)} MB`,
);

const dir = mkdtempSync(join(tmpdir(), 'paydesk-bench-dd-'));
try {
  const file = join(dir, 'pain008.xml');
  writeFileSync(file, pain.value);
  const t = performance.now();
  const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  const lintMs = performance.now() - t;
  console.log(
    `xmllint --schema pain.008.001.08.xsd: ${lintMs.toFixed(0)} ms, ${lint.status === 0 ? 'valid' : `INVALID: ${lint.stderr.slice(0, 300)}`}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const entries: NachaEntryInput[] = Array.from({ length: N }, (_, i) => ({
  transactionCode: i % 4 === 0 ? 37 : 27,
  routingNo: i % 2 === 0 ? '011000015' : '021000021',
  accountNo: String(10_000_000 + i),
  amountMinor: 500 + ((i * 7919) % 250_000),
  individualId: `A${String(i).padStart(8, '0')}`,
  name: `DEBTOR ${i}`,
}));
const nacha = best(`NACHA write, ${N} entries`, () =>
  writeNacha({
    immediateDestination: '011000015',
    immediateDestinationName: 'FEDERAL RESERVE BANK',
    immediateOrigin: '1234567890',
    immediateOriginName: 'PAYDESK UTILITIES',
    createdAt: '2026-12-01T10:00:00.000Z',
    fileIdModifier: 'A',
    batches: [
      {
        secCode: 'PPD',
        companyName: 'PAYDESK UTIL',
        companyId: '1234567890',
        entryDescription: 'PAYMENT',
        effectiveDate: '2026-12-15',
        odfiRouting: '021000021',
        entries,
      },
    ],
  }),
);
const nachaBytes = Buffer.byteLength(nacha.value.text, 'utf8');
console.log(
  `  ${mb(nachaBytes).toFixed(1)} MB, ${(mb(nachaBytes) / (nacha.ms / 1000)).toFixed(1)} MB/s, ${Math.round(N / (nacha.ms / 1000))} entries/s, peak RSS ${rss().toFixed(0)} MB`,
);
