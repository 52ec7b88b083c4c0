import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { dayLabel, goto, hydrated, nextMonday, staffWithPortal } from './support';

// Patients book from their phones.
test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test('a patient books from a phone, and cancels from the manage link', async ({ page, browser }, testInfo) => {
  const staffContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false });
  const staff = await staffContext.newPage();
  const portal = await staffWithPortal(staff, testInfo);
  const monday = nextMonday();
  if (hydrated(testInfo)) {
    await goto(staff, testInfo, `/app/calendar?date=${monday}`);
    await expect(staff.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  }

  // Place → treatment → day → time → details.
  await goto(page, testInfo, portal);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Where would you like to be seen?');
  await page.getByRole('link', { name: /Harbour Street/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('What would you like to book?');
  await page.getByRole('link', { name: /Physiotherapy/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Physiotherapy');
  await page.getByRole('link', { name: new RegExp(`^${dayLabel(monday)},`) }).click();
  await expect(page.getByRole('heading', { level: 2, name: `Free times on ${dayLabel(monday)}` })).toBeVisible();
  await page.getByRole('link', { name: new RegExp(`^10:00, ${dayLabel(monday)}, with Ada Lovelace`) }).click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your details');
  await expect(page.getByTestId('confirm-when')).toContainText('at 10:00');
  await page.getByLabel('Full name').fill('Grace Hopper');
  await page.getByLabel('Mobile phone').fill('+1 212 555 0100');
  await page.getByLabel('Email (optional)').fill('grace@example.com');
  await page.getByLabel('Send me emails').check();
  await page.getByRole('button', { name: 'Confirm booking' }).click();

  await expect(page).toHaveURL(/\/manage\/[^/]+\?booked=1$/);
  await expect(page.getByTestId('manage-title')).toHaveText("You're booked");
  await expect(page.getByTestId('manage-when')).toContainText(`${dayLabel(monday)} ${monday.slice(0, 4)} at 10:00`);

  // The staff calendar shows it, marked as booked online: live with JavaScript, on the
  // next load without.
  if (!hydrated(testInfo)) {
    await goto(staff, testInfo, `/app/calendar?date=${monday}`);
  }
  const block = staff.getByTestId('appointment').filter({ hasText: 'Grace Hopper' });
  await expect(block).toContainText('10:00–10:30');
  await expect(block).toContainText('Online');

  // Cancelling asks first: nothing happens until the second button.
  await page.getByRole('button', { name: 'Cancel appointment' }).click();
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  await expect(page.getByTestId('manage-title')).toHaveText('Your appointment is cancelled');
  if (hydrated(testInfo)) {
    await expect(staff.getByTestId('appointment').filter({ hasText: 'Grace Hopper' })).toHaveCount(0);
  }
  await staffContext.close();
});

test('a patient whose time was just taken is offered the nearest free ones', async ({ page, browser }, testInfo) => {
  const staffContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false });
  const staff = await staffContext.newPage();
  const portal = await staffWithPortal(staff, testInfo);
  const monday = nextMonday();

  await goto(page, testInfo, portal);
  await page.getByRole('link', { name: /Harbour Street/ }).click();
  await page.getByRole('link', { name: /Physiotherapy/ }).click();
  await page.getByRole('link', { name: new RegExp(`^${dayLabel(monday)},`) }).click();
  await page.getByRole('link', { name: new RegExp(`^11:00, ${dayLabel(monday)}`) }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your details');

  // Meanwhile the receptionist gives 11:00 to someone on the phone.
  await goto(staff, testInfo, `/app/calendar/new?date=${monday}&time=11:00`);
  await staff.getByLabel("New patient's name").fill('Alan Turing');
  await staff.getByLabel("New patient's phone").fill('+44 20 7946 0958');
  await staff.getByRole('button', { name: 'Book' }).click();
  await expect(staff).toHaveURL(new RegExp(`/app/calendar\\?date=${monday}`));

  await page.getByLabel('Full name').fill('Grace Hopper');
  await page.getByLabel('Mobile phone').fill('+1 212 555 0100');
  await page.getByRole('button', { name: 'Confirm booking' }).click();
  const sorry = page.getByRole('alert').filter({ hasText: 'that time has just been booked by someone else' });
  await expect(sorry).toBeVisible();
  await expect(sorry.getByRole('link', { name: /^11:00,/ })).toHaveCount(0);
  await sorry.getByRole('link', { name: new RegExp(`^11:30, ${dayLabel(monday)}`) }).click();
  await page.getByLabel('Full name').fill('Grace Hopper');
  await page.getByLabel('Mobile phone').fill('+1 212 555 0100');
  await page.getByRole('button', { name: 'Confirm booking' }).click();
  await expect(page.getByTestId('manage-when')).toContainText('at 11:30');
  await staffContext.close();
});
