import { expect, test } from '@playwright/test';
import * as OTPAuth from 'otpauth';
import { goto, hydrated, logIn, logOut, PASSWORD, ready, signUp, uniqueEmail } from './support';

test('the owner invites a receptionist, who joins and cannot open settings', async ({ page, browser }, testInfo) => {
  const practice = await signUp(page, testInfo);
  await goto(page, testInfo, '/app/staff');
  const email = uniqueEmail('reception');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role').selectOption('receptionist');
  await page.getByLabel(practice.branchName).check();
  await page.getByRole('button', { name: 'Create invitation' }).click();

  const link = page.getByLabel(`Invitation link for ${email}`);
  await expect(link).toBeVisible();
  const url = await link.inputValue();
  expect(url).toContain('/invite/');

  const context = await browser.newContext({ javaScriptEnabled: hydrated(testInfo) });
  const receptionist = await context.newPage();
  await goto(receptionist, testInfo, url);
  await expect(receptionist.getByRole('heading', { name: `Join ${practice.orgName}` })).toBeVisible();
  await receptionist.getByLabel('Full name').fill('Rita Reception');
  await receptionist.getByLabel('Password').fill(PASSWORD);
  await receptionist.getByRole('button', { name: 'Join' }).click();
  await expect(receptionist).toHaveURL(/\/app$/);
  await ready(receptionist, testInfo);
  await expect(receptionist.getByTestId('user-name')).toContainText('Rita Reception · Receptionist');

  // No settings in the navigation, and the address itself refuses.
  const nav = receptionist.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Staff' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  const response = await receptionist.goto('/app/settings/branches');
  expect(response?.status()).toBe(403);
  await expect(receptionist.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await context.close();

  // The owner sees the new member in the list.
  await goto(page, testInfo, '/app/staff');
  await expect(page.getByTestId('staff-row').filter({ hasText: 'Rita Reception' })).toContainText('Receptionist at');
});

test('the owner turns on two-factor and signs in again with a code', async ({ page }, testInfo) => {
  const practice = await signUp(page, testInfo);
  await goto(page, testInfo, '/app/account');
  await expect(page.getByTestId('two-factor-status')).toHaveText('Off');
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  await expect(page.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
  const enrolledAt = Date.now();
  await page.getByLabel('Code from your app').fill(totp.generate({ timestamp: enrolledAt }));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByTestId('two-factor-status')).toHaveText('On');

  await logOut(page, practice.fullName);
  await ready(page, testInfo);
  await logIn(page, testInfo, practice.email);
  await expect(page).toHaveURL(/\/login\/verify/);
  await ready(page, testInfo);
  // The code of the enrolment was spent; the app's next code is accepted (one step of drift).
  await page.getByLabel('Code', { exact: true }).fill(totp.generate({ timestamp: enrolledAt + 30_000 }));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page).toHaveURL(/\/app$/);
  await ready(page, testInfo);
  await expect(page.getByTestId('org-name')).toHaveText(practice.orgName);
});

test("a user of one organization opening another organization's address sees not found", async ({ page }, testInfo) => {
  const first = await signUp(page, testInfo);
  await goto(page, testInfo, '/app/settings/branches');
  await page.getByRole('link', { name: first.branchName }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(first.branchName);
  const theirBranch = page.url();
  await logOut(page, first.fullName);

  await signUp(page, testInfo, { fullName: 'Oscar Other' });
  const response = await page.goto(theirBranch);
  expect(response?.status()).toBe(404);
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await expect(page.getByText('That branch was not found.')).toBeVisible();
});
