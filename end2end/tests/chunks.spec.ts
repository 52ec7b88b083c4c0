import { expect, test, type Page } from '@playwright/test';
import { collectErrors, goto, hydrated, loadsWasm, nextMonday, staffWithPortal } from './support';

// Every page is a lazy route: its code is a WASM chunk of its own, fetched when the page
// is first shown. These prove the pieces meet in a real browser.

/** Leaves a mark on the window that a full page load would wipe out. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { careopsMark: number }).careopsMark = 1));
}

async function stillMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { careopsMark?: number }).careopsMark === 1);
}

test('a staff page opened by its address hydrates, and the next page fetches its code and works', async ({
  page,
}, testInfo) => {
  test.skip(!hydrated(testInfo), 'chunks are code, and code needs JavaScript');
  const portal = await staffWithPortal(page, testInfo);
  const errors = collectErrors(page);

  // The portal: a complete page without any code.
  await page.goto(portal);
  await expect(page.getByRole('link', { name: /Harbour Street/ })).toBeVisible();
  expect(await loadsWasm(page)).toBe(false);

  // A lazy staff route loaded directly by URL hydrates without a panic.
  const monday = nextMonday();
  await goto(page, testInfo, `/app/calendar?date=${monday}`);
  await expect(page.getByTestId('calendar')).toBeVisible();
  await mark(page);

  // Moving on in the app: the booking page's chunk arrives on demand...
  const chunks: string[] = [];
  page.on('request', (request) => request.url().endsWith('.wasm') && chunks.push(request.url()));
  await page.locator('.calendar__column a.calendar__slot[data-time="10:00"]').first().click();
  await expect(page).toHaveURL(/\/app\/calendar\/new\?/);
  await expect(page.getByLabel('Start time')).toHaveValue('10:00');
  expect(chunks.length, 'the booking page fetched its own code').toBeGreaterThan(0);

  // ...and the page it renders is interactive: the booking is sent by the WASM client
  // and the calendar comes back without a page load.
  await page.getByLabel("New patient's name").fill('Grace Hopper');
  await page.getByLabel("New patient's phone").fill('+44 20 7946 0958');
  await page.getByRole('button', { name: 'Book' }).click();
  await expect(page).toHaveURL(new RegExp(`/app/calendar\\?date=${monday}`));
  await expect(page.getByTestId('appointment').filter({ hasText: 'Grace Hopper' })).toContainText('10:00–10:30');
  expect(await stillMarked(page), 'no full page load on the way').toBe(true);
  expect(errors).toEqual([]);
});
