import { expect, test } from '@playwright/test';
import { goto, hydrated, ready, screenshots, signUp } from './support';

test('staff add a patient, are warned of a duplicate, and find them by phone', async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await page.getByRole('link', { name: 'Patients' }).click();
  await expect(page).toHaveURL(/\/app\/patients$/);
  await ready(page, testInfo);
  await page.getByRole('link', { name: 'Add patient' }).click();
  await ready(page, testInfo);
  await page.getByLabel('Full name').fill('Grace Hopper');
  await page.getByLabel('Phone').fill('+1 212 555 0100');
  await page.getByLabel('Text messages about appointments').check();
  await page.getByRole('button', { name: 'Add patient' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Grace Hopper');
  await ready(page, testInfo);

  // The same phone again: a warning naming the record on file, then "add anyway".
  await goto(page, testInfo, '/app/patients/new');
  await page.getByLabel('Full name').fill('G. Hopper');
  await page.getByLabel('Phone').fill('+1 (212) 555-0100');
  await page.getByRole('button', { name: 'Add patient' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'already on file' })).toContainText('Grace Hopper');

  await goto(page, testInfo, '/app/patients');
  await page.getByLabel('Search by name, phone or email').fill('5550100');
  if (!hydrated(testInfo)) {
    // Hydrated, the list follows the box as one types; without JavaScript, the button.
    await page.getByRole('button', { name: 'Search' }).click();
  }
  await expect(page).toHaveURL(/q=5550100/);
  await expect(page.getByTestId('patient-row')).toHaveCount(1);
  await screenshots(page, testInfo, 'patients, a search');
  await page.getByRole('link', { name: 'Grace Hopper' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Grace Hopper');
  await expect(page.locator('.summary')).toContainText('Texts');
});
