import { expect, type Page, type TestInfo } from '@playwright/test';
import { randomUUID } from 'node:crypto';

/** An email nobody else in this run uses. */
export function uniqueEmail(prefix = 'owner'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@e2e.careops.test`;
}

export const PASSWORD = 'violet-kettle-harbour';

/** Whether this project runs with JavaScript (and so hydration). */
export function hydrated(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/**
 * Waits until the page can be used: with JavaScript, until the WASM has hydrated it (a
 * click before that is lost); without, it already is.
 */
export async function ready(page: Page, testInfo: TestInfo): Promise<void> {
  if (hydrated(testInfo)) {
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  }
}

export async function goto(page: Page, testInfo: TestInfo, path: string): Promise<void> {
  await page.goto(path);
  await ready(page, testInfo);
}

export interface Practice {
  orgName: string;
  branchName: string;
  fullName: string;
  email: string;
}

/** Signs a new practice up through the form and waits for the app. */
export async function signUp(page: Page, testInfo: TestInfo, overrides: Partial<Practice> = {}): Promise<Practice> {
  const practice: Practice = {
    orgName: `Harbour Physio ${randomUUID().slice(0, 4)}`,
    branchName: 'Harbour Street',
    fullName: 'Ada Lovelace',
    email: uniqueEmail(),
    ...overrides,
  };
  await goto(page, testInfo, '/signup');
  await page.getByLabel('Organization name').fill(practice.orgName);
  await page.getByLabel('First branch').fill(practice.branchName);
  await page.getByLabel('Time zone of that branch').fill('Europe/Berlin');
  await page.getByLabel('Full name').fill(practice.fullName);
  await page.getByLabel('Email').fill(practice.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/app$/);
  await ready(page, testInfo);
  return practice;
}

export async function logIn(page: Page, testInfo: TestInfo, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function logOut(page: Page, fullName: string): Promise<void> {
  await page.getByText(fullName, { exact: false }).first().click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login/);
}
