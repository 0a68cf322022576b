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

/** How a navigation enters the history: a new step (back returns here) or a replacement of the current one. */
export type NavigateOptions = { replace?: boolean };

/**
 * The current route, kept in the location hash: every opened item is a history step (pushState), so the
 * browser's back and forward move between them and a reload keeps the place.
 */
export function useHashRoute(): [Route, (next: Route, options?: NavigateOptions) => void] {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));

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
