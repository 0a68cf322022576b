import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { BankFileProblem } from '../types';

/** One XML element as the ISO 20022 readers walk it: local name, attributes, text and children in order. */
export type El = {
  name: string;
  attrs: Record<string, string>;
  text: string;
  kids: El[];
};

/** The ISO 20022 namespace prefix every message namespace starts with. */
export const ISO_NS = 'urn:iso:std:iso:20022:tech:xsd:';

/** How a document's message was identified from its root element. */
export type RootInfo = {
  /** The message id from the namespace, e.g. `pain.002.001.03`, or null when there is no ISO namespace. */
  message: string | null;
  /** The element under Document (CstmrPmtStsRpt, BkToCstmrStmt …), or null. */
  messageElement: string | null;
  /** The namespace was declared, but not as `xmlns` (e.g. `Xmlns`): read leniently, with a warning. */
  looseNamespace: boolean;
};

const ROOT_TAG = /<([A-Za-z_][\w.-]*:)?Document\b([^>]*)>/;
const FIRST_CHILD = /<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]/g;

/**
 * Identifies the message of an ISO 20022 document from the first bytes: the root `Document`'s namespace
 * (`urn:iso:std:iso:20022:tech:xsd:<msg>`, default or prefixed) and the element under it. Cheap: regular
 * expressions over at most the first 8 KiB, no parse.
 */
export function rootInfo(text: string): RootInfo | null {
  const head = text.slice(0, 8192);
  const m = ROOT_TAG.exec(head);
  if (!m) return null;
  const prefix = (m[1] ?? '').slice(0, -1);
  const attrs = m[2] ?? '';
  const declared = new RegExp(
    `\\sxmlns${prefix ? ':' + prefix : ''}\\s*=\\s*["']${ISO_NS}([a-z]{4}\\.\\d{3}\\.\\d{3}\\.\\d{2})["']`,
  );
  const loose = new RegExp(
    `\\s[Xx][Mm][Ll][Nn][Ss](?::[\\w.-]+)?\\s*=\\s*["']${ISO_NS}([a-z]{4}\\.\\d{3}\\.\\d{3}\\.\\d{2})["']`,
  );
  const strict = declared.exec(attrs);
  const lenient = strict ? null : loose.exec(attrs);
  FIRST_CHILD.lastIndex = m.index + m[0].length;
  let child: string | null = null;
  for (let c = FIRST_CHILD.exec(head); c; c = FIRST_CHILD.exec(head)) {
    // Skip comments and processing instructions that the pattern cannot match anyway.
    child = c[1] ?? null;
    break;
  }
  return {
    message: strict?.[1] ?? lenient?.[1] ?? null,
    messageElement: child,
    looseNamespace: Boolean(lenient),
  };
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: '#comment',
  cdataPropName: '#cdata',
});

type Ordered = Record<string, unknown>;

function toEl(name: string, node: Ordered): El {
  const attrs: Record<string, string> = {};
  const rawAttrs = node[':@'] as Record<string, unknown> | undefined;
  if (rawAttrs) for (const [k, v] of Object.entries(rawAttrs)) attrs[k] = String(v);
  const el: El = { name, attrs, text: '', kids: [] };
  for (const child of (node[name] as Ordered[] | undefined) ?? []) {
    if ('#text' in child) el.text += child['#text'] as string;
    else if ('#cdata' in child) {
      for (const c of child['#cdata'] as Ordered[]) el.text += (c['#text'] as string | undefined) ?? '';
    } else if ('#comment' in child) continue;
    else {
      const childName = Object.keys(child).find((k) => k !== ':@');
      if (childName !== undefined) el.kids.push(toEl(childName, child));
    }
  }
  el.text = el.text.trim();
  return el;
}

/** A parsed document, or the reason (with its line) why the text is not well-formed XML. */
export type ParsedXml = { ok: true; root: El } | { ok: false; problem: BankFileProblem };

/**
 * Parses XML into an element tree (namespace prefixes dropped; values kept as text, never coerced to
 * numbers). Malformed XML is a problem with its line number, found by fast-xml-parser's validator.
 */
export function parseXml(text: string): ParsedXml {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const valid = XMLValidator.validate(body, { allowBooleanAttributes: true });
  if (valid !== true) {
    return {
      ok: false,
      problem: {
        line: valid.err.line,
        path: '/',
        reason: `not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
      },
    };
  }
  const ordered = parser.parse(body) as Ordered[];
  for (const node of ordered) {
    const name = Object.keys(node).find((k) => k !== ':@' && !k.startsWith('#') && !k.startsWith('?'));
    if (name !== undefined) return { ok: true, root: toEl(name, node) };
  }
  return { ok: false, problem: { path: '/', reason: 'the file has no root element' } };
}

/** The children of `el` called `name`. */
export function all(el: El | undefined, name: string): El[] {
  return el ? el.kids.filter((k) => k.name === name) : [];
}

/** The first descendant along a path of child names (`'PmtTpInf/SvcLvl/Cd'`), or undefined. */
export function at(el: El | undefined, path: string): El | undefined {
  let cur = el;
  for (const part of path.split('/')) {
    if (!cur) return undefined;
    cur = cur.kids.find((k) => k.name === part);
  }
  return cur;
}

/** The text at a path (trimmed), or undefined when the element is absent. */
export function textAt(el: El | undefined, path: string): string | undefined {
  return at(el, path)?.text;
}

/** Every descendant along a path whose steps may repeat (`'NtryDtls/TxDtls'`). */
export function allAt(el: El | undefined, path: string): El[] {
  let level: El[] = el ? [el] : [];
  for (const part of path.split('/')) level = level.flatMap((e) => all(e, part));
  return level;
}

/** Path text of a child: `${base}/${name}[i]` (1-based) for repeated elements. */
export function indexed(base: string, name: string, i: number): string {
  return `${base}/${name}[${i + 1}]`;
}
