import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import type { BankFileProblem } from '../types';

/** Largest document handed to the in-process validator in one go (bytes); bigger files get more wasm memory. */
const DEFAULT_MEMORY_BYTES = 16 * 1024 * 1024;
const PAGE = 64 * 1024;

/**
 * Validates XML against an XSD file in process (xmllint-wasm: libxml2 compiled to WebAssembly), so no
 * external program is needed. Each schema error becomes a problem with its line number and xmllint's text.
 * An XSD that cannot be read or compiled is a problem too, never a pass.
 */
export async function xsdProblems(xml: string, xsdFile: string): Promise<BankFileProblem[]> {
  let schema: string;
  try {
    schema = readFileSync(xsdFile, 'utf8');
  } catch (err) {
    return [
      {
        path: '/',
        reason: `the XSD ${xsdFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      },
    ];
  }
  // Several copies of the document and schema live in wasm memory while libxml2 works.
  const need = Math.max(DEFAULT_MEMORY_BYTES, (xml.length + schema.length) * 8);
  const pages = Math.min(65536, Math.ceil(need / PAGE));
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: xml }],
    schema: [{ fileName: basename(xsdFile), contents: schema }],
    initialMemoryPages: pages,
    maxMemoryPages: Math.max(pages, 4096),
  });
  if (result.valid) return [];
  const problems = result.errors.map((e): BankFileProblem => {
    const p: BankFileProblem = { reason: `XSD ${basename(xsdFile)}: ${e.message.trim()}` };
    if (e.loc) p.line = e.loc.lineNumber;
    return p;
  });
  return problems.length > 0
    ? problems
    : [{ path: '/', reason: `XSD ${basename(xsdFile)}: ${result.rawOutput.trim().slice(0, 300)}` }];
}
