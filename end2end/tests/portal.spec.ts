import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dayLabel, goto, hydrated, nextMonday, screenshots, signUp, staffWithPortal } from './support';

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

test('a London clinic signs up in pounds: its booking page shows its address and prices in £', async ({ page, browser }, testInfo) => {
  const started = Date.now();
  const staffContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false });
  const staff = await staffContext.newPage();
  const portal = await staffWithPortal(staff, testInfo, {
    timezone: 'Europe/London',
    currency: 'GBP',
    address: '14 Harbour Street, London SE1 9PG',
  });
  // The service form asked for pounds.
  await goto(staff, testInfo, '/app/settings/services');
  await expect(staff.getByRole('row', { name: /Physiotherapy/ })).toContainText('£50.00');
  await screenshots(staff, testInfo, 'services');
  await goto(staff, testInfo, '/app/settings/organization');
  await expect(staff.getByLabel('Currency')).toHaveValue('GBP');
  await screenshots(staff, testInfo, 'organization settings');

  // The home page's checklist has ticked what the clinic did, and hands out the link.
  await goto(staff, testInfo, '/app');
  const setup = staff.getByTestId('setup');
  const steps = setup.locator('.setup__step');
  await expect(steps).toHaveCount(5);
  expect(await steps.evaluateAll((items) => items.map((i) => i.getAttribute('data-done')))).toEqual([
    'true', 'true', 'false', 'true', 'false',
  ]);
  await testInfo.attach('home with the setup checklist (desktop)', { body: await staff.screenshot({ fullPage: true }), contentType: 'image/png' });
  await expect(setup.getByTestId('setup-link')).toHaveText(new RegExp(`${portal}$`));
  await expect(setup.getByRole('img', { name: 'QR code of your booking link' }).locator('svg')).toBeVisible();
  if (hydrated(testInfo)) {
    await staffContext.grantPermissions(['clipboard-read', 'clipboard-write']);
    await setup.getByRole('button', { name: 'Copy link' }).click();
    await expect(setup.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await staff.evaluate(() => navigator.clipboard.readText())).toMatch(new RegExp(`${portal}$`));
  }

  await goto(page, testInfo, portal);
  await page.getByRole('link', { name: /Harbour Street/ }).click();
  await expect(page.locator('.portal__where')).toHaveText('Harbour Street · 14 Harbour Street, London SE1 9PG');
  await expect(page.getByRole('link', { name: /Physiotherapy/ })).toContainText('30 minutes · £50.00');
  await testInfo.attach('portal services (phone)', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });

  // Booked from the phone, the appointment goes into the patient's own calendar at the
  // clinic's 10:00, London time.
  const monday = nextMonday();
  await page.getByRole('link', { name: /Physiotherapy/ }).click();
  await page.getByRole('link', { name: new RegExp(`^${dayLabel(monday)},`) }).click();
  await expect(page.getByRole('heading', { name: 'Morning' })).toBeVisible();
  await testInfo.attach('portal free times (phone)', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  await page.getByRole('link', { name: new RegExp(`^10:00, ${dayLabel(monday)}, with Ada Lovelace`) }).click();
  await expect(page.getByText('Ada Lovelace', { exact: true })).toBeVisible();
  await page.getByLabel('Full name').fill('Grace Hopper');
  await page.getByLabel('Mobile phone').fill('+44 7700 900123');
  await page.getByRole('button', { name: 'Confirm booking' }).click();
  await expect(page.getByTestId('manage-title')).toHaveText("You're booked");
  // How long a new clinic takes, at a robot's pace, from the sign-up form to its first online booking.
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  testInfo.annotations.push({ type: 'sign-up to first online booking', description: `${seconds} s` });
  console.log(`sign-up to first online booking (${testInfo.project.name}): ${seconds} s`);
  await testInfo.attach('booked (phone)', { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Add to my calendar' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('appointment.ics');
  const ics = readFileSync(await file.path(), 'utf8');
  expect(ics).toContain(`DTSTART;TZID=Europe/London:${monday.replaceAll('-', '')}T100000`);
  expect(ics).toContain('SUMMARY:Physiotherapy at ');
  await staffContext.close();
});

test('a clinic in Tokyo prices in yen, with no decimals', async ({ page }, testInfo) => {
  await signUp(page, testInfo, { timezone: 'Asia/Tokyo', currency: 'JPY' });
  await goto(page, testInfo, '/app/settings/services');
  await page.getByLabel('Name').fill('Acupuncture');
  await page.getByLabel('Length (minutes)').fill('30');
  await page.getByLabel('Price (JPY)').fill('45.50');
  await page.getByRole('button', { name: 'Add service' }).click();
  await expect(page.locator('#field-price-error')).toHaveText('Enter an amount like 4500.');
  // (Without JavaScript the page came back from the server: the form starts afresh.)
  await page.getByLabel('Name').fill('Acupuncture');
  await page.getByLabel('Length (minutes)').fill('30');
  await page.getByLabel('Price (JPY)').fill('4,500');
  await page.getByRole('button', { name: 'Add service' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Acupuncture');
  await goto(page, testInfo, '/app/settings/services');
  await expect(page.getByRole('row', { name: /Acupuncture/ })).toContainText('¥4,500');
});
