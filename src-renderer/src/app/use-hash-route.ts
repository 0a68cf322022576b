import { useCallback, useEffect, useState } from 'react';
import { isAreaId, type AreaId } from './areas';

/** Where the user is: an area and, in Accounts, the open account. */
export type Route = { area: AreaId; accountNo: string | null };

const DEFAULT_ROUTE: Route = { area: 'accounts', accountNo: null };

/** Reads "#/accounts/A0000001" style hashes; anything unknown means the default area. */
export function parseHash(hash: string): Route {
  const [areaPart, itemPart] = hash.replace(/^#\/?/, '').split('/');
  if (!areaPart || !isAreaId(areaPart)) return DEFAULT_ROUTE;
  return { area: areaPart, accountNo: itemPart ? decodeURIComponent(itemPart) : null };
}

/** Serialises a route back into a hash. */
export function routeHash(route: Route): string {
  return `#/${route.area}${route.accountNo ? '/' + encodeURIComponent(route.accountNo) : ''}`;
}

/** The current route, kept in the location hash so a reload keeps the place. */
export function useHashRoute(): [Route, (next: Route) => void] {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));

  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);

  const navigate = useCallback((next: Route) => {
    const hash = routeHash(next);
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
    setRoute(next);
  }, []);

  return [route, navigate];
}
