import { expect, test } from '@playwright/test';
import { goto, hydrated, signUp } from './support';

test('switching branch shows the other branch everywhere and stays live', async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await goto(page, testInfo, '/app/settings/branches/new');
  await page.getByLabel('Name').fill('Annex');
  await page.getByLabel('Time zone').fill('Europe/Lisbon');
  await page.getByRole('button', { name: 'Create branch' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Annex');

  await goto(page, testInfo, '/app');
  await expect(page.getByTestId('branch-name')).toHaveText('Harbour Street');
  await page.getByLabel('Current branch').selectOption({ label: 'Annex' });
  await page.getByRole('button', { name: 'Switch' }).click();

  await expect(page.getByTestId('branch-name')).toHaveText('Annex');
  await expect(page.getByLabel('Current branch').locator('option:checked')).toHaveText('Annex');
  await expect(page.getByText('Europe/Lisbon')).toBeVisible();
  if (hydrated(testInfo)) {
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  }
});
