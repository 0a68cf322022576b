import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '../..');

/** Lints a file's real text with one import added, as if it were written that way. */
// One linter for all cases: the type-aware set-up is the slow part (over a minute on a busy 2-core machine).
const eslint = new ESLint({ cwd: ROOT });

async function importProblems(file: string, importLine: string): Promise<string[]> {
  const text = `${importLine}\n${readFileSync(join(ROOT, file), 'utf8')}`;
  const [result] = await eslint.lintText(text, { filePath: join(ROOT, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports' && m.line === 1)
    .map((m) => m.message);
}

/** Feature folders use each other only through an index; lint refuses internals (issue #16). */
describe('feature boundaries', () => {
  it("refuses another feature's internals and allows its index and components/", async () => {
    const file = 'src-renderer/src/features/accounts/AccountDetail.tsx';
    expect(await importProblems(file, "import { X } from '../allocation/AllocatePaymentDialog';")).toEqual([
      expect.stringContaining("Another feature's internals"),
    ]);
    expect(await importProblems(file, "import { X } from '../allocation';")).toEqual([]);
    expect(await importProblems(file, "import { X } from '../../components/query';")).toEqual([]);
  }, 180_000);

  it('applies at every folder depth of a feature', async () => {
    const file = 'src-renderer/src/features/batches/HeaderDialog.tsx';
    expect(await importProblems(file, "import { X } from '../returns/BounceDialog';")).toHaveLength(1);
    const deep = 'src-renderer/src/components/query.tsx';
    // components/ is shared ground: it is not a feature and the feature rule does not apply there.
    expect(await importProblems(deep, "import { X } from '../features/returns';")).toEqual([]);
  }, 180_000);
});
