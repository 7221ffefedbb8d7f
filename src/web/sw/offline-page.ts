// The page the service worker answers a navigation with when Shellport cannot be reached (issue 20).
// Written here, not cached: the worker keeps no copy of the app or of any answer, so nothing stale
// (an old terminal, an old list) can ever be shown. No script: Retry is a link to the same address.

/** The offline page's HTML. `dark`/`light` follow the device, as the app's default theme does. */
export const OFFLINE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light">
<title>Shellport cannot be reached</title>
<style>
:root { color-scheme: dark light; font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; line-height: 1.45; }
body { margin: 0; min-height: 100dvh; display: flex; align-items: center; justify-content: center; background: #0d1117; color: #e6edf3; }
@media (prefers-color-scheme: light) { body { background: #f6f8fa; color: #1f2328; } a.retry { background: #0969da; } }
main { max-width: 28rem; padding: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 0.75rem; }
.brand { font-family: ui-monospace, Menlo, Consolas, monospace; color: #3fb950; }
a.retry { display: inline-block; margin-top: 0.5rem; padding: 0.7rem 1.4rem; border-radius: 6px; background: #2f81f7; color: #fff; font-weight: 600; text-decoration: none; }
a.retry:focus-visible { outline: 3px solid #79c0ff; outline-offset: 2px; }
</style>
</head>
<body>
<main>
<h1><span class="brand" aria-hidden="true">&gt;_</span> Shellport cannot be reached</h1>
<p>This device is offline, or the Shellport server is not answering (it may be restarting).</p>
<p>Check the connection, then retry. Nothing here is a saved copy: once Shellport answers, you see your terminals as they are.</p>
<p><a class="retry" href="">Retry</a></p>
</main>
</body>
</html>
`;

/** The headers of the offline page: never stored, and a policy that lets it do nothing but show itself. */
export const OFFLINE_PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
};
