/** A decimal rate as parts per million, without floats ("1.0825" → 1082500). */
export function rateToPpm(rate: string): number {
  const [whole = '0', frac = ''] = rate.trim().split('.');
  return Number(whole) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

/** Parts per million as the shortest decimal string. */
export function ppmToRate(ppm: number): string {
  const whole = Math.trunc(ppm / 1_000_000);
  const frac = String(ppm % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}
