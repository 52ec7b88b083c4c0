import { expect, test } from '@playwright/test';
import { dayLabel, goto, hydrated, nextMonday, practiceWithSchedule, ready, screenshots, staffWithPortal } from './support';

test('an owner builds a form: fields added, refused, moved by keyboard, each save a version, asked for by a service', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await practiceWithSchedule(page, testInfo);
  await goto(page, testInfo, '/app/settings');
  await page.getByRole('link', { name: 'Forms' }).click();
  await expect(page).toHaveURL(/\/app\/settings\/forms$/);
  await ready(page, testInfo);
  await expect(page.getByText('No forms yet: start the first one below.')).toBeVisible();
  await page.getByLabel('Title').fill('New patient intake');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('New patient intake');
  await ready(page, testInfo);
  const version = page.getByTestId('form-version');
  await expect(version).toHaveText('Not saved yet: add its fields, then save.');

  const add = page.getByRole('group', { name: 'Add a field' });
  const question = 'Question, heading or statement';
  await add.getByLabel(question).fill('Full name');
  await add.getByLabel('Required').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(version).toContainText('Version 1, saved');
  const fields = page.getByTestId('form-field');
  await expect(fields).toHaveCount(1);
  await expect(add.getByLabel(question)).toHaveValue('');

  // A field of several choices, and the service whose bookings ask for the form.
  await add.getByLabel('Kind').selectOption({ label: 'Several choices' });
  await add.getByLabel(question).fill('Where does it hurt?');
  await add.getByLabel('Choices, one a line (for one or several choices)').fill('Neck\nBack\nKnee');
  await page.getByLabel('Physiotherapy').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(version).toContainText('Version 2, saved');
  await expect(fields).toHaveCount(2);
  await expect(fields.nth(1).getByLabel('Choices, one a line (for one or several choices)')).toHaveValue('Neck\nBack\nKnee');

  // One choice is not a choice: the row says so and nothing is saved.
  await fields.nth(1).getByLabel('Choices, one a line (for one or several choices)').fill('Neck');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(fields.nth(1).getByText('Give from 2 to 30 different choices, one a line, each up to 200 characters.')).toBeVisible();
  await expect(version).toContainText('Version 2, saved');

  // Moved from the keyboard: the question about pain comes first, as version 3.
  await goto(page, testInfo, page.url());
  await page.getByRole('button', { name: 'Move “Where does it hurt?” up' }).focus();
  await page.keyboard.press('Enter');
  await expect(version).toContainText('Version 3, saved');
  await expect(fields.nth(0).getByLabel(question)).toHaveValue('Where does it hurt?');
  await expect(fields.nth(1).getByLabel(question)).toHaveValue('Full name');
  await screenshots(page, testInfo, 'the form builder');

  await goto(page, testInfo, '/app/settings/forms');
  const row = page.getByTestId('form-template');
  await expect(row).toContainText('New patient intake');
  await expect(row).toContainText('Physiotherapy');
});

