// Runs for every test file (setupFiles), also where files share one module cache (isolate: false),
// where a hook registered at a helper module's top level would only run for the first file.
import { afterEach } from 'vitest';
import { disconnectTestSockets } from '../features/terminals/helpers.js';
import { closeTestResources } from '../helpers/app.js';

afterEach(async () => {
  disconnectTestSockets();
  await closeTestResources();
});
