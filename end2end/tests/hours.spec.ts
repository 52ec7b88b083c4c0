import { expect, test } from '@playwright/test';
import { goto, hydrated, screenshots, signUp } from './support';

test('weekly hours with a lunch break, copied to the workweek, and a wrong interval named on its day', async ({ page }, testInfo) => {
  const practice = await signUp(page, testInfo);
  await goto(page, testInfo, '/app/settings/hours');
  await expect(page.getByRole('group', { name: 'Monday · day off' })).toBeVisible();

  // Monday: morning, then the empty row becomes the afternoon.
  await page.getByLabel('Monday from', { exact: true }).fill('09:00');
  await page.getByLabel('Monday until', { exact: true }).fill('12:30');
  await page.getByLabel('Monday from (2)', { exact: true }).fill('13:30');
  await page.getByLabel('Monday until (2)', { exact: true }).fill('17:00');
  await page.getByRole('button', { name: "Copy Monday's hours to Monday–Friday" }).click();
  if (hydrated(testInfo)) {
    await expect(page.getByRole('status').filter({ hasText: 'Hours saved.' })).toBeVisible();
  }
  for (const day of ['Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
    await expect(page.getByLabel(`${day} from`, { exact: true })).toHaveValue('09:00');
    await expect(page.getByLabel(`${day} until (2)`, { exact: true })).toHaveValue('17:00');
  }
  await expect(page.getByRole('group', { name: 'Saturday · day off' })).toBeVisible();
  await screenshots(page, testInfo, 'working hours');

  // An interval that ends before it starts is named on its day; nothing is saved.
  await page.getByLabel('Tuesday until (2)', { exact: true }).fill('13:00');
  await page.getByRole('button', { name: `Save hours of ${practice.fullName}` }).click();
  await expect(page.getByRole('group', { name: /^Tuesday/ })).toContainText('On Tuesday, each interval must end after it starts.');
  await goto(page, testInfo, '/app/settings/hours');
  await expect(page.getByLabel('Tuesday until (2)', { exact: true })).toHaveValue('17:00');
});