test('a form asked for by a service: booked online on a phone, filled in and signed from its link, the calendar mark gone', async ({ page, browser }, testInfo) => {
  test.setTimeout(120_000);
  const portal = await staffWithPortal(page, testInfo);
  // The consent form, asked for by Physiotherapy.
  await goto(page, testInfo, '/app/settings/forms');
  await page.getByLabel('Title').fill('Consent to treatment');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Consent to treatment');
  await ready(page, testInfo);
  const version = page.getByTestId('form-version');
  const add = page.getByRole('group', { name: 'Add a field' });
  const question = 'Question, heading or statement';
  await add.getByLabel('Kind').selectOption({ label: 'Consent to accept' });
  await add.getByLabel(question).fill('I agree to be treated.');
  await add.getByLabel('Required').check();
  await page.getByLabel('Physiotherapy').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(version).toContainText('Version 1, saved');
  await add.getByLabel('Kind').selectOption({ label: 'Signature' });
  await add.getByLabel(question).fill('Signature');
  await add.getByLabel('Required').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(version).toContainText('Version 2, saved');

  // A patient books on a phone.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, javaScriptEnabled: hydrated(testInfo) });
  const patient = await phone.newPage();
  const monday = nextMonday();
  await patient.goto(portal);
  await patient.getByRole('link', { name: /Harbour Street/ }).click();
  await patient.getByRole('link', { name: /Physiotherapy/ }).click();
  await patient.getByRole('link', { name: new RegExp(`^${dayLabel(monday)},`) }).click();
  await patient.getByRole('link', { name: new RegExp(`^11:00, ${dayLabel(monday)}, with Ada Lovelace`) }).click();
  await patient.getByLabel('Full name').fill('Grace Hopper');
  await patient.getByLabel('Mobile phone').fill('+1 212 555 0100');
  await patient.getByLabel('Email (optional)').fill('grace@example.com');
  await patient.getByLabel('Send me emails').check();
  await patient.getByRole('button', { name: 'Confirm booking' }).click();
  await expect(patient.getByTestId('manage-title')).toHaveText("You're booked");

  // The calendar marks the missing form; the appointment's messages hold its link.
  await goto(page, testInfo, `/app/calendar?date=${monday}`);
  const block = page.getByTestId('appointment').filter({ hasText: 'Grace Hopper' });
  await expect(block.getByTestId('forms-due')).toHaveCount(1);
  await block.click();
  await expect(page).toHaveURL(/\/app\/calendar\/appointments\//);
  await ready(page, testInfo);
  await expect(page.getByTestId('appointment-forms')).toContainText('1 form is not filled in yet');
  const request = page.locator('.message__body').filter({ hasText: '/forms/' }).first();
  const link = (await request.textContent())!.match(/https?:\/\/\S+\/forms\/\S+/)![0];
  const profile = (await page.getByTestId('appointment-forms').getByRole('link').getAttribute('href'))!;
  const forms = page.getByTestId('patient-forms');
  await goto(page, testInfo, profile);
  await expect(forms.getByTestId('form-row')).toHaveAttribute('data-status', 'waiting');
  if (hydrated(testInfo)) {
    // Watched live: the calendar hears when the form comes in.
    await goto(page, testInfo, `/app/calendar?date=${monday}`);
    await expect(page.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');
  }

  // The patient fills it in: sending without the consent is refused, naming it.
  await patient.goto(new URL(link).pathname);
  await expect(patient.getByTestId('form-title')).toHaveText('Consent to treatment');
  await patient.getByRole('button', { name: /^Send to / }).click();
  await expect(patient.getByRole('alert')).toContainText('I agree to be treated.: Tick the box to accept this');
  await patient.getByLabel('I agree to be treated.').check();
  await patient.getByLabel('Signature (required): type your full name to sign').fill('Grace Hopper');
  if (hydrated(testInfo)) {
    // With JavaScript the signature can also be drawn.
    const pad = patient.locator('canvas.signature__pad');
    const box = (await pad.boundingBox())!;
    await patient.mouse.move(box.x + 20, box.y + box.height / 2);
    await patient.mouse.down();
    await patient.mouse.move(box.x + 80, box.y + 20, { steps: 5 });
    await patient.mouse.move(box.x + 140, box.y + box.height - 20, { steps: 5 });
    await patient.mouse.up();
  }
  await screenshots(patient, testInfo, "the patient's form");
  await patient.getByRole('button', { name: /^Send to / }).click();
  await expect(patient.getByTestId('form-title')).toHaveText('Thank you');
  await phone.close();

  // The mark is gone (live with JavaScript), and the answers read as sent.
  if (!hydrated(testInfo)) {
    await goto(page, testInfo, `/app/calendar?date=${monday}`);
  }
  await expect(page.getByTestId('appointment').filter({ hasText: 'Grace Hopper' }).getByTestId('forms-due')).toHaveCount(0);
  await goto(page, testInfo, profile);
  await expect(forms.getByTestId('form-row')).toHaveAttribute('data-status', 'submitted');
  await forms.getByRole('link', { name: /Consent to treatment/ }).click();
  await expect(page).toHaveURL(/\/app\/forms\//);
  await ready(page, testInfo);
  const answers = page.getByTestId('answer');
  await expect(answers.nth(0)).toContainText('Accepted');
  await expect(answers.nth(1)).toContainText('Signed by Grace Hopper');
  if (hydrated(testInfo)) {
    await expect(answers.nth(1).locator('svg path')).toHaveCount(1);
  }
});
