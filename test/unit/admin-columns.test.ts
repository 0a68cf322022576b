import { describe, expect, it } from 'vitest';
import { columnSetProblems, customValueProblem, type ColumnConfig } from '../../src-shared/columns';
import { ppmToRate, rateToPpm } from '../../src-main/services/admin/reference-data';

const col = (field: string, over: Partial<ColumnConfig> = {}): ColumnConfig => ({
  field,
  caption: field,
  purpose: 'entry',
  width: 100,
  visible: true,
  required: false,
  format: '',
  ...over,
});

describe('column set rules (DOMAIN.md §2.16, §3.8, §6.2)', () => {
  it('accepts the default payment and reversal sets', () => {
    expect(columnSetProblems('payment', [col('accountNo'), col('amount')], [])).toEqual([]);
    expect(
      columnSetProblems('reversal', [col('paymentRef'), col('checkNo', { purpose: 'display' })], []),
    ).toEqual([]);
  });

  it('refuses display fields in payment and refund batches (C8), but not in reversals', () => {
    const p = columnSetProblems(
      'refund',
      [col('accountNo'), col('amount'), col('reference', { purpose: 'display' })],
      [],
    );
    expect(p.map((x) => x.path)).toEqual(['columns.2.purpose']);
  });

  it('needs what V1 needs, keyed and visible', () => {
    expect(
      columnSetProblems('payment', [col('accountNo'), col('amount', { visible: false })], []),
    ).toHaveLength(1);
    expect(columnSetProblems('payment', [col('amount')], [])).toHaveLength(1);
    expect(columnSetProblems('reversal', [col('paymentRef', { purpose: 'display' })], [])).toHaveLength(1);
  });

  it('names unknown fields, duplicates, formats that do not fit and required read-only columns', () => {
    const p = columnSetProblems(
      'payment',
      [
        col('accountNo', { format: 'code' }),
        col('amount'),
        col('amount'),
        col('custom:zone'),
        col('custom:region', { format: 'code-label' }),
        col('paymentRef'),
      ],
      [{ key: 'region', type: 'code' }],
    );
    expect(p.map((x) => x.path)).toEqual([
      'columns.0.format',
      'columns.2.field',
      'columns.3.field',
      'columns.5.field',
    ]);
  });
});

describe('custom values', () => {
  const field = (type: 'text' | 'number' | 'date' | 'amount' | 'code') => ({
    label: 'F',
    type,
    codes: [{ code: 'N' }, { code: 'S' }],
    maxLength: type === 'text' ? 5 : 20,
  });
  it('are checked by type, code list and length; blank is always allowed', () => {
    expect(customValueProblem(field('number'), '12.5')).toBeNull();
    expect(customValueProblem(field('number'), '12,5')).toMatch(/not a number/);
    expect(customValueProblem(field('date'), '2026-02-30')).toMatch(/not a date/);
    expect(customValueProblem(field('date'), '2026-02-28')).toBeNull();
    expect(customValueProblem(field('code'), 'W')).toMatch(/not one of N, S/);
    expect(customValueProblem(field('text'), 'toolong')).toMatch(/at most 5/);
    expect(customValueProblem(field('amount'), '')).toBeNull();
  });
  it('amounts follow the one contract amount rule (issue #11, finding 11)', () => {
    expect(customValueProblem(field('amount'), '1,000.00')).toBeNull();
    expect(customValueProblem(field('amount'), '1,00,0.00')).toMatch(/misplaced thousands separators/);
    expect(customValueProblem(field('amount'), ',5')).toMatch(/misplaced thousands separators/);
  });
});

describe('rates', () => {
  it('convert between decimal text and parts per million without floats', () => {
    expect(rateToPpm('1.0825')).toBe(1_082_500);
    expect(rateToPpm('0.000001')).toBe(1);
    expect(rateToPpm('11')).toBe(11_000_000);
    expect(ppmToRate(1_082_500)).toBe('1.0825');
    expect(ppmToRate(11_000_000)).toBe('11');
    expect(ppmToRate(1)).toBe('0.000001');
  });
});
