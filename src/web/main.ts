import './styles.css';

// The web app's entry point. The screens (sign-in, workspaces, terminals, settings, operations)
// are built on this shell; for now it shows who is signed in.
const root = document.querySelector<HTMLElement>('#app');

async function showIdentity(target: HTMLElement) {
  const response = await fetch('/api/me', { headers: { accept: 'application/json' } });
  const heading = document.createElement('h1');
  heading.textContent = 'Shellport';
  const status = document.createElement('p');
  status.textContent = response.ok ? 'You are signed in.' : 'Sign in to continue.';
  target.replaceChildren(heading, status);
}

if (root) void showIdentity(root);
