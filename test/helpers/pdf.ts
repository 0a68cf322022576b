import { execFileSync } from 'node:child_process';

/** The text a PDF shows, as poppler's `pdftotext -layout` reads it (CI installs poppler-utils). */
export function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8');
}
