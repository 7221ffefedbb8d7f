import './styles.css';
import { startApp } from './app/shell.js';

// The web app's entry point: the shell (src/web/app) routes between the screens (src/web/screens);
// the terminals view lives in src/web/terminals.
const root = document.querySelector<HTMLElement>('#app');
if (root) startApp(root);
