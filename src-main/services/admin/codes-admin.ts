import { readUpload, type ResolvedUpload } from '../uploads';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { FieldIssue } from '../../../src-shared/api/result';
import { reasonCodeInput } from '../../../src-shared/api/commands/admin';
import type { ReasonDomainDto, ReasonsFileDto } from '../../../src-shared/dto/admin';
import type { ReasonCodeDto } from '../../../src-shared/dto/codes';
import { isSystemReasonCode } from '../../../src-shared/system-reason-codes';
import { writeAudit } from '../../ledger/audit';
import { findReasonCode } from '../../ledger/codes';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { parseReasonsText } from './reasons-text';
import { MAX_UPLOAD_BYTES } from '../../../src-shared/api/uploads';
import { parseJsonText, readCommandFile, uploadedBytes, type FileReader } from '../files';

/** Ids up to this are the product's reserved ranges (DOMAIN.md §3.9); the desk's own codes are above it. */
export const RESERVED_MAX_ID = 100_000;

type DomainRow = { id: number; name: string; glRule: 'required' | 'forbidden' | 'optional' };

function domains(db: Database.Database): Map<number, DomainRow> {
  const rows = db.prepare('SELECT id, name, gl_rule AS glRule FROM reason_domains').all() as DomainRow[];
  return new Map(rows.map((r) => [r.id, r]));
}

/** Every domain with its G/L rule and how many codes it holds. */
export function listDomains(db: Database.Database): ReasonDomainDto[] {
  return db
    .prepare(
      `SELECT d.id, d.name, d.gl_rule AS glRule, (SELECT count(*) FROM reason_codes c WHERE c.domain_id = d.id) AS codes
       FROM reason_domains d ORDER BY d.id`,
    )
    .all() as ReasonDomainDto[];
}

/** The codes of every domain (or one), ordered by domain and id. */
export function listAllCodes(db: Database.Database, includeRetired: boolean): ReasonCodeDto[] {
  const rows = db
    .prepare(
      `SELECT domain_id AS domainId, id, label, help, gl_id AS glId, active FROM reason_codes
       ${includeRetired ? '' : 'WHERE active = 1'} ORDER BY domain_id, id`,
    )
    .all() as (Omit<ReasonCodeDto, 'active'> & { active: number })[];
  return rows.map((r) => ({ ...r, active: r.active === 1 }));
}

/** The G/L rule of the domain broken by this G/L ID, or null (DOMAIN.md §3.10). */
function glProblem(domain: DomainRow, glId: number | null): string | null {
  if (domain.glRule === 'required' && glId === null)
    return `codes of "${domain.name}" must carry a G/L ID (reversal reasons for recycling and removal)`;
  if (domain.glRule === 'forbidden' && glId !== null)
    return `codes of "${domain.name}" must not carry a G/L ID (action owners are people, not postings)`;
  return null;
}

/**
 * Every problem of a list of codes about to be written: unknown domain, a code twice, a new id in the
 * reserved ranges, a G/L ID against the domain's rule, a validator-owned code retired. Codes already in the ledger may keep reserved ids.
 */
export function reasonCodeProblems(
  db: Database.Database,
  codes: readonly ReasonCodeDto[],
  prefix: string,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const known = domains(db);
  const seen = new Set<string>();
  codes.forEach((c, i) => {
    const at = `${prefix}.${i}`;
    const key = `${c.domainId}/${c.id}`;
    if (seen.has(key))
      issues.push({ path: `${at}.id`, message: `code ${c.id} appears twice in domain ${c.domainId}` });
    seen.add(key);
    const domain = known.get(c.domainId);
    if (!domain) {
      issues.push({ path: `${at}.domainId`, message: `reason domain ${c.domainId} does not exist` });
      return;
    }
    if (c.id <= RESERVED_MAX_ID && !findReasonCode(db, c.domainId, c.id))
      issues.push({
        path: `${at}.id`,
        message: `id ${c.id} is in the reserved ranges (0-${RESERVED_MAX_ID}); the desk's own codes start at ${RESERVED_MAX_ID + 1}`,
      });
    const gl = glProblem(domain, c.glId);
    if (gl) issues.push({ path: `${at}.glId`, message: gl });
    if (!c.active && isSystemReasonCode(c.domainId, c.id))
      issues.push({ path: `${at}.active`, message: systemCodeMessage(c.id) });
  });
  return issues;
}

