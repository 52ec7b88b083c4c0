import { expect, test } from '@playwright/test';
import { goto, ready, screenshots, signUp } from './support';

test('staff add an item, receive a delivery, correct the count, and see it low', async ({ page }, testInfo) => {
  await signUp(page, testInfo);
  await page.getByRole('link', { name: 'Stock', exact: true }).click();
  await expect(page).toHaveURL(/\/app\/stock$/);
  await ready(page, testInfo);
  await expect(page.getByText('No items yet: add the first one below.')).toBeVisible();

  await page.getByLabel('Name', { exact: true }).fill('Acupuncture needles');
  await page.getByLabel('Unit', { exact: true }).fill('box');
  await page.getByLabel('Cost of one unit (EUR)').fill('4.50');
  await page.getByLabel('Reorder at').fill('5');
  await page.getByRole('button', { name: 'Add item' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Acupuncture needles');
  await ready(page, testInfo);
  await expect(page.getByTestId('on-hand')).toHaveText('0 box here');

  await page.getByLabel('Units received').fill('10');
  await page.getByRole('button', { name: 'Receive', exact: true }).click();
  await expect(page.getByTestId('on-hand')).toHaveText('10 box here');
  await expect(page.getByTestId('movement')).toContainText(['Received at €4.50 each']);

  // Taking more than the shelf holds is refused, and says what to do.
  await page.getByLabel('Units more or fewer').fill('-11');
  await page.getByLabel('Why').fill('expired');
  await page.getByRole('button', { name: 'Correct', exact: true }).click();
  await expect(page.getByText(/^Only 10 box in stock here, so 11 cannot be taken/)).toBeVisible();
  await expect(page.getByTestId('on-hand')).toHaveText('10 box here');

  await goto(page, testInfo, page.url());
  await page.getByLabel('Units more or fewer').fill('-6');
  await page.getByLabel('Why').fill('expired');
  await page.getByRole('button', { name: 'Correct', exact: true }).click();
  await expect(page.getByTestId('on-hand')).toHaveText('4 box here');
  await expect(page.getByTestId('movement').first()).toContainText('Adjusted · expired');
  await screenshots(page, testInfo, 'an item with its ledger');

  // The reorder level is the item's own, changed on its edit page.
  await page.getByRole('link', { name: 'Edit the item' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Edit Acupuncture needles');
  await ready(page, testInfo);
  await page.getByLabel('Reorder at').fill('4');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Reorder at')).toHaveValue('4');

  await goto(page, testInfo, '/app/stock');
  const row = page.getByTestId('stock-row').filter({ hasText: 'Acupuncture needles' });
  await expect(row).toContainText('4 box');
  await expect(row).toContainText('Low');
  // Crossing the level opened one alert, which the edit kept open (4 is still at the level).
  await expect(page.getByTestId('stock-alert')).toHaveCount(1);
  await expect(page.getByTestId('stock-alert')).toContainText('Acupuncture needles: 4 box left since');
  await expect(page.getByTestId('stock-summary')).toHaveText(
    'Worth €18.00 at cost. 1 item is at or below the reorder level.',
  );
});
