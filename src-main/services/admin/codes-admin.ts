import { commandFileVia, type CommandFileSource } from '../uploads';
import { z } from 'zod';
import { appendAudit } from '../../../db/repos/audit';
import {
  codeUsedQuery,
  domainExistsQuery,
  domainsQuery,
  domainsWithCountsQuery,
  reasonCodeActiveQuery,
  reasonCodeDeleteQuery,
  reasonCodeInsertQuery,
  reasonCodeQuery,
  reasonCodesQuery,
  reasonCodeUpdateQuery,
  reasonCodeUpsertQuery,
  reasonColumnsIn,
  type ReasonCodeRecord,
  type ReasonDomainRecord,
} from '../../../db/repos/reason-codes';
import type { Storage, Tx } from '../../../db/storage/port';
import type { FieldIssue } from '../../../src-shared/api/result';
import { reasonCodeInput } from '../../../src-shared/api/commands/admin';
import type { ReasonDomainDto, ReasonsFileDto } from '../../../src-shared/dto/admin';
import type { ReasonCodeDto } from '../../../src-shared/dto/codes';
import { isSystemReasonCode } from '../../../src-shared/system-reason-codes';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { parseReasonsText } from './reasons-text';
import { MAX_UPLOAD_BYTES } from '../../../src-shared/api/uploads';
import { parseJsonText } from '../files';

/** Ids up to this are the product's reserved ranges (DOMAIN.md §3.9); the desk's own codes are above it. */
export const RESERVED_MAX_ID = 100_000;

async function domainsIn(tx: Tx): Promise<Map<number, ReasonDomainRecord>> {
  const rows = await tx.all<ReasonDomainRecord>(domainsQuery());
  return new Map(rows.map((r) => [r.id, r]));
}

function toDto(r: ReasonCodeRecord): ReasonCodeDto {
  return { ...r, active: r.active === 1 };
}

async function findCodeIn(tx: Tx, domainId: number, id: number): Promise<ReasonCodeDto | undefined> {
  const r = await tx.get<ReasonCodeRecord>(reasonCodeQuery(domainId, id));
  return r && toDto(r);
}

/** Every domain with its G/L rule and how many codes it holds. */
export function listDomains(storage: Storage): Promise<ReasonDomainDto[]> {
  return storage.transaction((tx) => tx.all<ReasonDomainDto>(domainsWithCountsQuery()), { readOnly: true });
}

/** The codes of every domain, ordered by domain and id, in a port transaction. */
export async function listAllCodesIn(tx: Tx, includeRetired: boolean): Promise<ReasonCodeDto[]> {
  return (await tx.all<ReasonCodeRecord>(reasonCodesQuery({ includeRetired }))).map(toDto);
}

/** The codes of every domain, ordered by domain and id. */
export function listAllCodes(storage: Storage, includeRetired: boolean): Promise<ReasonCodeDto[]> {
  return storage.transaction((tx) => listAllCodesIn(tx, includeRetired), { readOnly: true });
}

/** The codes of a domain that must exist: an unknown domain is not_found rather than an empty list. */
export function listDomainCodes(
  storage: Storage,
  domainId: number,
  includeRetired: boolean,
): Promise<ReasonCodeDto[]> {
  return storage.transaction(
    async (tx) => {
      if (!(await tx.get(domainExistsQuery(domainId)))) throw notFound('reason domain', String(domainId));
      return (await tx.all<ReasonCodeRecord>(reasonCodesQuery({ domainId, includeRetired }))).map(toDto);
    },
    { readOnly: true },
  );
}

