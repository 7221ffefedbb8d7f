/** Minimal server-rendered pages for sign-in outcomes the web app cannot show (refusals, callback errors). */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export function renderMessagePage({ title, message, action = { href: '/sign-in', label: 'Back to sign-in' } }: {
  title: string;
  message: string;
  action?: { href: string; label: string };
}): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="dark light"><title>${escapeHtml(title)} · Shellport</title></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<p><a href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>
</main>
</body>
</html>
`;
}
