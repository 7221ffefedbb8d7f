// Shared by the web app screens' e2e files (screens-workspaces, screens-workspace-cards and
// screens-settings.test.ts).
import type { Page, Route } from 'playwright-core';

/** The page's session cookie, as a Cookie header for `app.inject`. */
export async function sessionCookie(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  const session = cookies.find((cookie) => cookie.name === 'shellport_session');
  if (!session) throw new Error('the page has no session cookie');
  return `shellport_session=${session.value}`;
}

/** Holds the page's GET requests whose URL matches until `release()` (then they go on to the server). */
export async function holdRequests(page: Page, matches: (url: URL) => boolean): Promise<{ release(): Promise<void> }> {
  const held: Route[] = [];
  let holding = true;
  await page.route(
    (url) => matches(url),
    (route) => {
      if (holding && route.request().method() === 'GET') held.push(route);
      else void route.continue();
    },
  );
  return {
    async release() {
      holding = false;
      for (const route of held.splice(0)) await route.continue().catch(() => undefined);
    },
  };
}
