import { expect, type Page, type TestInfo } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';

/** An email nobody else in this run uses. */
export function uniqueEmail(prefix = 'owner'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@e2e.careops.test`;
}

export const PASSWORD = 'violet-kettle-harbour';

/** Whether this project runs with JavaScript (and so hydration). */
export function hydrated(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/**
 * Waits until the page can be used: with JavaScript, until the WASM has hydrated it (a
 * click before that is lost); without, or on a page that loads no WASM (the portal), it
 * already is.
 */
export async function ready(page: Page, testInfo: TestInfo): Promise<void> {
  if (hydrated(testInfo) && (await loadsWasm(page))) {
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  }
}

/** Whether the page runs the app's WASM: the staff app does, the portal does not. */
export async function loadsWasm(page: Page): Promise<boolean> {
  return (await page.locator('script[type="module"]').count()) > 0;
}

export async function goto(page: Page, testInfo: TestInfo, path: string): Promise<void> {
  await page.goto(path);
  await ready(page, testInfo);
}

export interface Practice {
  orgName: string;
  branchName: string;
  fullName: string;
  email: string;
  /** At sign-up: the branch's time zone (Europe/Berlin unless given), the currency's code
   * (the zone's own unless given), the branch's address. */
  timezone?: string;
  currency?: string;
  address?: string;
}

/** Signs a new practice up through the form and waits for the app. */
export async function signUp(page: Page, testInfo: TestInfo, overrides: Partial<Practice> = {}): Promise<Practice> {
  const practice: Practice = {
    orgName: `Harbour Physio ${randomUUID().slice(0, 4)}`,
    branchName: 'Harbour Street',
    fullName: 'Ada Lovelace',
    email: uniqueEmail(),
    ...overrides,
  };
  await goto(page, testInfo, '/signup');
  await page.getByLabel('Organization name').fill(practice.orgName);
  await page.getByLabel('First branch').fill(practice.branchName);
  await page.getByLabel('Time zone of that branch').fill(practice.timezone ?? 'Europe/Berlin');
  if (practice.currency) await page.getByLabel('Currency').selectOption(practice.currency);
  if (practice.address) await page.getByLabel('Address of that branch').fill(practice.address);
  await page.getByLabel('Full name').fill(practice.fullName);
  await page.getByLabel('Email').fill(practice.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/app$/);
  await ready(page, testInfo);
  return practice;
}

export async function logIn(page: Page, testInfo: TestInfo, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function logOut(page: Page, fullName: string): Promise<void> {
  await page.getByText(fullName, { exact: false }).first().click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login/);
}

/** A Monday at least a week ahead, as YYYY-MM-DD. */
export function nextMonday(): string {
  const day = new Date();
  day.setUTCDate(day.getUTCDate() + 7 + ((8 - day.getUTCDay()) % 7));
  return day.toISOString().slice(0, 10);
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "Monday 30 November", as the portal names a day. */
export function dayLabel(isoDate: string): string {
  const d = new Date(`${isoDate}T12:00:00Z`);
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** Signs a practice up and gives it what booking needs: hours, a room, a service. */
export async function practiceWithSchedule(page: Page, testInfo: TestInfo, overrides: Partial<Practice> = {}): Promise<Practice> {
  const practice = await signUp(page, testInfo, overrides);
  // Monday's hours, copied to the rest of the week (which saves them).
  await goto(page, testInfo, '/app/settings/hours');
  await page.getByLabel('Monday from', { exact: true }).fill('08:00');
  await page.getByLabel('Monday until', { exact: true }).fill('18:00');
  await page.getByRole('button', { name: "Copy Monday's hours to Monday–Friday" }).click();
  // Hydrated, the save runs in the background: leaving before it answers would cancel it.
  if (hydrated(testInfo)) {
    await expect(page.getByRole('status').filter({ hasText: 'Hours saved.' })).toBeVisible();
  }
  await expect(page.getByLabel('Friday from', { exact: true })).toHaveValue('08:00');
  await expect(page.getByLabel('Friday until', { exact: true })).toHaveValue('18:00');

  await goto(page, testInfo, '/app/settings/places');
  const rooms = page.getByRole('region', { name: 'Rooms' });
  await rooms.getByLabel('Name').fill('Room 1');
  await rooms.getByLabel('Kind').fill('treatment');
  await rooms.getByRole('button', { name: 'Add room' }).click();
  await expect(rooms.locator('input[value="Room 1"]')).toBeVisible();

  await goto(page, testInfo, '/app/settings/services');
  await page.getByLabel('Name').fill('Physiotherapy');
  await page.getByLabel('Length (minutes)').fill('30');
  await page.getByLabel(/^Price \(/).fill('50');
  await page.getByLabel('Room it needs (kind)').fill('treatment');
  await page.getByRole('button', { name: 'Add service' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Physiotherapy');
  return practice;
}

/** Books a new patient for next Monday at `time` from the staff calendar, and opens the appointment's page. */
export async function bookAndOpen(page: Page, testInfo: TestInfo, time: string, patient: string): Promise<void> {
  const monday = nextMonday();
  await goto(page, testInfo, `/app/calendar/new?date=${monday}`);
  await page.getByLabel('Start time').fill(time);
  await page.getByLabel("New patient's name").fill(patient);
  await page.getByLabel("New patient's phone").fill('+44 20 7946 0958');
  await page.getByRole('button', { name: 'Book' }).click();
  await expect(page).toHaveURL(new RegExp(`/app/calendar\\?date=${monday}`));
  await ready(page, testInfo);
  await page.getByTestId('appointment').filter({ hasText: patient }).first().click();
  await expect(page).toHaveURL(/\/app\/calendar\/appointments\//);
  await ready(page, testInfo);
}

/** A practice with a schedule, signed in on `staff`; answers its booking page's path. */
export async function staffWithPortal(staff: Page, testInfo: TestInfo, overrides: Partial<Practice> = {}): Promise<string> {
  await practiceWithSchedule(staff, testInfo, overrides);
  await goto(staff, testInfo, '/app/settings/online-booking');
  const url = await staff.getByTestId('portal-url').textContent();
  expect(url).toMatch(/\/book\/[a-z0-9-]+$/);
  return new URL(url!).pathname;
}

/** Attaches screenshots of the page as it is, at desktop and at phone width, to the report. */
export async function screenshots(page: Page, testInfo: TestInfo, what: string): Promise<void> {
  const size = page.viewportSize();
  for (const [width, height, label] of [[1280, 800, 'desktop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width, height });
    await testInfo.attach(`${what} (${label})`, { body: await page.screenshot({ fullPage: true }), contentType: 'image/png' });
  }
  if (size) await page.setViewportSize(size);
}

/** Collects uncaught exceptions and console errors from now on (a panic in the WASM is both). */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  return errors;
}

/** The Monday of the week `seedBusyWeek` fills. */
export const BUSY_WEEK = '2031-03-03';

/**
 * Gives the organization whose booking page is at `portalPath` the busy week of
 * `tests/fixtures/busy_week.sql` (2,000 appointments, 20 practitioners), written straight
 * into the database scripts/test made for this run (`E2E_DATABASE_URL`). Answers the
 * new practitioners' ids, in the calendar's order (by name).
 */
export function seedBusyWeek(portalPath: string): string[] {
  const database = process.env.E2E_DATABASE_URL;
  if (!database) throw new Error('E2E_DATABASE_URL is not set: scripts/test sets it');
  const slug = portalPath.split('/')[2];
  const fixture = readFileSync(join(__dirname, '..', '..', 'tests', 'fixtures', 'busy_week.sql'), 'utf8');
  const script = [
    `select id as org from organizations where slug = :'slug' \\gset`,
    `prepare busy_week(uuid) as ${fixture.replace(/;\s*$/, '')};`,
    `execute busy_week(:'org');`,
    'analyze;',
    `select id from users where org_id = :'org' and email like 'busy%' order by full_name, id;`,
  ].join('\n');
  const ids = execFileSync('psql', ['-q', '-X', '-tA', '-v', 'ON_ERROR_STOP=1', '-v', `slug=${slug}`, database], {
    input: script,
    encoding: 'utf8',
  });
  return ids.split('\n').filter((id) => /^[0-9a-f-]{36}$/.test(id));
}

/**
 * The first appointment of the practice behind `portalPath` (after `seedBusyWeek`), its
 * patient, and a draft invoice made for that patient: records for the pages about one.
 */
export function someRecords(portalPath: string): { appointment: string; patient: string; invoice: string; item: string } {
  const database = process.env.E2E_DATABASE_URL;
  if (!database) throw new Error('E2E_DATABASE_URL is not set: scripts/test sets it');
  const slug = portalPath.split('/')[2];
  const script = [
    `select id as org, currency from organizations where slug = :'slug' \\gset`,
    `select id as appointment, patient_id as patient, branch_id as branch from appointments
       where org_id = :'org' order by starts_at, id limit 1 \\gset`,
    `insert into invoices (org_id, branch_id, patient_id, currency, tax_mode)
       values (:'org', :'branch', :'patient', :'currency', 'exclusive') returning id as invoice \\gset`,
    `insert into inventory_items (org_id, name) values (:'org', 'Needles') returning id as item \\gset`,
    `select :'appointment' || ' ' || :'patient' || ' ' || :'invoice' || ' ' || :'item';`,
  ].join('\n');
  const out = execFileSync('psql', ['-q', '-X', '-tA', '-v', 'ON_ERROR_STOP=1', '-v', `slug=${slug}`, database], {
    input: script,
    encoding: 'utf8',
  }).trim();
  const [appointment, patient, invoice, item] = out.split(' ');
  return { appointment, patient, invoice, item };
}

/** `url` as a browser that accepts brotli only gets it: the bytes sent, and the text. */
export function served(url: string, cookie = ''): Promise<{ bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'br', cookie } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const body = Buffer.concat(chunks);
          const decoded = response.headers['content-encoding'] === 'br' ? brotliDecompressSync(body) : body;
          resolve({ bytes: body.length, text: decoded.toString('utf8') });
        });
      })
      .on('error', reject);
  });
}

/** The session of `page` as a Cookie header, for requests made outside the browser. */
export async function sessionCookie(page: Page): Promise<string> {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}
