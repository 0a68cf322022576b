import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The shared ISO 20022 XSD folder, read in place. */
export const XSD_DIR = resolve(process.cwd(), '../shared/standards/iso20022/xsd');

/** Writes XML text to a temporary file and returns its path. */
export function tempXml(xml: string, name = 'file.xml'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'paydesk-xsd-')), name);
  writeFileSync(file, xml);
  return file;
}

/** Validates with libxml2's xmllint: null when valid, else its messages. */
export function xmllint(xsd: string, file: string): string | null {
  const r = spawnSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
  return r.status === 0 ? null : `${r.stderr}`.trim();
}

/** Validates with python3-xmlschema (the second, independent engine): null when valid, else the error. */
export function xmlschema(xsd: string, file: string): string | null {
  try {
    execFileSync(
      '/usr/bin/python3',
      ['-c', 'import xmlschema,sys; xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])', xsd, file],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return null;
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err).slice(-2000);
  }
}

/** Both engines on several files of one schema at once (one xmllint and one python process). */
export function validateBoth(
  xsdName: string,
  files: readonly string[],
): { xmllint: string | null; xmlschema: string | null } {
  const xsd = join(XSD_DIR, xsdName);
  const lint = spawnSync('xmllint', ['--noout', '--schema', xsd, ...files], { encoding: 'utf8' });
  let py: string | null = null;
  try {
    execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import xmlschema,sys\ns=xmlschema.XMLSchema(sys.argv[1])\nfor f in sys.argv[2:]: s.validate(f)',
        xsd,
        ...files,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (err) {
    py = String((err as { stderr?: string }).stderr ?? err).slice(-2000);
  }
  return { xmllint: lint.status === 0 ? null : `${lint.stderr}`.trim(), xmlschema: py };
}
