import { expect, test } from '@playwright/test';
import { goto, hydrated, logIn, logOut, PASSWORD, ready, signUp } from './support';

test('a new practice signs up, sees its app, logs out and logs back in', async ({ page }, testInfo) => {
  const practice = await signUp(page, testInfo);

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome, Ada');
  await expect(page.getByTestId('org-name')).toHaveText(practice.orgName);
  await expect(page.getByTestId('branch-name')).toHaveText(practice.branchName);
  await expect(page.getByTestId('user-name')).toContainText('Ada Lovelace · Owner');

  await logOut(page, practice.fullName);

  // Signed out, the app sends us to sign in and back to where we were going.
  await goto(page, testInfo, '/app');
  await expect(page).toHaveURL(/\/login\?next=%2Fapp$/);
  await logIn(page, testInfo, practice.email);
  await expect(page).toHaveURL(/\/app$/);
  await ready(page, testInfo);
  await expect(page.getByTestId('org-name')).toHaveText(practice.orgName);
});

test('a wrong password is refused with a message that says what to do', async ({ page }, testInfo) => {
  const practice = await signUp(page, testInfo);
  await logOut(page, practice.fullName);
  await ready(page, testInfo);

  await logIn(page, testInfo, practice.email, `${PASSWORD}-nope`);
  await expect(page.getByRole('alert')).toContainText('The email or password is incorrect.');
  await expect(page).toHaveURL(/\/login/);
});

test('signing up twice with one email names the email field', async ({ page }, testInfo) => {
  const first = await signUp(page, testInfo);
  await logOut(page, first.fullName);

  await goto(page, testInfo, '/signup');
  await page.getByLabel('Organization name').fill('Second Clinic');
  await page.getByLabel('Full name').fill('Grace Hopper');
  await page.getByLabel('Email').fill(first.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  const email = page.getByLabel('Email');
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#field-email-error')).toHaveText(/An account with this email already exists/);
});

test('an unknown address answers a 404 page', async ({ page }, testInfo) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('the staff app becomes interactive once hydrated', async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'hydration needs JavaScript');
  await signUp(page, testInfo);
  const wasm = page.waitForResponse((response) => response.url().endsWith('.wasm'));
  await goto(page, testInfo, '/app/account');

  // The hashed WASM comes compressed and may be cached forever.
  const headers = (await wasm).headers();
  expect(headers['cache-control']).toContain('immutable');
  expect(['br', 'gzip']).toContain(headers['content-encoding']);

  // A submission handled by the WASM client stays on the page: no reload, no error in the URL.
  await page.getByLabel('Code from your app').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.locator('#field-code-error')).toHaveText(/That code does not match/);
  expect(page.url()).not.toContain('__err');
});

test('sign-in and sign-up load no script: they are forms that post', async ({ page }) => {
  const code: string[] = [];
  page.on('request', (request) => /\.(js|wasm)$/.test(new URL(request.url()).pathname) && code.push(request.url()));
  for (const path of ['/', '/login', '/signup']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
  await page.waitForLoadState('networkidle');
  expect(code).toEqual([]);
});
test('a forgotten password is asked for from the sign-in page, with the same answer for any address', async ({ page }, testInfo) => {
  const practice = await signUp(page, testInfo);
  await logOut(page, practice.fullName);
  await goto(page, testInfo, '/login');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Forgot your password?');
  await page.getByLabel('Email').fill(practice.email);
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await expect(page.getByTestId('reset-sent')).toContainText('If an account uses that address, a link to choose a new password is on its way.');

  await goto(page, testInfo, '/forgot-password');
  await page.getByLabel('Email').fill('nobody@nowhere.example');
  await page.getByRole('button', { name: 'Email me a link' }).click();
  await expect(page.getByTestId('reset-sent')).toContainText('If an account uses that address');

  // A link that is not one says so, and offers a new one.
  await goto(page, testInfo, '/reset-password/not-a-real-link');
  await page.getByLabel('New password', { exact: true }).fill('a-brand-new-harbour-password');
  await page.getByRole('button', { name: 'Save my new password' }).click();
  await expect(page.getByRole('alert')).toContainText('This link has expired or was used already. Ask for a new one.');
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();
});
