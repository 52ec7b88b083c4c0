import { expect, test } from '@playwright/test';
import { goto, practiceWithSchedule, ready, screenshots } from './support';

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
