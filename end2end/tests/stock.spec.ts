import { expect, test } from '@playwright/test';
import { bookAndOpen, goto, hydrated, practiceWithSchedule, ready, screenshots, signUp } from './support';

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

test("a service's materials come onto its visit, completion uses them up, the alert appears live, and a product sold leaves the shelf", async ({ page, context }, testInfo) => {
  test.setTimeout(120_000);
  await practiceWithSchedule(page, testInfo);

  // An item running close to its level: 3 sachets, low at 2.
  await goto(page, testInfo, '/app/stock');
  await page.getByLabel('Name', { exact: true }).fill('Ultrasound gel');
  await page.getByLabel('Unit', { exact: true }).fill('sachet');
  await page.getByLabel('Cost of one unit (EUR)').fill('0.35');
  await page.getByLabel('Sale price (EUR, if sold)').fill('2.50');
  await page.getByLabel('Reorder at').fill('2');
  await page.getByRole('button', { name: 'Add item' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ultrasound gel');
  await ready(page, testInfo);
  await page.getByLabel('Units received').fill('3');
  await page.getByRole('button', { name: 'Receive', exact: true }).click();
  await expect(page.getByTestId('on-hand')).toHaveText('3 sachet here');

  // The service's recipe: one sachet a visit.
  await goto(page, testInfo, '/app/settings/services');
  await page.getByRole('link', { name: 'Physiotherapy' }).click();
  await ready(page, testInfo);
  const recipe = page.getByRole('region', { name: 'Materials each visit uses' });
  await expect(recipe).toContainText('None: this service uses nothing from stock.');
  await recipe.getByLabel('Item').selectOption({ label: 'Ultrasound gel (sachet)' });
  await recipe.getByRole('button', { name: 'Add material' }).click();
  await expect(recipe.getByTestId('service-material')).toHaveText(/1 × Ultrasound gel \(sachet\)/);

  // Hydrated, a second tab keeps the stock list open: the alert reaches it live.
  const watcher = hydrated(testInfo) ? await context.newPage() : null;
  if (watcher) {
    await goto(watcher, testInfo, '/app/stock');
    await expect(watcher.getByTestId('stock-alert')).toHaveCount(0);
    await expect(watcher.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  }

  await bookAndOpen(page, testInfo, '11:00', 'Grace Hopper');
  const status = page.getByTestId('appointment-status');
  await page.getByRole('button', { name: 'Mark as arrived' }).click();
  await expect(status).toHaveText('Arrived');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(status).toHaveText('In progress');
  const visit = page.getByRole('region', { name: 'Visit' });
  const materials = visit.getByTestId('visit-materials');
  await expect(materials).toContainText('1 × Ultrasound gel (sachet) for Physiotherapy');

  await page.getByRole('button', { name: 'Complete' }).click();
  await expect(status).toHaveText('Completed');
  await expect(materials).toContainText('taken from stock');
  // 3 → 2: at the level. Hydrated, the socket tells every open page of the branch: its
  // navigation's badge counts one alert, and the other tab's list shows it.
  if (watcher) {
    await expect(page.getByTestId('stock-alert-badge')).toContainText('1');
    await expect(watcher.getByTestId('stock-alert')).toContainText('Ultrasound gel: 2 sachet left since');
    await expect(watcher.getByTestId('stock-alert-badge')).toContainText('1');
    await watcher.close();
  }

  // A sachet to take home, sold on the visit's invoice: issuing it takes it from stock.
  await visit.getByRole('button', { name: 'Create invoice' }).click();
  await expect(page).toHaveURL(/\/app\/invoices\//);
  await ready(page, testInfo);
  await page.getByLabel('Product from stock').selectOption({ label: 'Ultrasound gel, €2.50 (2 sachet here)' });
  await page.getByRole('button', { name: 'Add line' }).click();
  await expect(page.getByTestId('invoice-lines')).toContainText('Ultrasound gel');
  await page.getByRole('button', { name: 'Issue invoice' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Invoice INV-/);

  await goto(page, testInfo, '/app/stock');
  await expect(page.getByTestId('stock-row').filter({ hasText: 'Ultrasound gel' })).toContainText('1 sachet');
  const usage = page.getByRole('region', { name: 'Usage' });
  await expect(usage.getByTestId('usage-item')).toContainText(['Ultrasound gel2 sachet€0.70']);
  await expect(usage.getByTestId('usage-service')).toContainText(['Physiotherapy1Ultrasound gel1 sachet']);
  await screenshots(page, testInfo, 'stock with an alert and usage');
  const download = await page.request.get(
    (await usage.getByRole('link', { name: 'Download per service (CSV)' }).getAttribute('href'))!,
  );
  expect(await download.text()).toContain('Physiotherapy,1,Ultrasound gel,sachet,1');
});
