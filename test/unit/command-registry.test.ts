import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src-shared/api/contract';
import { commandInputs } from '../../src-shared/api/inputs';
import { REGISTRY, commandsWhere, type CommandName } from '../../src-shared/api/registry';
import { COMMAND_ROLES, PUBLIC_COMMANDS, ROLES, mayRun } from '../../src-shared/api/roles';
import { CONFIRMABLE_OPERATIONS } from '../../src-shared/dto/confirmations';
import { POLICY_OPERATIONS } from '../../src-shared/dto/approvals';

/** The table the registry replaced, written down from the old lists and handlers (commit fcafd7c). */
const before = JSON.parse(
  readFileSync(new URL('../fixtures/command-table-before-registry.json', import.meta.url), 'utf8'),
) as {
  commands: string[];
  roles: Record<string, 'any' | string[]>;
  public: string[];
  changes: Record<string, string>;
};

const sortedEntries = <T>(o: Record<string, T>): [string, T][] =>
  Object.entries(o).sort(([a], [b]) => a.localeCompare(b));

describe('the command registry', () => {
  it('declares every command once, each with an input schema, roles and a finished output', () => {
    const names = Object.keys(REGISTRY);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      const def = REGISTRY[name as CommandName];
      expect(def.input, name).toBeInstanceOf(z.ZodType);
      // `.output<Dto>()` finishes a declaration; a forgotten one would be the builder, not a frozen object.
      expect(Object.isFrozen(def), name).toBe(true);
      expect('__output' in def, name).toBe(true);
      if (def.roles !== 'any') {
        expect(def.roles.length, name).toBeGreaterThan(0);
        for (const r of def.roles) expect(ROLES, name).toContain(r);
      }
      if (def.changes !== undefined) expect(def.changes, name).toMatch(/^[a-z]+$/);
      if (def.changesNothingWhen !== undefined) expect(def.changes, name).toBeDefined();
    }
  });

  it('derives the command list, in the order it had', () => {
    expect([...COMMANDS]).toEqual(before.commands);
    expect(Object.keys(commandInputs)).toEqual(before.commands);
    for (const name of COMMANDS) expect(commandInputs[name]).toBe(REGISTRY[name].input);
  });

  it('derives the role table it replaced', () => {
    expect(sortedEntries(COMMAND_ROLES)).toEqual(sortedEntries(before.roles));
    expect(mayRun(['clerk'], 'batches:submit')).toBe(true);
    expect(mayRun(['clerk'], 'batches:release-duplicate')).toBe(false);
  });

  it('derives the commands allowed before sign-in', () => {
    expect([...PUBLIC_COMMANDS].sort()).toEqual(before.public);
    for (const name of PUBLIC_COMMANDS) expect(COMMAND_ROLES[name as CommandName]).toBe('any');
  });

  it('declares the ledger:changed of every handler that emitted one, with the same what', () => {
    const changes = Object.fromEntries(
      commandsWhere((d) => d.changes !== undefined).map((c) => [c, REGISTRY[c].changes]),
    );
    // Declared since the registry: what changes another operator's batch list (team mode), not entry saves.
    const since = Object.fromEntries(
      ['create', 'discard', 'exception', 'import-file', 'import-batch-file'].map((c) => [
        `batches:${c}`,
        'batches',
      ]),
    );
    expect(sortedEntries(changes)).toEqual(sortedEntries({ ...before.changes, ...since }));
  });

  it('holds back ledger:changed exactly for a dry run and a preview', () => {
    const dd = REGISTRY['dd:run'];
    type DdRun = z.output<typeof dd.input>;
    expect(dd.changesNothingWhen?.({ dryRun: true } as DdRun)).toBe(true);
    expect(dd.changesNothingWhen?.({ dryRun: false } as DdRun)).toBe(false);
    const mandates = REGISTRY['mandates:import'];
    expect(mandates.changesNothingWhen?.({ preview: true })).toBe(true);
    expect(mandates.changesNothingWhen?.({ preview: false })).toBe(false);
    expect(commandsWhere((d) => d.changesNothingWhen !== undefined)).toEqual(['dd:run', 'mandates:import']);
  });

  it('marks as confirmable exactly the operations confirmations:prepare accepts', () => {
    expect(commandsWhere((d) => d.confirm === true)).toEqual([...CONFIRMABLE_OPERATIONS].sort());
    // Every command that sends money out also changes what screens show.
    for (const c of commandsWhere((d) => d.confirm === true)) expect(REGISTRY[c].changes, c).toBeDefined();
  });

  it('knows every command a policy can stop', () => {
    const covered = Object.values(POLICY_OPERATIONS).flatMap((o) => o.commands as readonly string[]);
    for (const c of covered) expect(Object.keys(REGISTRY), c).toContain(c);
  });
});
