// Client-side routing with the History API over the paths the server answers with index.html
// (APP_ROUTES in src/shared/app-paths.ts, which the server's web routes serve as well).

export interface Route<T> {
  pattern: string;
  value: T;
}

export interface Match<T> {
  value: T;
  params: Record<string, string>;
}

/** Matches '/terminals/:workspaceId' style patterns; parameters are decoded. */
export function matchRoute<T>(routes: Route<T>[], pathname: string): Match<T> | null {
  const parts = pathname.replace(/\/+$/, '').split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.pattern.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    pattern.forEach((segment, index) => {
      const part = parts[index]!;
      if (segment.startsWith(':')) {
        try {
          params[segment.slice(1)] = decodeURIComponent(part);
        } catch {
          ok = false;
        }
      } else if (segment !== part) {
        ok = false;
      }
    });
    if (ok) return { value: route.value, params };
  }
  return null;
}

/** Follows same-origin <a href="/…"> clicks with pushState instead of a page load. */
export function interceptLinks(root: HTMLElement, navigate: (path: string) => void, isAppPath: (path: string) => boolean): void {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || !isAppPath(url.pathname)) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}