/** The G/L rule of the domain broken by this G/L ID, or null (DOMAIN.md §3.10). */
function glProblem(domain: ReasonDomainRecord, glId: number | null): string | null {
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
export async function reasonCodeProblemsIn(
  tx: Tx,
  codes: readonly ReasonCodeDto[],
  prefix: string,
): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const known = await domainsIn(tx);
  const seen = new Set<string>();
  for (const [i, c] of codes.entries()) {
    const at = `${prefix}.${i}`;
    const key = `${c.domainId}/${c.id}`;
    if (seen.has(key))
      issues.push({ path: `${at}.id`, message: `code ${c.id} appears twice in domain ${c.domainId}` });
    seen.add(key);
    const domain = known.get(c.domainId);
    if (!domain) {
      issues.push({ path: `${at}.domainId`, message: `reason domain ${c.domainId} does not exist` });
      continue;
    }
    if (c.id <= RESERVED_MAX_ID && !(await findCodeIn(tx, c.domainId, c.id)))
      issues.push({
        path: `${at}.id`,
        message: `id ${c.id} is in the reserved ranges (0-${RESERVED_MAX_ID}); the desk's own codes start at ${RESERVED_MAX_ID + 1}`,
      });
    const gl = glProblem(domain, c.glId);
    if (gl) issues.push({ path: `${at}.glId`, message: gl });
    if (!c.active && isSystemReasonCode(c.domainId, c.id))
      issues.push({ path: `${at}.active`, message: systemCodeMessage(c.id) });
  }
  return issues;
}

/** Where a code id is used (first table found), or null. Ids are compared across domains, erring on "in use". */
async function codeUsedIn(tx: Tx, id: number): Promise<string | null> {
  for (const { table, column } of await reasonColumnsIn(tx)) {
    if (await tx.get(codeUsedQuery(table, column, id))) return table;
  }
  return null;
}

async function requireCodeIn(tx: Tx, domainId: number, id: number): Promise<ReasonCodeDto> {
  const code = await findCodeIn(tx, domainId, id);
  if (!code) throw notFound('reason code', `${domainId}/${id}`);
  return code;
}

