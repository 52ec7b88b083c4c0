import { expect, test } from '@playwright/test';
import { dayLabel, goto, hydrated, nextMonday, staffWithPortal } from './support';

test('the clinic sets its sender and its wording, and a patient booking online is told so, as its appointment shows', async ({ page, browser }, testInfo) => {
  const portal = await staffWithPortal(page, testInfo);

  // Settings → Messages: the sender, kept; a test send says what became of it.
  await goto(page, testInfo, '/app/settings');
  await page.getByRole('link', { name: 'Messages', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Messages');
  await page.getByLabel('Sender name').fill('Harbour Physio');
  await page.getByLabel('Sender address').fill('desk@harbour.example');
  await page.getByRole('button', { name: 'Save email settings' }).click();
  if (hydrated(testInfo)) {
    await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  }
  await expect(page.getByLabel('Sender address')).toHaveValue('desk@harbour.example');
  if (hydrated(testInfo)) {
    await page.getByRole('region', { name: 'How email goes out' }).getByLabel('To', { exact: true }).fill('me@harbour.example');
    await page.getByRole('button', { name: 'Send a test email' }).click();
    await expect(page.getByTestId('test-answer')).toHaveText(/^Recorded, not sent/);
  }

  // Its own wording of the confirmation: previewed with example details, then kept.
  await page.getByRole('link', { name: 'The wording of each message →' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Wording of messages');
  const confirmation = page.getByRole('region', { name: 'Booking confirmation · Email' });
  await expect(confirmation).toContainText('The built-in wording.');
  await confirmation.getByLabel('Subject').fill('Booked at Harbour Physio: {service} on {when}');
  if (hydrated(testInfo)) {
    await expect(confirmation.getByTestId('preview-subject')).toHaveText(
      'Booked at Harbour Physio: Sports massage on Monday 30 November 2026 at 09:30',
    );
  }
  await confirmation.getByRole('button', { name: 'Save wording' }).click();
  await expect(page.getByRole('region', { name: 'Booking confirmation · Email' })).toContainText('Your own wording.');
  await expect(page.getByRole('region', { name: 'Booking confirmation · Email' }).getByLabel('Subject')).toHaveValue(
    'Booked at Harbour Physio: {service} on {when}',
  );

  // A patient books on the portal, with an email address.
  const patient = await browser.newPage();
  const monday = nextMonday();
  await patient.goto(portal);
  await patient.getByRole('link', { name: /Harbour Street/ }).click();
  await patient.getByRole('link', { name: /Physiotherapy/ }).click();
  await patient.getByRole('link', { name: new RegExp(`^${dayLabel(monday)},`) }).click();
  await patient.getByRole('link', { name: /^10:00, / }).click();
  await patient.getByLabel('Full name').fill('Grace Hopper');
  await patient.getByLabel('Mobile phone').fill('+1 212 555 0100');
  await patient.getByLabel('Email (optional)').fill('grace@example.com');
  await patient.getByLabel('Send me emails').check();
  await patient.getByRole('button', { name: 'Confirm booking' }).click();
  await expect(patient.getByTestId('manage-title')).toHaveText("You're booked");
  await patient.close();

  // The appointment's page shows the confirmation gone out and the reminders planned.
  await goto(page, testInfo, `/app/calendar?date=${monday}`);
  const href = await page.getByTestId('appointment').filter({ hasText: 'Grace Hopper' }).getAttribute('href');
  await expect(async () => {
    await goto(page, testInfo, href!);
    const messages = page.getByRole('region', { name: 'Messages to the patient' }).getByTestId('message');
    await expect(messages.filter({ hasText: /Booked at Harbour Physio: Physiotherapy on / })).toHaveAttribute('data-status', 'sent', { timeout: 1000 });
  }).toPass();
  const messages = page.getByRole('region', { name: 'Messages to the patient' }).getByTestId('message');
  await expect(messages.filter({ hasText: /Booked at Harbour Physio: Physiotherapy on / })).toContainText('Email to grace@example.com · Sent');
  await expect(messages.filter({ hasText: 'Reminder: your appointment' })).toHaveCount(3);
  await expect(messages.filter({ hasText: 'Reminder: your appointment' }).first()).toContainText('Planned for');
});
