import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectReader } from '../../../src-main/bankfiles/readers';

const dir = resolve(process.cwd(), '../shared/standards/bai2');
const read = (name: string): string => readFileSync(resolve(dir, name), 'utf8');

describe('bankfile check reads BAI2 with the import parser', () => {
  it('sample1 (CAD): valid, with its debits and credits', async () => {
    const text = read('valid/sample1.txt');
    const reader = detectReader(text);
    expect(reader?.format).toBe('bai2');
    const check = await reader!.check(text);
    expect(check).toMatchObject({ format: 'bai2', valid: true, entries: 17 });
    expect(check.totals).toMatchObject({ currency: 'CAD', debitMinor: 320000, creditMinor: 320000 });
  });
  it('the spec example (sample2) adds up to its 16 records', async () => {
    const check = await detectReader(read('valid/sample2.txt'))!.check(read('valid/sample2.txt'));
    expect(check).toMatchObject({ valid: true, entries: 4 });
    expect(check.totals.creditMinor).toBe(30950000);
  });
  it('a file that does not start with a file header is refused with the line and reason', async () => {
    const text = read('invalid/sample-parseError.txt');
    const check = await detectReader(text)!.check(text);
    expect(check.format).toBe('bai2');
    expect(check.valid).toBe(false);
    expect(check.problems[0]).toMatchObject({ line: 1 });
  });
});
