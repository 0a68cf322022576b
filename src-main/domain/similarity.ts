/** Lower-cases, folds accents and keeps letters and digits, single-spaced. */
export function normaliseName(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The set of character trigrams of a normalised text, padded so short words still count. */
export function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of normaliseName(text).split(' ')) {
    if (!word) continue;
    const padded = `  ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) out.add(padded.slice(i, i + 3));
  }
  return out;
}

/**
 * Similarity of two names from 0 to 1 (Dice coefficient of their trigram sets): word order and small typos
 * matter little, so "Wolf, Mia" and "Mia Wolff" score high.
 */
export function nameSimilarity(a: string, b: string): number {
  const ta = trigrams(a);
  const tb = trigrams(b);
  if (ta.size === 0 || tb.size === 0) return 0;
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return (2 * shared) / (ta.size + tb.size);
}

/** Tokens of a free-text reference that could be account or bill numbers (3 to 64 characters). */
export function referenceTokens(text: string): string[] {
  const tokens = text.split(/[^A-Za-z0-9_\-/.]+/).filter((t) => t.length >= 3 && t.length <= 64);
  return [...new Set(tokens)].slice(0, 20);
}