/**
 * Tables that hold a reason code: any column named reason_code or ending in _reason_code, found from the
 * schema so codes used by newer tables count too. A code is "in use" when any of them holds its id.
 */
function reasonColumns(db: Database.Database): { table: string; column: string }[] {
  const tables = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('reason_codes', '__drizzle_migrations')`,
    )
    .all() as { name: string }[];
  const out: { table: string; column: string }[] = [];
  for (const t of tables) {
    const cols = db.prepare(`PRAGMA table_info("${t.name}")`).all() as { name: string }[];
    for (const c of cols) if (/(^|_)reason_code$/.test(c.name)) out.push({ table: t.name, column: c.name });
  }
  return out;
}

/** Where a code id is used (first table found), or null. Ids are compared across domains, erring on "in use". */
export function codeUsedIn(db: Database.Database, id: number): string | null {
  for (const { table, column } of reasonColumns(db)) {
    const hit = db.prepare(`SELECT 1 FROM "${table}" WHERE "${column}" = ? LIMIT 1`).get(id);
    if (hit) return table;
  }
  return null;
}

function requireCode(db: Database.Database, domainId: number, id: number): ReasonCodeDto {
  const code = findReasonCode(db, domainId, id);
  if (!code) throw notFound('reason code', `${domainId}/${id}`);
  return code;
}

function audit(
  db: Database.Database,
  now: Date,
  operatorId: number,
  action: string,
  code: { domainId: number; id: number },
  before: unknown,
  after: unknown,
): void {
  writeAudit(db, {
    at: now.toISOString(),
    operatorId,
    action,
    entity: 'reason_code',
    entityId: `${code.domainId}/${code.id}`,
    before,
    after,
  });
}

/** Adds a desk-defined code (id above 100,000) to a domain, checking the domain's G/L rule. */
export function addCode(
  db: Database.Database,
  input: { domainId: number; id: number; label: string; help: string; glId: number | null },
  now: Date,
  operatorId: number,
): ReasonCodeDto {
  const code: ReasonCodeDto = { ...input, active: true };
  const issues = reasonCodeProblems(db, [code], 'code').map((i) => ({
    ...i,
    path: i.path.replace(/^code\.0\./, ''),
  }));
  if (findReasonCode(db, input.domainId, input.id))
    throw conflict('code-exists', `code ${input.id} already exists in domain ${input.domainId}`);
  if (issues.length) throw invalidFields(issues.map((i) => i.message).join('; '), issues);
  return db.transaction(() => {
    db.prepare(
      'INSERT INTO reason_codes (domain_id, id, label, help, gl_id, active) VALUES (?, ?, ?, ?, ?, 1)',
    ).run(code.domainId, code.id, code.label, code.help, code.glId);
    audit(db, now, operatorId, 'reason_code.add', code, undefined, code);
    return code;
  })();
}

/** Changes the label, help text or G/L ID of a code. */
export function updateCode(
  db: Database.Database,
  input: { domainId: number; id: number; label?: string; help?: string; glId?: number | null },
  now: Date,
  operatorId: number,
): ReasonCodeDto {
  return db.transaction(() => {
    const before = requireCode(db, input.domainId, input.id);
    const after: ReasonCodeDto = {
      ...before,
      ...(input.label !== undefined ? { label: input.label } : {}),
      ...(input.help !== undefined ? { help: input.help } : {}),
      ...(input.glId !== undefined ? { glId: input.glId } : {}),
    };
    const domain = domains(db).get(after.domainId);
    const gl = domain ? glProblem(domain, after.glId) : null;
    if (gl) throw invalidFields(gl, [{ path: 'glId', message: gl }]);
    db.prepare('UPDATE reason_codes SET label = ?, help = ?, gl_id = ? WHERE domain_id = ? AND id = ?').run(
      after.label,
      after.help,
      after.glId,
      after.domainId,
      after.id,
    );
    audit(db, now, operatorId, 'reason_code.update', after, before, after);
    return after;
  })();
}

/** Why a validator-owned code cannot be retired (one wording for every door that could retire it). */
function systemCodeMessage(id: number): string {
  return `code ${id} is assigned by Paydesk itself (the validator or a suspense move) and cannot be retired`;
}

/** Retires a code (no longer offered, still readable on old rows) or brings it back. */
export function retireCode(
  db: Database.Database,
  input: { domainId: number; id: number; restore: boolean },
  now: Date,
  operatorId: number,
): ReasonCodeDto {
  return db.transaction(() => {
    const before = requireCode(db, input.domainId, input.id);
    if (!input.restore && isSystemReasonCode(input.domainId, input.id))
      throw conflict('system-code', systemCodeMessage(input.id));
    const active = input.restore;
    db.prepare('UPDATE reason_codes SET active = ? WHERE domain_id = ? AND id = ?').run(
      active ? 1 : 0,
      input.domainId,
      input.id,
    );
    const after = { ...before, active };
    audit(db, now, operatorId, active ? 'reason_code.restore' : 'reason_code.retire', after, before, after);
    return after;
  })();
}

/** Deletes a desk-defined code that nothing refers to; codes in use (or reserved ones) can only be retired. */
export function deleteCode(
  db: Database.Database,
  input: { domainId: number; id: number },
  now: Date,
  operatorId: number,
): { deleted: true; domainId: number; id: number } {
  return db.transaction(() => {
    const before = requireCode(db, input.domainId, input.id);
    if (isSystemReasonCode(input.domainId, input.id))
      throw conflict('system-code', `${systemCodeMessage(input.id)} or deleted`);
    if (input.id <= RESERVED_MAX_ID)
      throw conflict('reserved-code', `code ${input.id} is a product default; retire it instead`);
    const table = codeUsedIn(db, input.id);
    if (table)
      throw conflict(
        'code-in-use',
        `code ${input.id} is in use (${table}); retire it instead of deleting it`,
      );
    db.prepare('DELETE FROM reason_codes WHERE domain_id = ? AND id = ?').run(input.domainId, input.id);
    audit(db, now, operatorId, 'reason_code.delete', before, before, undefined);
    return { deleted: true as const, domainId: input.domainId, id: input.id };
  })();
}

/** The reasons file of one domain or all of them, retired codes included. */
export function exportReasons(db: Database.Database, domainId?: number): ReasonsFileDto {
  const codes = listAllCodes(db, true).filter((c) => domainId === undefined || c.domainId === domainId);
  return { format: 'paydesk-reasons', version: 1, locale: 'en_us', codes };
}

const reasonsFileSchema = z.strictObject({
  format: z.literal('paydesk-reasons'),
  version: z.literal(1),
  locale: z.string().max(16),
  codes: z.array(reasonCodeInput).max(100_000),
});

/** Inserts or updates codes without checks or audit (callers check everything first and audit). */
export function upsertCodes(
  db: Database.Database,
  codes: readonly ReasonCodeDto[],
): { added: number; updated: number; unchanged: number } {
  let added = 0;
  let updated = 0;
  let unchanged = 0;
  const upsert = db.prepare(
    `INSERT INTO reason_codes (domain_id, id, label, help, gl_id, active) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(domain_id, id) DO UPDATE SET label = excluded.label, help = excluded.help, gl_id = excluded.gl_id, active = excluded.active`,
  );
  for (const c of codes) {
    const cur = findReasonCode(db, c.domainId, c.id);
    if (
      cur &&
      cur.label === c.label &&
      cur.help === c.help &&
      cur.glId === c.glId &&
      cur.active === c.active
    ) {
      unchanged++;
      continue;
    }
    upsert.run(c.domainId, c.id, c.label, c.help, c.glId, c.active ? 1 : 0);
    if (cur) updated++;
    else added++;
  }
  return { added, updated, unchanged };
}

/**
 * Parses JSON bytes (UTF-8, a byte-order mark is dropped), or a validation error that says where the file goes
 * wrong: never the engine's message, which quotes the first bytes of whatever the file is.
 */
export function parseJsonBytes(bytes: Uint8Array, name: string): unknown {
  const json = parseJsonText(utf8Text(bytes, name), name);
  if (!json.ok) throw invalidFields(json.reason, [{ path: 'file', message: json.reason }]);
  return json.value;
}

/** UTF-8 text of a file's bytes, or a validation error naming the file. */
function utf8Text(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalidFields(`${name} is not UTF-8 text`, [{ path: 'file', message: 'not UTF-8 text' }]);
  }
}

/** Where a file taken by a command comes from: a path (command line only), the bytes the user chose, or their upload. */
export type FileSource = {
  file?: string | undefined;
  content?: string | undefined;
  fileName?: string | undefined;
  uploaded?: ResolvedUpload | undefined;
};

/** The bytes of a file source: uploaded content, or a path read for the command (door-checked, audited). */
export function sourceBytes(
  db: Database.Database,
  src: FileSource,
  who: FileReader,
  command: string,
): { bytes: Buffer; name: string } {
  if (src.content !== undefined) return uploadedBytes(src.content, src.fileName, MAX_UPLOAD_BYTES);
  if (src.uploaded !== undefined) return readUpload(db, who, command, src.uploaded, MAX_UPLOAD_BYTES);
  const file = src.file ?? '';
  return { bytes: readCommandFile(db, who, command, file, MAX_UPLOAD_BYTES), name: file };
}

/** Zod issues as field issues with dotted paths. */
export function schemaIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(root)',
    message: i.message,
  }));
}

/** The codes of a reasons file: Paydesk's JSON, or the product's `reasons.<locale>` text (told by the first character). */
function readReasonsFile(bytes: Uint8Array, name: string): ReasonCodeDto[] {
  const text = utf8Text(bytes, name);
  if (
    !text
      .replace(/^\uFEFF/, '')
      .trimStart()
      .startsWith('{')
  ) {
    const { value, issues } = parseReasonsText(text);
    if (issues.length) throw invalidFields(`the reasons file has ${issues.length} problem(s)`, issues);
    return value.codes;
  }
  const parsed = reasonsFileSchema.safeParse(parseJsonBytes(bytes, name));
  if (!parsed.success) {
    const issues = schemaIssues(parsed.error);
    throw invalidFields(`the reasons file has ${issues.length} problem(s)`, issues);
  }
  return parsed.data.codes;
}

/**
 * Imports a reasons file whole: every problem is listed and nothing is written unless the whole file is
 * good. Existing codes are updated, new ones added; codes missing from the file are left as they are.
 */
export function importReasons(
  db: Database.Database,
  src: FileSource,
  now: Date,
  operatorId: number,
): { added: number; updated: number; unchanged: number } {
  const { bytes, name: file } = sourceBytes(db, src, { at: now, operatorId }, 'codes:import');
  const codes = readReasonsFile(bytes, file);
  const issues = reasonCodeProblems(db, codes, 'codes');
  if (issues.length) throw invalidFields(`the reasons file has ${issues.length} problem(s)`, issues);
  return db.transaction(() => {
    const counts = upsertCodes(db, codes);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'reason_code.import',
      entity: 'reason_code',
      entityId: null,
      after: { file, ...counts },
    });
    return counts;
  })();
}