async function audit(
  tx: Tx,
  now: Date,
  operatorId: number,
  action: string,
  code: { domainId: number; id: number },
  before: unknown,
  after: unknown,
): Promise<void> {
  await appendAudit(tx, {
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
  storage: Storage,
  input: { domainId: number; id: number; label: string; help: string; glId: number | null },
  now: Date,
  operatorId: number,
): Promise<ReasonCodeDto> {
  const code: ReasonCodeDto = { ...input, active: true };
  return storage.transaction(
    async (tx) => {
      const issues = (await reasonCodeProblemsIn(tx, [code], 'code')).map((i) => ({
        ...i,
        path: i.path.replace(/^code\.0\./, ''),
      }));
      if (await findCodeIn(tx, input.domainId, input.id))
        throw conflict('code-exists', `code ${input.id} already exists in domain ${input.domainId}`);
      if (issues.length) throw invalidFields(issues.map((i) => i.message).join('; '), issues);
      await tx.run(reasonCodeInsertQuery(code));
      await audit(tx, now, operatorId, 'reason_code.add', code, undefined, code);
      return code;
    },
    { serializable: true },
  );
}

/** Changes the label, help text or G/L ID of a code. */
export function updateCode(
  storage: Storage,
  input: { domainId: number; id: number; label?: string; help?: string; glId?: number | null },
  now: Date,
  operatorId: number,
): Promise<ReasonCodeDto> {
  return storage.transaction(
    async (tx) => {
      const before = await requireCodeIn(tx, input.domainId, input.id);
      const after: ReasonCodeDto = {
        ...before,
        ...(input.label !== undefined ? { label: input.label } : {}),
        ...(input.help !== undefined ? { help: input.help } : {}),
        ...(input.glId !== undefined ? { glId: input.glId } : {}),
      };
      const domain = (await domainsIn(tx)).get(after.domainId);
      const gl = domain ? glProblem(domain, after.glId) : null;
      if (gl) throw invalidFields(gl, [{ path: 'glId', message: gl }]);
      await tx.run(reasonCodeUpdateQuery(after));
      await audit(tx, now, operatorId, 'reason_code.update', after, before, after);
      return after;
    },
    { serializable: true },
  );
}

/** Why a validator-owned code cannot be retired (one wording for every door that could retire it). */
function systemCodeMessage(id: number): string {
  return `code ${id} is assigned by Paydesk itself (the validator or a suspense move) and cannot be retired`;
}

/** Retires a code (no longer offered, still readable on old rows) or brings it back. */
export function retireCode(
  storage: Storage,
  input: { domainId: number; id: number; restore: boolean },
  now: Date,
  operatorId: number,
): Promise<ReasonCodeDto> {
  return storage.transaction(
    async (tx) => {
      const before = await requireCodeIn(tx, input.domainId, input.id);
      if (!input.restore && isSystemReasonCode(input.domainId, input.id))
        throw conflict('system-code', systemCodeMessage(input.id));
      const active = input.restore;
      await tx.run(reasonCodeActiveQuery(input.domainId, input.id, active));
      const after = { ...before, active };
      await audit(
        tx,
        now,
        operatorId,
        active ? 'reason_code.restore' : 'reason_code.retire',
        after,
        before,
        after,
      );
      return after;
    },
    { serializable: true },
  );
}

/** Deletes a desk-defined code that nothing refers to; codes in use (or reserved ones) can only be retired. */
export function deleteCode(
  storage: Storage,
  input: { domainId: number; id: number },
  now: Date,
  operatorId: number,
): Promise<{ deleted: true; domainId: number; id: number }> {
  return storage.transaction(
    async (tx) => {
      const before = await requireCodeIn(tx, input.domainId, input.id);
      if (isSystemReasonCode(input.domainId, input.id))
        throw conflict('system-code', `${systemCodeMessage(input.id)} or deleted`);
      if (input.id <= RESERVED_MAX_ID)
        throw conflict('reserved-code', `code ${input.id} is a product default; retire it instead`);
      const table = await codeUsedIn(tx, input.id);
      if (table)
        throw conflict(
          'code-in-use',
          `code ${input.id} is in use (${table}); retire it instead of deleting it`,
        );
      await tx.run(reasonCodeDeleteQuery(input.domainId, input.id));
      await audit(tx, now, operatorId, 'reason_code.delete', before, before, undefined);
      return { deleted: true as const, domainId: input.domainId, id: input.id };
    },
    { serializable: true },
  );
}

/** The reasons file of one domain or all of them, retired codes included. */
export async function exportReasons(storage: Storage, domainId?: number): Promise<ReasonsFileDto> {
  const codes = (await listAllCodes(storage, true)).filter(
    (c) => domainId === undefined || c.domainId === domainId,
  );
  return { format: 'paydesk-reasons', version: 1, locale: 'en_us', codes };
}

const reasonsFileSchema = z.strictObject({
  format: z.literal('paydesk-reasons'),
  version: z.literal(1),
  locale: z.string().max(16),
  codes: z.array(reasonCodeInput).max(100_000),
});

/** Inserts or updates codes without checks or audit (callers check everything first and audit). */
export async function upsertCodesIn(
  tx: Tx,
  codes: readonly ReasonCodeDto[],
): Promise<{ added: number; updated: number; unchanged: number }> {
  let added = 0;
  let updated = 0;
  let unchanged = 0;
  for (const c of codes) {
    const cur = await findCodeIn(tx, c.domainId, c.id);
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
    await tx.run(reasonCodeUpsertQuery({ ...c, active: c.active ? 1 : 0 }));
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
 * good. Existing codes are updated, new ones added; codes missing from the file are left as they are. The file
 * is read (door-checked, audited) before the import's transaction, like every file a command reads.
 */
export async function importReasons(
  storage: Storage,
  src: CommandFileSource,
  now: Date,
  operatorId: number,
): Promise<{ added: number; updated: number; unchanged: number }> {
  const { bytes, name: file } = await commandFileVia(
    storage,
    { at: now, operatorId },
    'codes:import',
    src,
    MAX_UPLOAD_BYTES,
  );
  const codes = readReasonsFile(bytes, file);
  return storage.transaction(
    async (tx) => {
      const issues = await reasonCodeProblemsIn(tx, codes, 'codes');
      if (issues.length) throw invalidFields(`the reasons file has ${issues.length} problem(s)`, issues);
      const counts = await upsertCodesIn(tx, codes);
      await appendAudit(tx, {
        at: now.toISOString(),
        operatorId,
        action: 'reason_code.import',
        entity: 'reason_code',
        entityId: null,
        after: { file, ...counts },
      });
      return counts;
    },
    { serializable: true },
  );
}
