import { expect, test, type Locator, type Page, type TestInfo } from '@playwright/test';
import {
  BUSY_WEEK,
  goto,
  hydrated,
  nextMonday,
  screenshots,
  practiceWithSchedule,
  ready,
  seedBusyWeek,
  staffWithPortal,
} from './support';

async function openDay(page: Page, testInfo: TestInfo, date: string): Promise<void> {
  await goto(page, testInfo, `/app/calendar?date=${date}`);
  await expect(page.getByTestId('calendar')).toBeVisible();
}

/** Clicks the empty slot and fills the booking form (without submitting). */
async function startBooking(page: Page, testInfo: TestInfo, date: string, time: string, patient: string): Promise<void> {
  await openDay(page, testInfo, date);
  await page.locator(`.calendar__column a.calendar__slot[data-time="${time}"]`).first().click();
  await expect(page).toHaveURL(/\/app\/calendar\/new\?/);
  await ready(page, testInfo);
  await expect(page.getByLabel('Start time')).toHaveValue(time);
  await page.getByLabel("New patient's name").fill(patient);
  await page.getByLabel("New patient's phone").fill('+44 20 7946 0958');
}

async function bookAt(page: Page, testInfo: TestInfo, date: string, time: string, patient: string): Promise<void> {
  await startBooking(page, testInfo, date, time, patient);
  await page.getByRole('button', { name: 'Book' }).click();
  await expect(page).toHaveURL(new RegExp(`/app/calendar\\?date=${date}`));
  await ready(page, testInfo);
}

test('a receptionist books by clicking an empty slot', async ({ page }, testInfo) => {
  await practiceWithSchedule(page, testInfo);
  const monday = nextMonday();
  await bookAt(page, testInfo, monday, '10:00', 'Grace Hopper');

  const block = page.getByTestId('appointment').filter({ hasText: 'Grace Hopper' });
  await expect(block).toContainText('10:00–10:30');
  await expect(block).toContainText('Physiotherapy');
  await screenshots(page, testInfo, 'calendar, a day with a booking');

  // An overlapping time, from the New appointment button: refused, saying what clashes.
  await page.getByRole('link', { name: 'New appointment' }).click();
  await expect(page).toHaveURL(/\/app\/calendar\/new\?/);
  await ready(page, testInfo);
  await page.getByLabel('Start time').fill('10:15');
  await page.getByLabel("New patient's name").fill('Alan Turing');
  await page.getByLabel("New patient's phone").fill('+44 20 7946 0958');
  await page.getByRole('button', { name: 'Book' }).click();
  await expect(page.locator('.field__error')).toContainText('is already booked from 10:00 to 10:30');
});

test('an appointment is moved by dragging it, or with the keyboard', async ({ page }, testInfo) => {
  test.skip(!hydrated(testInfo), 'dragging needs JavaScript; the appointment page has the same change as a form');
  await practiceWithSchedule(page, testInfo);
  const monday = nextMonday();
  await bookAt(page, testInfo, monday, '10:00', 'Grace Hopper');

  const block = page.getByTestId('appointment').filter({ hasText: 'Grace Hopper' });
  const box = (await block.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 8);
  await page.mouse.down();
  // 1.5 px per minute: 90 px is an hour later.
  await page.mouse.move(box.x + box.width / 2, box.y + 8 + 90, { steps: 12 });
  await page.mouse.up();
  await expect(page.getByTestId('calendar-status')).toHaveText(/Moved Grace Hopper/);
  await expect(block).toContainText('11:00–11:30');

  // Alt+ArrowDown moves it by a quarter of an hour more.
  await block.focus();
  await page.keyboard.press('Alt+ArrowDown');
  await expect(page.getByTestId('calendar-status')).toHaveText(/Moved Grace Hopper .* 11:15/);

  await page.reload();
  await ready(page, testInfo);
  await expect(page.getByTestId('appointment').filter({ hasText: 'Grace Hopper' })).toContainText('11:15–11:45');
});

