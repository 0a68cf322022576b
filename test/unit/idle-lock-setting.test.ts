import { describe, expect, it } from 'vitest';
import { coerceSettingText, ruleOf, settingProblem } from '../../src-main/services/admin/settings-admin';

describe('auth.idleLockMinutes takes fractions of a minute', () => {
  it('accepts 0, 0.05 and 15 and refuses negatives, text and more than a day', () => {
    expect(ruleOf('auth.idleLockMinutes').kind).toBe('number');
    for (const ok of [0, 0.05, 15, 1440]) expect(settingProblem('auth.idleLockMinutes', ok)).toBeNull();
    for (const bad of [-1, 1441, '5', Number.NaN, true])
      expect(settingProblem('auth.idleLockMinutes', bad)).toMatch(/takes a number from 0 to 1440/);
  });

  it('reads a typed decimal at the command line, and whole-number settings stay whole', () => {
    expect(coerceSettingText('auth.idleLockMinutes', '0.05')).toBe(0.05);
    expect(coerceSettingText('auth.idleLockMinutes', 'soon')).toBe('soon');
    expect(settingProblem('auth.lockoutMinutes', 0.5)).toMatch(/whole number/);
  });
});
