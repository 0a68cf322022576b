import type { FieldIssue } from '../../../src-shared/api/result';
import type { ReasonCodeDto } from '../../../src-shared/dto/codes';

/**
 * The product's own reasons file (`reasons.<locale>`, DOMAIN.md §2.11): `LOCALE = "en_us" ;`, then per code a
 * `DOMAIN = "<name>" ;` line and a `STR ... END` block with `ID`, `VERSION` (the domain id), `STRING`,
 * `HELPSTR` and an optional `EVENT-GLID ... END` block of `"<event type>" <G/L ID> ;` lines.
 */
export type ReasonsText = { locale: string; codes: ReasonCodeDto[] };

const ASSIGN = /^([A-Z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(-?\d+))\s*;?$/;
const GLID = /^"((?:[^"\\]|\\.)*)"\s+(\d+)\s*;?$/;

const unquote = (s: string): string => s.replace(/\\(.)/g, '$1');

/**
 * Reads a reasons file; every line that cannot be read is an issue named `line N` (saying what is wrong, never
 * quoting the line: the file may be anything), and no code is half-read.
 */
export function parseReasonsText(text: string): { value: ReasonsText; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const codes: ReasonCodeDto[] = [];
  let locale = 'en_us';
  let block: 'none' | 'str' | 'glid' = 'none';
  let cur: {
    id?: number;
    version?: number;
    label?: string;
    help: string;
    glId: number | null;
    line: number;
  } | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const at = `line ${i + 1}`;
    if (line === '' || line.startsWith('#')) return;
    if (block === 'glid') {
      if (line === 'END') block = 'str';
      else {
        const m = GLID.exec(line);
        if (!m) issues.push({ path: at, message: 'this is not an "<event type>" <G/L ID> ; line' });
        else if (cur && cur.glId === null) cur.glId = Number(m[2]);
      }
      return;
    }
    if (block === 'str') {
      if (line === 'END') {
        block = 'none';
        const c = cur;
        cur = null;
        if (!c) return;
        const where = `line ${c.line}`;
        if (c.id === undefined || c.version === undefined || c.label === undefined) {
          issues.push({ path: where, message: 'a STR block needs ID, VERSION and STRING' });
          return;
        }
        codes.push({
          domainId: c.version,
          id: c.id,
          label: c.label,
          help: c.help,
          glId: c.glId,
          active: true,
        });
        return;
      }
      if (line === 'EVENT-GLID') {
        block = 'glid';
        return;
      }
      const m = ASSIGN.exec(line);
      if (!m || !cur) {
        issues.push({ path: at, message: 'this is not a KEY = value ; line' });
        return;
      }
      const [, key, str, num] = m;
      if (key === 'ID' && num !== undefined) cur.id = Number(num);
      else if (key === 'VERSION' && num !== undefined) cur.version = Number(num);
      else if (key === 'STRING' && str !== undefined) cur.label = unquote(str);
      else if (key === 'HELPSTR' && str !== undefined) cur.help = unquote(str);
      else
        issues.push({
          path: at,
          message: `${key} is not a field of a STR block (or has the wrong kind of value)`,
        });
      return;
    }
    if (line === 'STR') {
      block = 'str';
      cur = { help: '', glId: null, line: i + 1 };
      return;
    }
    const m = ASSIGN.exec(line);
    if (m?.[1] === 'LOCALE' && m[2] !== undefined) locale = m[2];
    else if (m?.[1] === 'DOMAIN' && m[2] !== undefined) return;
    else issues.push({ path: at, message: 'this is not a LOCALE, DOMAIN or STR line' });
  });
  if (block !== 'none')
    issues.push({ path: `line ${lines.length}`, message: 'the file ends inside a block (END missing)' });
  return { value: { locale, codes }, issues };
}

const quote = (s: string): string => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/** Writes codes as a reasons file, grouped by domain; G/L IDs go out under the reversal event. */
export function formatReasonsText(
  locale: string,
  codes: readonly ReasonCodeDto[],
  domainNames: ReadonlyMap<number, string>,
): string {
  const out = [`LOCALE = ${quote(locale)} ;`, ''];
  for (const c of codes) {
    out.push(`DOMAIN = ${quote(domainNames.get(c.domainId) ?? `Domain ${c.domainId}`)} ;`);
    out.push('STR');
    out.push(`\tID = ${c.id} ;`, `\tVERSION = ${c.domainId} ;`, `\tSTRING = ${quote(c.label)} ;`);
    out.push(`\tHELPSTR = ${quote(c.help)} ;`);
    if (c.glId !== null) out.push('\tEVENT-GLID', `\t\t"/event/billing/reversal" ${c.glId} ;`, '\tEND');
    out.push('END', '');
  }
  return out.join('\n');
}
