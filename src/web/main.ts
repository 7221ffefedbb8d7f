import './styles.css';
import { startApp } from './app/shell.js';
import { mountShareViewer, shareTokenOf } from './share/viewer.js';

// The web app's entry point: the shell (src/web/app) routes between the screens (src/web/screens);
// the terminals view lives in src/web/terminals.
const root = document.querySelector<HTMLElement>('#app');
// A share link's viewer (issue 23 §2) gets its own small page, never the owner's shell.
const shareToken = shareTokenOf(window.location.pathname);
if (root && shareToken) void mountShareViewer(root, shareToken);
else if (root) startApp(root);
