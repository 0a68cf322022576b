import { useCallback, useEffect, useState } from 'react';
import { isAreaId, type AreaId } from './areas';

/**
 * Where the user is: an area and the item open in it (an account number, a batch id, a suspended payment id or
 * entry reference, a Collections tab with an optional run as "runs/42"), or null.
 */
export type Route = { area: AreaId; item: string | null };

const DEFAULT_ROUTE: Route = { area: 'accounts', item: null };

/** Reads "#/accounts/A0000001" or "#/collections/runs/42" style hashes; anything unknown means the default area. */
export function parseHash(hash: string): Route {
  const [areaPart, ...itemParts] = hash.replace(/^#\/?/, '').split('/');
  if (!areaPart || !isAreaId(areaPart)) return DEFAULT_ROUTE;
  const parts = itemParts.filter((p) => p !== '');
  if (parts.length === 0) return { area: areaPart, item: null };
  try {
    return { area: areaPart, item: parts.map(decodeURIComponent).join('/') };
  } catch {
    // A hand-typed hash with a broken escape opens the area rather than nothing.
    return { area: areaPart, item: null };
  }
}

/** Serialises a route back into a hash; each "/"-separated part of the item is escaped on its own. */
export function routeHash(route: Route): string {
  const item = route.item ? '/' + route.item.split('/').map(encodeURIComponent).join('/') : '';
  return `#/${route.area}${item}`;
}

const LAST_ROUTE_KEY = 'paydesk.lastRoute';

/**
 * The route a window starts on: its hash, or, when the desktop app starts afresh (a file: page without a hash,
 * as Electron loads it), the place the last session was at. Browsers (the bridge, dev mode) start where told.
 */
export function startRoute(location: Pick<Location, 'hash' | 'protocol'>, stored: string | null): Route {
  if (location.hash || location.protocol !== 'file:' || !stored) return parseHash(location.hash);
  return parseHash(stored);
}

function rememberRoute(route: Route): void {
  try {
    window.localStorage.setItem(LAST_ROUTE_KEY, routeHash(route));
  } catch {
    // Without storage a restart opens the default area.
  }
}

function storedRoute(): string | null {
  try {
    return window.localStorage.getItem(LAST_ROUTE_KEY);
  } catch {
    return null;
  }
}

/** How a navigation enters the history: a new step (back returns here) or a replacement of the current one. */
export type NavigateOptions = { replace?: boolean };

/**
 * The current route, kept in the location hash: every opened item is a history step (pushState), so the
 * browser's back and forward move between them, a reload keeps the place and a restart returns to it.
 */
export function useHashRoute(): [Route, (next: Route, options?: NavigateOptions) => void] {
  const [route, setRoute] = useState<Route>(() => {
    const start = startRoute(window.location, storedRoute());
    if (!window.location.hash && start !== DEFAULT_ROUTE)
      window.history.replaceState(null, '', routeHash(start));
    return start;
  });
  useEffect(() => rememberRoute(route), [route]);

  useEffect(() => {
    // Back/forward fire popstate; a hash typed or assigned (bookmarks, links, tests) fires hashchange.
    const onChange = () => {
      const next = parseHash(window.location.hash);
      setRoute((cur) => (cur.area === next.area && cur.item === next.item ? cur : next));
    };
    window.addEventListener('hashchange', onChange);
    window.addEventListener('popstate', onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
      window.removeEventListener('popstate', onChange);
    };
  }, []);

  const navigate = useCallback((next: Route, options?: NavigateOptions) => {
    const hash = routeHash(next);
    if (window.location.hash !== hash) {
      if (options?.replace) window.history.replaceState(null, '', hash);
      else window.history.pushState(null, '', hash);
    }
    setRoute(next);
  }, []);

  return [route, navigate];
}
