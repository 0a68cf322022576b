/**
 * The one rule for text crossing the contract. Control characters (C0 except tab, line feed and carriage return;
 * DEL; C1) and lone UTF-16 surrogates are never valid input: they break search (FTS reads NUL as the end of the
 * query), files and screens. Tab, line breaks (LF, CR, U+2028, U+2029) are allowed only in free-text fields.
 */

// Controls that are refused everywhere, and the line-break family refused outside free text.
// eslint-disable-next-line no-control-regex -- matching control characters is this rule's whole purpose
const ALWAYS_BAD = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LINE_BREAKS = /[\t\n\r\u2028\u2029]/;
// A high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Anything that might be a problem; one pass over the text decides the common, clean case (files arrive as
// base64 strings of up to 90 MB).
// eslint-disable-next-line no-control-regex -- matching control characters is this rule's whole purpose
const SUSPECT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/;

/** Names the first character that makes a text invalid input, or null when the text is fine. */
export function textProblem(text: string, options: { multiline?: boolean } = {}): string | null {
  if (!SUSPECT.test(text)) return null;
  const bad = ALWAYS_BAD.exec(text) ?? (options.multiline ? null : LINE_BREAKS.exec(text));
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    return `contains the control character U+${code} at position ${bad.index + 1}`;
  }
  const lone = LONE_SURROGATE.exec(text);
  if (lone)
    return `contains a lone surrogate (U+${lone[0].charCodeAt(0).toString(16).toUpperCase()}) at position ${lone.index + 1}; it is not valid Unicode`;
  return null;
}

/** Field names whose text is free prose: tabs and line breaks are kept there. */
const MULTILINE_FIELDS: ReadonlySet<string> = new Set([
  'note',
  'overrideNote',
  'text',
  'help',
  'description',
]);
/** Fields holding whole documents (import templates, configuration): tabs and line breaks anywhere inside. */
const DOCUMENT_FIELDS: ReadonlySet<string> = new Set(['definition', 'template', 'config']);

/** One refused text: the dotted path of the field and why. */
export type TextIssue = { path: string; message: string };

/**
 * Walks every string (and every object key) of an input and lists each field holding invalid text, by dotted
 * path ("entries.3.payerName"). Stops after `limit` issues so a hostile input cannot make a huge answer.
 */
export function textIssues(input: unknown, limit = 50): TextIssue[] {
  const issues: TextIssue[] = [];
  const path: string[] = [];
  // The path is joined only when an issue is found: most inputs are clean and some have 10,000 entries.
  const here = (): string => (path.length ? path.join('.') : '(root)');
  const walk = (value: unknown, multiline: boolean, inDocument: boolean, depth: number): void => {
    if (issues.length >= limit || depth > 64) return;
    if (typeof value === 'string') {
      const problem = textProblem(value, { multiline });
      if (problem) issues.push({ path: here(), message: problem });
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(String(i));
        walk(value[i], multiline, inDocument, depth + 1);
        path.pop();
      }
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        const keyProblem = textProblem(key);
        if (keyProblem) {
          issues.push({ path: here(), message: `a key ${keyProblem}` });
          continue;
        }
        const document = inDocument || DOCUMENT_FIELDS.has(key);
        path.push(key);
        walk(v, document || MULTILINE_FIELDS.has(key), document, depth + 1);
        path.pop();
      }
    }
  };
  walk(input, false, false, 0);
  return issues;
}
