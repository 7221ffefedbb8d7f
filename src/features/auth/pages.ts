/** Minimal server-rendered pages for sign-in outcomes the web app cannot show (refusals, callback errors). */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

// The sign-in card's look (src/web/app/base.css, screens.css) in a few inline rules: these pages
// must not depend on the web app's hashed assets. The CSP allows inline styles.
const PAGE_STYLE = `
:root { color-scheme: dark; --bg: #0d1117; --surface: #161b22; --fg: #e6edf3; --muted: #9198a1; --border: #30363d; --accent: #2f81f7; --accent-fg: #fff; --focus: #79c0ff; }
@media (prefers-color-scheme: light) {
  :root { color-scheme: light; --bg: #f6f8fa; --surface: #fff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --accent: #0969da; --focus: #0550ae; }
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100dvh; background: var(--bg); color: var(--fg); font: 16px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
main { display: flex; justify-content: center; padding: 2rem 1rem; }
.card { width: 100%; max-width: 28rem; background: var(--surface); border: 1px solid var(--border); border-radius: 8px; padding: 1rem; }
.brand { font-family: ui-monospace, Menlo, Consolas, monospace; color: var(--muted); margin: 0 0 0.75rem; }
h1 { font-size: 1.5rem; margin: 0 0 0.75rem; }
.button { display: inline-flex; border: 0; font: inherit; cursor: pointer; align-items: center; min-height: 2.5rem; padding: 0.4rem 0.9rem; border-radius: 6px; background: var(--accent); color: var(--accent-fg); text-decoration: none; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
`;

export function renderMessagePage({ title, message, action = { href: '/sign-in', label: 'Back to sign-in' } }: {
  title: string;
  message: string;
  action?: { href: string; label: string };
}): string {
  return renderPage({
    title,
    body: `<p>${escapeHtml(message)}</p>\n<p><a class="button" href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>`,
  });
}

/** The same card with a body of the caller's HTML (escaped by the caller): a form, several paragraphs. */
export function renderPage({ title, body }: { title: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="dark light"><link rel="icon" href="/favicon.svg" type="image/svg+xml"><title>${escapeHtml(title)} · Shellport</title><style>${PAGE_STYLE}</style></head>
<body>
<main>
<section class="card" aria-labelledby="page-title">
<p class="brand" aria-hidden="true">&gt;_ Shellport</p>
<h1 id="page-title">${escapeHtml(title)}</h1>
${body}
</section>
</main>
</body>
</html>
`;
}
