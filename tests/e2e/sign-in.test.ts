// The first sign-in in a real Chromium, on the two servers of a first hour (issue 16): a local
// install without GitHub, where the start-up link is the normal way in, and a server with GitHub
// that nobody owns yet, claimed through the printed setup link. Then (issue 18) a device-code sign-in
// on a server with an owner, approved from a browser already signed in, and a sign-in started from
// another site. Each needs its own configuration, so each has its own fixture (the screens-*.test.ts
// files run a server with an owner and the web flow only).
import { describe, expect, it } from 'vitest';
import { OWNER_LOGIN, useE2E } from './fixture.js';
import { SignInPage } from './pages/sign-in-page.js';
import { SignInRequestsPage } from './pages/sign-in-requests-page.js';

// Browser globals used inside evaluate() callbacks (the Node type-check has no DOM library).
declare const document: { querySelector(selector: string): unknown };
declare const navigator: { clipboard: { readText(): Promise<string> } };

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
    const usedToken = e2e.app.startupToken.value;
    await signIn.signInWithStartupLink(signInUrl!);
    // The token is not left in the address bar or the history entry.
    expect(page.url()).not.toContain(usedToken);
    expect(e2e.consoleProblems(page)).toEqual([]);

    // The link worked once: another browser opening it gets nothing, and is told where the new one is.
    const other = await e2e.newPage();
    const refused = await other.goto(signInUrl!);
    expect(refused?.status()).toBe(401);
    await other.getByText('each works once').waitFor();
    await expect(other.getByText('npm run sign-in-link').count()).resolves.toBeGreaterThan(0);
    expect(await other.context().cookies(e2e.baseUrl)).toEqual([]);
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
    // The claim is made: the setup link's cookie is gone from the browser, and that link works no more.
    const cookies = await page.context().cookies(e2e.baseUrl);
    expect(cookies.map((cookie) => cookie.name)).not.toContain('shellport_setup');
    const again = await (await e2e.newPage()).goto(setupUrl!);
    expect(again?.status()).toBe(401);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });
});

