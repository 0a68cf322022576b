import { describe, expect, it } from 'vitest';
import { COMMANDS, EVENTS } from '../../src-shared/api/contract';
import { commandInputs } from '../../src-shared/api/inputs';
import { freshApp } from '../helpers/ledger';

describe('the IPC contract', () => {
  it('command list, zod schemas and handler map have exactly the same keys', () => {
    const app = freshApp();
    try {
      const contract = [...COMMANDS].sort();
      expect(Object.keys(commandInputs).sort()).toEqual(contract);
      expect(Object.keys(app.handlers).sort()).toEqual(contract);
      expect(new Set(COMMANDS).size).toBe(COMMANDS.length);
    } finally {
      app.dispose();
    }
  });
  it('names commands area:verb-noun and events area:name', () => {
    for (const c of COMMANDS) expect(c).toMatch(/^[a-z]+:[a-z]+(-[a-z]+)*$/);
    for (const e of EVENTS) expect(e).toMatch(/^[a-z]+:[a-z-]+$/);
  });
});
