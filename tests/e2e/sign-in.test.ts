// The first sign-in in a real Chromium, on the two servers of a first hour (issue 16): a local
// install without GitHub, where the start-up link is the normal way in, and a server with GitHub
// that nobody owns yet, claimed through the printed setup link. Each needs its own configuration,
// so each has its own fixture (screens.test.ts runs a server with an owner).
import { describe, expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { SignInPage } from './pages/sign-in-page.js';

describe('signing in on a local install without GitHub', () => {
  const fixture = useE2E({ env: { GITHUB_CLIENT_ID: '', GITHUB_CLIENT_SECRET: '', GITHUB_ALLOWED_USER: '' } });

  it('explains calmly how to sign in here, and takes the whole printed link pasted into the field', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await page.goto('/workspaces');
    await page.waitForURL('**/sign-in');
    const signIn = new SignInPage(page);
    await page.getByText('Sign in with the link Shellport printed when it started').waitFor();
    await expect(page.getByText('npm run sign-in-link').first().isVisible()).resolves.toBe(true);
    await expect(page.getByText(/connect it later: see “Create a GitHub OAuth App” in docs\/configuration\.md/).isVisible()).resolves.toBe(true);
    // Not an error: nothing in red, nothing about GitHub being "not configured".
    await expect(page.locator('.error-text').count()).resolves.toBe(0);
    await expect(page.getByText(/not configured/).count()).resolves.toBe(0);
    await expect(signIn.webFlowButton.count()).resolves.toBe(0);
    await e2e.screenshot(page, 'sign-in-local');

    // Blanks are answered next to the field, without leaving the page.
    await signIn.startupLinkField.fill('   ');
    await page.locator('form.token-form').getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Paste the link Shellport printed at start-up, or its token.').waitFor();
    expect(page.url()).toMatch(/\/sign-in$/);

    const { signInUrl } = await e2e.app.startupToken.links(e2e.baseUrl);
    await signIn.signInWithStartupLink(signInUrl!);
    // The token is not left in the address bar or the history entry.
    expect(page.url()).not.toContain(e2e.app.startupToken.value);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });
});

describe('claiming a server with GitHub that nobody owns yet', () => {
  const fixture = useE2E({ env: { GITHUB_ALLOWED_USER: '' } });

  it('asks for the setup link until this browser has opened it, then says it arrived and the next GitHub sign-in claims the server', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    const signIn = new SignInPage(page);
    await signIn.open();
    await signIn.setupField.waitFor();

    const { setupUrl } = await e2e.app.startupToken.links(e2e.baseUrl);
    await page.goto(setupUrl!);
    await page.waitForURL('**/sign-in');
    await page.getByText('Setup link received. The GitHub account you sign in with now becomes the owner of this server.').waitFor();
    await expect(signIn.setupField.count()).resolves.toBe(0);
    await e2e.screenshot(page, 'sign-in-setup-received');

    e2e.fake.signInBrowserAs('octocat');
    await signIn.signInWithGitHub();
    await expect(page.getByText('@octocat').isVisible()).resolves.toBe(true);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });
});