test('a booking made in one browser appears in another without a reload', async ({ page, browser }, testInfo) => {
  test.skip(!hydrated(testInfo), 'live updates need JavaScript');
  const practice = await practiceWithSchedule(page, testInfo);
  const monday = nextMonday();

  const other = await browser.newContext();
  const watcher = await other.newPage();
  await goto(watcher, testInfo, '/login');
  await watcher.getByLabel('Email').fill(practice.email);
  await watcher.getByLabel('Password').fill('violet-kettle-harbour');
  await watcher.getByRole('button', { name: 'Sign in' }).click();
  await expect(watcher).toHaveURL(/\/app$/);
  await openDay(watcher, testInfo, monday);
  await expect(watcher.getByTestId('live-indicator')).toHaveAttribute('data-state', 'live');

  await bookAt(page, testInfo, monday, '14:00', 'Margaret Hamilton');
  await expect(watcher.getByTestId('appointment').filter({ hasText: 'Margaret Hamilton' })).toContainText('14:00–14:30');
  await other.close();
});

/** The blocks whose centre, once scrolled into view, is not a part of that block's own link. */
async function coveredCentres(blocks: Locator): Promise<string[]> {
  return blocks.evaluateAll((links) =>
    links
      .filter((link) => {
        link.scrollIntoView({ block: 'center', inline: 'center' });
        const box = link.getBoundingClientRect();
        return document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2)?.closest('a') !== link;
      })
      .map((link) => link.getAttribute('aria-label') ?? ''),
  );
}

test('a clinic of 20 practitioners: every block opens itself, and a week shows a chosen few', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const portal = await staffWithPortal(page, testInfo);
  seedBusyWeek(portal);
  const blocks = page.getByTestId('appointment');
  const shown = page.locator('.filters-panel summary');

  // The busiest day, everyone side by side: each block's centre is that block.
  await goto(page, testInfo, `/app/calendar?date=${BUSY_WEEK}`);
  await expect(blocks).toHaveCount(400);
  expect(await coveredCentres(blocks)).toEqual([]);
  const third = blocks.nth(157);
  const href = await third.getAttribute('href');
  await third.click();
  await expect(page).toHaveURL(href!);

  // A week opens on the viewer's own column: the owner works here too, and has no visits.
  await goto(page, testInfo, `/app/calendar?date=${BUSY_WEEK}&view=week`);
  await expect(shown).toHaveText('Showing Ada Lovelace · change');
  await expect(page.locator('.calendar__col-head')).toHaveCount(7);
  await expect(blocks).toHaveCount(0);

  // Asking for four shows the first three, side by side under each day, and says so.
  await shown.click();
  await page.getByRole('checkbox', { name: 'Ada Lovelace' }).uncheck();
  for (const name of ['Practitioner 1', 'Practitioner 10', 'Practitioner 11', 'Practitioner 12']) {
    await page.getByRole('checkbox', { name, exact: true }).check();
  }
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await ready(page, testInfo);
  await expect(page.getByRole('note')).toContainText('A week shows up to 3 side by side');
  await expect(shown).toHaveText('Showing Practitioner 1, Practitioner 10, Practitioner 11 · change');
  await expect(page.locator('.calendar__col-head')).toHaveCount(21);
  await expect(blocks).toHaveCount(300);
  expect(await coveredCentres(blocks)).toEqual([]);

  // The week opens on that choice again, from a plain link.
  await goto(page, testInfo, `/app/calendar?date=${BUSY_WEEK}&view=week`);
  await expect(shown).toHaveText('Showing Practitioner 1, Practitioner 10, Practitioner 11 · change');
  await expect(blocks).toHaveCount(300);

  // One tap on a name shows that practitioner's week alone: the quick way on a phone.
  const whose = page.getByRole('navigation', { name: 'Whose week' });
  await expect(whose.getByRole('link')).toHaveCount(21);
  await whose.getByRole('link', { name: 'Practitioner 7', exact: true }).click();
  await expect(shown).toHaveText('Showing Practitioner 7 · change');
  await expect(whose.getByRole('link', { name: 'Practitioner 7', exact: true })).toHaveAttribute('aria-current', 'true');
  await expect(page.locator('.calendar__col-head')).toHaveCount(7);
  await expect(blocks).toHaveCount(100);
  await screenshots(page, testInfo, "calendar, one practitioner's week");
});
