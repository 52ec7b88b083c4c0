import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { bookAndOpen, goto, nextMonday, practiceWithSchedule, ready, screenshots } from './support';

test('a visit: arrival, undo, start, services and materials, a note signed at completion, an addendum', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await practiceWithSchedule(page, testInfo);
  await bookAndOpen(page, testInfo, '10:00', 'Grace Hopper');
  const status = page.getByTestId('appointment-status');

  // A mistaken arrival is taken back.
  await page.getByRole('button', { name: 'Mark as arrived' }).click();
  await expect(status).toHaveText('Arrived');
  await expect(page.getByTestId('waiting')).toHaveText(/Waiting \d+ min/);
  await expect(page.getByTestId('visit-times')).toContainText('Arrived');
  await page.getByRole('button', { name: 'Undo arrival' }).click();
  await expect(status).toHaveText('Scheduled');
  await expect(page.getByRole('region', { name: 'Visit' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Mark as arrived' }).click();
  await expect(status).toHaveText('Arrived');
  await page.getByRole('button', { name: 'Start' }).click();
  await expect(status).toHaveText('In progress');
  await expect(page.getByTestId('waiting')).toHaveCount(0);

  const visit = page.getByRole('region', { name: 'Visit' });
  const services = visit.getByTestId('visit-services');
  await expect(services).toContainText('Physiotherapy');
  await expect(visit.getByTestId('visit-total')).toContainText('50.00');
  await visit.getByLabel('Quantity', { exact: true }).first().fill('2');
  await visit.getByRole('button', { name: 'Add service' }).click();
  await expect(visit.getByTestId('visit-total')).toContainText('150.00');

  await visit.getByLabel('Material').fill('Acupuncture needles');
  await visit.locator('#visit-material-quantity').fill('10');
  await visit.getByRole('button', { name: 'Add material' }).click();
  await expect(visit.getByTestId('visit-materials')).toContainText('10 × Acupuncture needles');

  await visit.getByLabel('Subjective').fill('Stiff neck for a week.');
  await visit.getByLabel('Plan').fill('Mobility exercises; review in 2 weeks.');
  await visit.getByRole('button', { name: 'Save note' }).click();
  await expect(visit.getByLabel('Subjective')).toHaveValue('Stiff neck for a week.');

  await page.getByRole('button', { name: 'Complete' }).click();
  await expect(status).toHaveText('Completed');
  await expect(visit.getByTestId('note-signed')).toContainText('Signed by');
  await expect(visit.getByTestId('clinical-note')).toContainText('Stiff neck for a week.');
  await expect(visit.getByRole('button', { name: 'Save note' })).toHaveCount(0);

  await visit.getByLabel('Add an addendum').fill('Phoned on Friday: much better.');
  await visit.getByRole('button', { name: 'Add addendum' }).click();
  await expect(visit.getByTestId('note-addenda')).toContainText('Phoned on Friday: much better.');
  await expect(visit.getByTestId('note-addenda')).toContainText('Addendum by');
  await screenshots(page, testInfo, 'a completed visit with its signed note');

  // The invoice in two clicks: create it from the visit, issue it.
  await visit.getByRole('button', { name: 'Create invoice' }).click();
  await expect(page).toHaveURL(/\/app\/invoices\//);
  await ready(page, testInfo);
  await expect(page.getByTestId('invoice-lines')).toContainText('Physiotherapy');
  await expect(page.getByTestId('invoice-total')).toContainText('150.00');
  await page.getByRole('button', { name: 'Issue invoice' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Invoice INV-\d{4}-000001$/);
  await expect(page.getByTestId('invoice-balance')).toContainText('150.00');

  // Paid part in cash, part by card.
  const pay = page.getByRole('region', { name: 'Record a payment' });
  await pay.getByLabel('Cash').check();
  await pay.getByLabel(/^Amount/).fill('100');
  await pay.getByRole('button', { name: 'Record payment' }).click();
  await expect(page.getByTestId('invoice-balance')).toContainText('50.00');
  await pay.getByLabel('Card').check();
  await expect(pay.getByLabel(/^Amount/)).toHaveValue('50.00');
  await pay.getByLabel('Reference').fill('slip 0042');
  await pay.getByRole('button', { name: 'Record payment' }).click();
  await expect(page.getByTestId('invoice-balance')).toContainText('0.00');
  await expect(page.locator('.invoice-status').first()).toHaveText('Paid');
  await expect(page.getByTestId('invoice-payments')).toContainText('Cash');
  await expect(page.getByTestId('invoice-payments')).toContainText('Card · slip 0042');
  await expect(page.getByTestId('invoice-history')).toContainText('Payment received');
  await expect(page.getByRole('region', { name: 'Record a payment' })).toHaveCount(0);

  // The receipt, downloaded as the patient gets it, says what was paid and how.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Receipt PDF' }).click();
  const receipt = await download;
  expect(receipt.suggestedFilename()).toMatch(/^receipt-INV-\d{4}-000001\.pdf$/);
  const text = execFileSync('pdftotext', ['-layout', await receipt.path(), '-'], { encoding: 'utf8' });
  for (const expected of ['Receipt', 'Grace Hopper', 'Physiotherapy', 'Cash', 'Card', 'slip 0042', '100.00', '50.00', 'Paid in full']) {
    expect(text).toContain(expected);
  }
  expect(text).toMatch(/Owed\s+\D*0\.00/);

  // Sending it needs the patient's consent, which a phone number given at the desk is not.
  await page.getByRole('button', { name: 'Send receipt' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'agreed to be contacted' })).toContainText(
    'Grace Hopper has no email address or phone number',
  );

  // The patient owes nothing.
  await page.getByRole('link', { name: 'Grace Hopper' }).click();
  await expect(page).toHaveURL(/\/app\/patients\//);
  await expect(page.getByTestId('patient-account')).toHaveText('Nothing owed');
  await screenshots(page, testInfo, 'a paid invoice');
});

test('a walk-in: booked from now and waiting at once, whatever the form\'s date says', async ({ page }, testInfo) => {
  await practiceWithSchedule(page, testInfo);
  await goto(page, testInfo, `/app/calendar/new?date=${nextMonday()}`);
  await page.getByLabel('The patient is here now (walk-in)').check();
  await page.getByLabel("New patient's name").fill('Ada Lovelace');
  await page.getByLabel("New patient's phone").fill('+44 20 7946 0959');
  // Now may be outside the practitioner's hours; the owner may book anyway.
  await page.getByLabel('Book outside working hours').check();
  await page.getByRole('button', { name: 'Book' }).click();
  await expect(page).toHaveURL(/\/app\/calendar\/appointments\//);
  await ready(page, testInfo);
  await expect(page.getByTestId('appointment-status')).toHaveText('Arrived');
  await expect(page.getByTestId('waiting')).toHaveText(/Waiting \d+ min/);
  await expect(page.getByRole('button', { name: 'Start' })).toBeVisible();
});
