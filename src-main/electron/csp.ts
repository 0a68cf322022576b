/**
 * The renderer's Content-Security-Policy, built from configuration: the only pages it may frame are the
 * hosted card pages of the configured payment processors (V19), so frame-src names exactly their origins.
 */

/** The http(s) origins of processor URLs (their hosted card pages live there), sorted, each once. */
export function hostedPageOrigins(urls: readonly string[]): string[] {
  const origins = new Set<string>();
  for (const raw of urls) {
    // A URL with spaces or semicolons could smuggle another directive into the policy.
    if (/[\s;,'"]/.test(raw)) continue;
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      continue;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
    origins.add(u.origin);
  }
  return [...origins].sort();
}

/** An origin safe to place in a CSP source list (scheme, host, optional port; nothing else). */
function isSourceOrigin(origin: string): boolean {
  return /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(origin);
}

/**
 * The policy for the renderer: scripts only from the app, inline styles (MUI/emotion and AG Grid inject
 * <style> tags), frames only from the given origins ('none' when there are none). The dev variant adds Vite's
 * HMR socket and React Refresh's inline preamble.
 */
export function contentSecurityPolicy(opts: { frameOrigins: readonly string[]; dev?: boolean }): string {
  const frames = opts.frameOrigins.filter(isSourceOrigin);
  return [
    "default-src 'self'",
    opts.dev ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    opts.dev ? "connect-src 'self' ws://localhost:* ws://127.0.0.1:*" : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-src ${frames.length ? frames.join(' ') : "'none'"}`,
    "frame-ancestors 'none'",
  ].join('; ');
}
