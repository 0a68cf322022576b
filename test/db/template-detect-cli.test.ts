import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemplateProposalDto } from '../../src-shared/dto/batches';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';

const STANDARDS = resolve(process.cwd(), '../shared/standards');

describe.each(APPS.filter((r) => r.available))('paydesk template detect ($dialect)', ({ open }) => {
  let app: TestApp;
  let dir: string;
  const cli = cliOnApp(() => app);

  beforeAll(async () => {
    // No in-process operator: `init` makes the first admin, as on a new ledger.
    app = await open();
    dir = app.dir;
    process.env.PAYDESK_OPERATOR = 'detect-admin';
    process.env.PAYDESK_QUIET = '1';
    expect((await cli('--json', 'init')).code).toBe(0);
  });
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app.dispose();
  });

  it('--json ranks the templates: a BAI2 file is Stock BAI2, never CSV or fixed width', async () => {
    const r = await cli('--json', 'template', 'detect', join(STANDARDS, 'bai2/valid/sample2.txt'));
    expect(r.code, r.err).toBe(0);
    const proposals = JSON.parse(r.out) as TemplateProposalDto[];
    expect(proposals.map((p) => p.name)).toEqual(['Stock BAI2', 'Stock CSV', 'Stock lockbox (fixed width)']);
    expect(proposals[0]).toMatchObject({ stock: true });
    expect(proposals[0]!.confidence).toBeGreaterThanOrEqual(0.9);
    expect(proposals[0]!.why).toMatch(/BAI2 records/);
    expect(proposals.slice(1).map((p) => p.confidence)).toEqual([0, 0]);
    expect(typeof proposals[0]!.templateId).toBe('number');
  });

  it('prints one line per template for people, the best first', async () => {
    const r = await cli('template', 'detect', join(STANDARDS, 'lockbox/valid/test_lockbox.bai'));
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ 9\d% {2}Stock lockbox \(fixed width\) {2}\(1 of 1 rows read cleanly/);
  });

  it('a missing file is a validation error naming it, exit 2', async () => {
    const missing = join(dir, 'nope.csv');
    const r = await cli('--json', 'template', 'detect', missing);
    expect(r.code).toBe(2);
    expect((JSON.parse(r.out) as { error: { code: string } }).error.code).toBe('validation');
  });

  it('batch import without a template or layout uses a sure detection, and asks to choose otherwise', async () => {
    const r = await cli(
      '--json',
      'batch',
      'import',
      join(STANDARDS, 'lockbox/valid/test_lockbox.bai'),
      '--pay-type',
      '10012',
      '--currency',
      'USD',
    );
    expect(r.code, r.out + r.err).toBe(0);
    const v = JSON.parse(r.out) as { batch: { templateName: string; controlCount: number }; rows: number };
    expect(v).toMatchObject({
      rows: 1,
      batch: { templateName: 'Stock lockbox (fixed width)', controlCount: 1 },
    });

    const odd = join(dir, 'odd.txt');
    writeFileSync(odd, 'x|y\nz|w\n');
    const refused = await cli('--json', 'batch', 'import', odd, '--pay-type', '10012');
    expect(refused.code).toBe(2);
    expect((JSON.parse(refused.out) as { error: { message: string } }).error.message).toMatch(
      /choose a template/,
    );
  });

  it('template list marks the stock templates; an unknown layout is not proposed for sure', async () => {
    const list = await cli('--json', 'template', 'list');
    const names = (JSON.parse(list.out) as { name: string; stock: boolean }[]).filter((t) => t.stock);
    expect(names.map((t) => t.name)).toEqual(['Stock BAI2', 'Stock CSV', 'Stock lockbox (fixed width)']);

    const csv = join(dir, 'unknown.txt');
    writeFileSync(csv, 'a|b\nc|d\n');
    const r = await cli('--json', 'template', 'detect', csv);
    expect(r.code, r.err).toBe(0);
    const best = (JSON.parse(r.out) as TemplateProposalDto[])[0]!;
    expect(best.confidence).toBeLessThan(0.9);
  });
});
