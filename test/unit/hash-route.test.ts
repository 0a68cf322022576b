import { describe, expect, it } from 'vitest';
import { parseHash, routeHash, startRoute } from '../../src-renderer/src/app/use-hash-route';
import { collectionsPlace } from '../../src-renderer/src/features/collections/CollectionsPage';
import { matchesKeys } from '../../src-renderer/src/components/shortcuts';

describe('hash routes', () => {
  it('reads an area and its item, with items of several parts and escaped characters', () => {
    expect(parseHash('#/batches/12')).toEqual({ area: 'batches', item: '12' });
    expect(parseHash('#/accounts')).toEqual({ area: 'accounts', item: null });
    expect(parseHash('#/collections/runs/42')).toEqual({ area: 'collections', item: 'runs/42' });
    expect(parseHash('#/suspense/entry%3A3%3A9')).toEqual({ area: 'suspense', item: 'entry:3:9' });
    expect(parseHash('#/nowhere/1')).toEqual({ area: 'accounts', item: null });
    expect(parseHash('')).toEqual({ area: 'accounts', item: null });
    expect(parseHash('#/accounts/%E0%A4%A')).toEqual({ area: 'accounts', item: null });
  });

  it('writes what it reads back', () => {
    for (const route of [
      { area: 'batches', item: '7' },
      { area: 'accounts', item: 'A 00/1#x' },
      { area: 'collections', item: 'runs/3' },
      { area: 'suspense', item: null },
    ] as const)
      expect(parseHash(routeHash(route))).toEqual(route);
    expect(routeHash({ area: 'collections', item: 'runs/3' })).toBe('#/collections/runs/3');
  });

  it('places a Collections item on its tab and run', () => {
    expect(collectionsPlace(null)).toEqual({ tab: 'runs', runId: null });
    expect(collectionsPlace('dd')).toEqual({ tab: 'dd', runId: null });
    expect(collectionsPlace('runs/42')).toEqual({ tab: 'runs', runId: 42 });
    expect(collectionsPlace('dd/42')).toEqual({ tab: 'dd', runId: null });
    expect(collectionsPlace('bogus')).toEqual({ tab: 'runs', runId: null });
  });
});

describe('shortcut keys', () => {
  const key = (k: string, code: string, mods: Partial<KeyboardEvent> = {}) =>
    ({
      key: k,
      code,
      ctrlKey: false,
      altKey: false,
      shiftKey: false,
      metaKey: false,
      ...mods,
    }) as KeyboardEvent;
  it('match modifiers exactly and letters by their physical key', () => {
    expect(matchesKeys(key('t', 'KeyT', { altKey: true }), 'Alt+T')).toBe(true);
    expect(matchesKeys(key('†', 'KeyT', { altKey: true }), 'Alt+T')).toBe(true);
    expect(matchesKeys(key('T', 'KeyT', { altKey: true, shiftKey: true }), 'Alt+T')).toBe(false);
    expect(matchesKeys(key('T', 'KeyT', { altKey: true, shiftKey: true }), 'Alt+Shift+T')).toBe(true);
    expect(matchesKeys(key('F5', 'F5'), 'F5')).toBe(true);
    expect(matchesKeys(key('F5', 'F5', { ctrlKey: true }), 'F5')).toBe(false);
    expect(matchesKeys(key('t', 'KeyT'), 'Alt+T')).toBe(false);
  });
});

describe('the route a window starts on', () => {
  it('is the hash; only a fresh desktop start without one returns to the last place', () => {
    expect(startRoute({ hash: '#/batches/3', protocol: 'file:' }, '#/suspense/9')).toEqual({
      area: 'batches',
      item: '3',
    });
    expect(startRoute({ hash: '', protocol: 'file:' }, '#/suspense/9')).toEqual({
      area: 'suspense',
      item: '9',
    });
    expect(startRoute({ hash: '', protocol: 'http:' }, '#/suspense/9')).toEqual({
      area: 'accounts',
      item: null,
    });
    expect(startRoute({ hash: '', protocol: 'file:' }, null)).toEqual({ area: 'accounts', item: null });
  });
});