describe('a device-code sign-in on a server with an owner', () => {
  const fixture = useE2E({ env: { GITHUB_DEVICE_FLOW: 'true' } });

  it('waits until a browser already signed in approves it there, showing its address and browser, then goes on to GitHub', async () => {
    const e2e = fixture();
    const laptop = await e2e.newPage();
    await e2e.signIn(laptop);

    // A new browser asks; it gets a request code and no GitHub code.
    const phone = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const phoneAgent = (await phone.evaluate('navigator.userAgent')) as string;
    const phoneSignIn = new SignInPage(phone);
    await phoneSignIn.open();
    await phoneSignIn.startDeviceCode();
    const code = (await phoneSignIn.requestCode.textContent())!;
    expect(code).toMatch(/^[A-Z2-9]{3}-[A-Z2-9]{3}$/);
    await phone.getByText('This sign-in needs approval from a browser where you are already signed in to Shellport.').waitFor();
    await expect(phoneSignIn.deviceCode.count()).resolves.toBe(0);
    await e2e.screenshot(phone, 'sign-in-awaiting-approval');

    // The signed-in browser sees it, with where it comes from, in Settings and on the approval page.
    await laptop.goto('/settings');
    await laptop.getByRole('heading', { name: 'Sign-in requests', level: 2 }).waitFor();
    await laptop.locator('.sign-in-request').filter({ hasText: code }).waitFor();
    const requests = new SignInRequestsPage(laptop);
    await requests.open();
    const request = requests.request(code);
    await request.waitFor();
    // Headless Chromium on Linux, whatever the viewport: the approval page says so, and shows the whole user agent.
    await expect(request.textContent()).resolves.toContain(`A browser at 127.0.0.1 (Chromium on Linux) asks to sign in with code ${code}.`);
    await expect(request.locator('.user-agent').textContent()).resolves.toBe(phoneAgent);
    await e2e.screenshot(laptop, 'sign-in-requests');
    await requests.approve(code);
    await laptop.getByText('No browser is waiting for approval.').waitFor();

    // Approved: the phone shows GitHub's code by itself; the owner enters it at GitHub and the phone is in.
    await phoneSignIn.deviceCode.waitFor({ timeout: 15_000 });
    const userCode = (await phoneSignIn.deviceCode.textContent())!;
    expect(userCode).toBe(e2e.fake.lastDeviceCode!.userCode);
    e2e.fake.approveDevice(userCode, OWNER_LOGIN);
    await phone.waitForURL('**/workspaces', { timeout: 15_000 });
    await phone.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
    // The laptop is still signed in.
    await laptop.reload();
    await laptop.getByRole('heading', { name: 'Sign-in requests', level: 1 }).waitFor();
    const answers = await e2e.app.db.authLog.findMany({ where: { action: 'sign_in_request' } });
    expect(answers.map((row) => JSON.parse(row.details))).toEqual([expect.objectContaining({ decision: 'approved', code })]);
    expect(e2e.consoleProblems(laptop)).toEqual([]);
    expect(e2e.consoleProblems(phone)).toEqual([]);
  });

  it('once approved, shows GitHub’s device code, signs in by itself, and tells a refused GitHub account why', async () => {
    const e2e = fixture();
    e2e.fake.addUser({ login: 'mallory' });
    // A signed-in laptop approves each request of this browser (the rest of the flow is GitHub's).
    const laptop = await e2e.newPage();
    await e2e.signIn(laptop);
    const requests = new SignInRequestsPage(laptop);
    await requests.open();
    const page = await e2e.newPage();
    const signIn = new SignInPage(page);
    await signIn.open();
    const approveRequest = async () => requests.approve((await signIn.requestCode.textContent())!);

    // A GitHub account that is not the owner: refused, in words.
    await signIn.startDeviceCode();
    await approveRequest();
    const code = page.getByRole('status', { name: 'Your device code' });
    await code.waitFor({ timeout: 15_000 });
    e2e.fake.approveDevice((await code.textContent())!, 'mallory');
    await page.getByText('This GitHub account may not use this Shellport server.').waitFor({ timeout: 15_000 });

    // The owner: the code, its copy button and GitHub's link; approval signs the page in by itself.
    await page.getByRole('button', { name: 'Start again' }).click();
    await signIn.requestCode.waitFor();
    await approveRequest();
    await code.waitFor({ timeout: 15_000 });
    const userCode = (await code.textContent())!;
    // "Waiting…" sits with the code it is about, before the start-up token's form (which this loopback server offers).
    const waiting = page.getByText('Waiting for you to approve on GitHub…');
    await waiting.waitFor();
    await expect(page.locator('form.token-form').count()).resolves.toBe(1);
    await expect(waiting.evaluate((element) => Boolean(element.compareDocumentPosition(document.querySelector('form.token-form') as Node) & 4))).resolves.toBe(true);
    // "Get a new code" comes after the code, not above it where a tap meant for the code could land.
    const newCode = page.getByRole('button', { name: 'Get a new code' });
    await expect(code.evaluate((element, button) => Boolean(element.compareDocumentPosition(button!) & 4), await newCode.elementHandle())).resolves.toBe(true);
    await page.getByRole('button', { name: 'Copy code' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(userCode);
    await expect(page.getByRole('link', { name: /login\/device/ }).getAttribute('href')).resolves.toBe(`${e2e.fake.url}/login/device`);
    await e2e.screenshot(page, 'sign-in-device-code');
    e2e.fake.approveDevice(userCode, 'octocat');
    await page.waitForURL('**/workspaces', { timeout: 15_000 });
    await page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
    expect(e2e.consoleProblems(page)).toEqual([]);
    expect(e2e.consoleProblems(laptop)).toEqual([]);
  });

  it('tells the waiting browser when a signed-in browser turns it down', async () => {
    const e2e = fixture();
    const laptop = await e2e.newPage();
    await e2e.signIn(laptop);
    const stranger = await e2e.newPage();
    const strangerSignIn = new SignInPage(stranger);
    await strangerSignIn.open();
    await strangerSignIn.startDeviceCode();
    const code = (await strangerSignIn.requestCode.textContent())!;

    const requests = new SignInRequestsPage(laptop);
    await requests.open();
    await requests.request(code).waitFor();
    await requests.deny(code);
    await stranger.getByText('A signed-in browser turned this sign-in down.').waitFor({ timeout: 15_000 });
    await stranger.getByRole('button', { name: 'Start again' }).waitFor();
    expect(await stranger.context().cookies(e2e.baseUrl)).not.toContainEqual(expect.objectContaining({ name: 'shellport_session' }));
  });

  it('refuses a sign-in started from another site, and the owner\'s own sign-in button still works', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    // A page elsewhere (here one with an opaque origin) links to the start of a sign-in.
    await page.setContent(`<a id="evil" href="${e2e.baseUrl}/auth/github">Win a prize</a>`);
    e2e.fake.signInBrowserAs(OWNER_LOGIN);
    const [response] = await Promise.all([page.waitForEvent('response', (r) => r.url() === `${e2e.baseUrl}/auth/github`), page.click('#evil')]);
    expect(response.status()).toBe(403);
    await page.getByText("A sign-in can only start from Shellport's own sign-in page").waitFor();
    expect(await page.context().cookies(e2e.baseUrl)).toEqual([]);

    const signIn = new SignInPage(page);
    await signIn.open();
    await signIn.signInWithGitHub();
    // The refusal itself is a 403 the browser reports; nothing else went wrong.
    expect(e2e.consoleProblems(page).filter((problem) => !problem.includes('status of 403'))).toEqual([]);
  });
});
