import type Database from 'better-sqlite3';
import { writeAudit } from '../../ledger/audit';
import { STOCK_TEMPLATES } from '../../importers/bank-file/stock-templates';
import {
  detectionSample,
  detectTemplates,
  type DetectCandidate,
  type TemplateProposal,
} from '../../importers/bank-file/detect';

/**
 * Adds the stock templates a ledger lacks (by name), so a fresh install reads BAI2, the common lockbox layout and
 * a plain CSV. A name already taken (an admin's own template, or the stock one possibly edited by an older
 * version) is left exactly as it is; each template added is audited.
 */
export function seedStockTemplates(db: Database.Database, now: Date): number {
  const at = now.toISOString();
  const insert = db.prepare(
    `INSERT INTO import_templates (name, bank, definition, stock, created_at, updated_at)
     VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT(name) DO NOTHING`,
  );
  const known = new Set(
    (db.prepare('SELECT name FROM import_templates').all() as { name: string }[]).map((r) => r.name),
  );
  const missing = STOCK_TEMPLATES.filter((t) => !known.has(t.name));
  if (missing.length === 0) return 0;
  return db.transaction(() => {
    let added = 0;
    for (const t of missing) {
      if (insert.run(t.name, t.bank, JSON.stringify(t.definition), at, at).changes === 0) continue;
      added++;
      writeAudit(db, {
        at,
        operatorId: null,
        action: 'template.seed',
        entity: 'import_template',
        entityId: t.name,
        after: t.definition,
      });
    }
    return added;
  })();
}

/** Every stored template as a detection candidate. */
function candidates(db: Database.Database): DetectCandidate[] {
  return (
    db.prepare('SELECT id, name, stock, definition FROM import_templates ORDER BY id').all() as {
      id: number;
      name: string;
      stock: number;
      definition: string;
    }[]
  ).map((r) => ({
    id: r.id,
    name: r.name,
    stock: r.stock === 1,
    definition: JSON.parse(r.definition) as unknown,
  }));
}

/** Ranked template proposals for a file's bytes (only its first bytes are read). */
export function proposeTemplates(db: Database.Database, bytes: Uint8Array): TemplateProposal[] {
  const { sample, truncated } = detectionSample(bytes);
  return detectTemplates(sample, truncated, candidates(db));
}

/** Confidence from which a file without a chosen template is imported with the best proposal. */
export const AUTO_TEMPLATE_CONFIDENCE = 0.9;
