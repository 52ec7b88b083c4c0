import { expect, test, type Browser, type Page, type TestInfo } from '@playwright/test';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUSY_WEEK,
  collectErrors,
  hydrated,
  practiceWithSchedule,
  ready,
  seedBusyWeek,
  served,
  someRecords,
  sessionCookie,
  staffWithPortal,
} from './support';

// Bytes on the wire, as a fresh browser downloads them from the release build: every
// page is loaded in a new context (nothing cached), every script and WASM file it
// fetched is fetched again asking for brotli only, and the bytes the server sends are
// added up. Bytes are deterministic, so this is a check, not a timing.

const KB = 1000;

/** The budgets of issue 11, in brotli bytes as served. */
const BUDGET = {
  portal: 150 * KB,
  signIn: 200 * KB,
  calendar: 350 * KB,
  staffChunk: 100 * KB,
  portalHtml: 10 * KB,
  busyWeekHtml: 120 * KB,
};

/**
 * The pages not yet within their budget, held at what they weigh now plus about 2%: they
 * may only get lighter. Lower these as the code slims down; delete a line once its page
 * meets the budget. Last set when the public pages left the WASM and the split chunks
 * lost their `producers` sections (534, 128, 114, 114 and 107 KB).
 */
const TODAY: Record<string, number> = {
  // 530 KB until the visit and billing code (issue 14) added 23 KB to the first load,
  // 553 KB until the stock pages (issue 15) added 13 KB, and 567 KB until the stock used by
  // visits and the shell's live alert badge (stop 34; 583 KB while the badge had a server
  // function and resource of its own): every page's static text lives in the main module,
  // and each new split point fragments the shared chunks. To win back.
  // 584.0 KB until the form builder's drag and drop (stop 35: 584.2), 586 KB until the
  // calendar marked missing forms (stop 36: 590.5).
  '/app/calendar (WASM + JS)': 591.5 * KB,
  // 126 KB until the week's row of names (issue 13) and the new pages' split points;
  // 133 KB until the missing forms' mark (stop 36: 133.6).
  '/app/calendar: its own chunks': 134.5 * KB,
  // 117.7 KB until stop 35 (118.3: the shared chunks cut anew by the forms pages).
  // Stop 36: 119.5.
  '/app/staff: its own chunks': 120 * KB,
  // 117.0 until stop 35 (117.0 to 117.5: the shared chunks cut anew by the forms pages).
  '/app/account: its own chunks': 119 * KB,
  // 107 KB until the interval editor (time fields, copy to the workweek) came in at 112.
  // Stop 35: 117.2 to 117.6 KB from one build to the next.
  '/app/settings/hours: its own chunks': 119 * KB,
  // First measured when the walk reached them (stop 32): 226.1, 189.0, 154.1 and 100.6 KB.
  // The visit, the invoice and the patient page each carry their panels' whole code. The
  // invoice page then took 7.4 KB more with "Choose what it pays" (196.4).
  // 229.6 KB until the visit's materials from stock (stop 34: 234.9; stop 35: 235.6 to
  // 236.1 from one build to the next, the shared chunks cut anew by the forms pages).
  // Stop 36: 239.8 (the note of forms not filled in, and the appointment's new field).
  '/app/calendar/appointments/{id}: its own chunks': 241 * KB,
  // 85.8 KB until the usage section (stop 34: 118 KB while it had a server function and
  // resource of its own; now one load with the stock).
  '/app/stock: its own chunks': 120 * KB,
  // 199.3 KB until a line could sell a product from stock (stop 35: 204.5 to 205.5).
  '/app/invoices/{id}: its own chunks': 208 * KB,
  // 158 KB until the patient's forms (stop 36: 189.4 while they had a resource of their
  // own; 184.0 loaded with the profile). To win back.
  '/app/patients/{id}: its own chunks': 186 * KB,
  // Under 100 KB until stop 36 (100.4: the calendar's appointments carry their forms).
  '/app/calendar/new: its own chunks': 101 * KB,
  // Stop 35: 102.5 to 102.9 KB from one build to the next.
  '/app/settings/messages: its own chunks': 104 * KB,
};

async function servedBytes(url: string): Promise<number> {
  return (await served(url)).bytes;
}

/** Scripts and WASM: what the browser runs (styles and icons are not counted). */
function isCode(url: string): boolean {
  return /\/pkg\/.*\.(js|wasm)$/.test(new URL(url).pathname);
}

/** Starts recording the code files a page fetches; returns the list it fills. */
function recordCode(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => {
    if (isCode(request.url()) && !urls.includes(request.url())) urls.push(request.url());
  });
  return urls;
}

async function sum(urls: string[]): Promise<number> {
  let total = 0;
  for (const url of urls) total += await servedBytes(url);
  return total;
}

/** Waits until the page is interactive and has fetched everything it will. */
async function settled(page: Page, testInfo: TestInfo): Promise<void> {
  await page.waitForLoadState('networkidle');
  await ready(page, testInfo);
  await page.waitForLoadState('networkidle');
}

interface Row {
  what: string;
  bytes: number;
  budget: number;
  /** Whether the row must fetch something (a staff page's code), so that 0 means broken. */
  fetches?: boolean;
}

const rows: Row[] = [];

function kb(bytes: number): string {
  return `${(bytes / KB).toFixed(1)} KB`;
}

/** The first load of `path` for a fresh client (signed in with the session saved in `storage`, where given). */
async function firstLoad(
  browser: Browser,
  testInfo: TestInfo,
  base: string,
  path: string,
  storage?: string,
): Promise<number> {
  const context = await browser.newContext(storage ? { storageState: storage } : {});
  const page = await context.newPage();
  const code = recordCode(page);
  await page.goto(base + path);
  await settled(page, testInfo);
  const bytes = await sum(code);
  await context.close();
  return bytes;
}

test('every page loads within its byte budget', async ({ browser, page, baseURL }, testInfo) => {
  test.skip(!hydrated(testInfo), 'bytes are measured once, by the browser that runs scripts');
  // The walk loads every page of the app fresh: about 6 minutes beside the other specs on 2 cores.
  test.setTimeout(600_000);
  const base = baseURL!;

  // A practice with a booking page, signed in in this context.
  const portal = await staffWithPortal(page, testInfo);
  const storage = testInfo.outputPath('staff-session.json');
  await page.context().storageState({ path: storage });

  // The portal, as a patient's phone first opens it.
  await page.goto(portal);
  await page.getByRole('link', { name: /Harbour Street/ }).click();
  const services = new URL(page.url()).pathname;
  await page.getByRole('link', { name: /Physiotherapy/ }).click();
  const slots = new URL(page.url()).pathname;
  for (const [what, path] of [
    ['portal: places', portal],
    ['portal: services', services],
    ['portal: times', slots],
  ]) {
    rows.push({ what: `${what} (WASM + JS)`, bytes: await firstLoad(browser, testInfo, base, path), budget: BUDGET.portal });
    rows.push({ what: `${what} (HTML)`, bytes: await servedBytes(base + path), budget: BUDGET.portalHtml });
  }

  for (const path of ['/login', '/signup']) {
    rows.push({ what: `${path} (WASM + JS)`, bytes: await firstLoad(browser, testInfo, base, path), budget: BUDGET.signIn });
  }

  // The calendar of a clinic with 2,000 appointments a week for 20 practitioners, at its
  // heaviest: the busiest day of all 20 (400 appointments), and a week of as many as a week
  // shows (300). Each page carries its data once (an appointment's start minute appears once).
  const practitioners = seedBusyWeek(portal);
  const cookie = await sessionCookie(page);
  const week = `&practitioner=${practitioners.slice(0, 3).join('&practitioner=')}`;
  for (const [what, path, appointments] of [
    ['calendar, busiest day of 20 practitioners (HTML)', `/app/calendar?date=${BUSY_WEEK}`, 400],
    ['calendar, busy week of 3 practitioners (HTML)', `/app/calendar?date=${BUSY_WEEK}&view=week${week}`, 300],
  ] as const) {
    const html = await served(base + path, cookie);
    expect(html.text.split('data-testid="appointment"').length - 1, `${what}: blocks drawn`).toBe(appointments);
    expect(html.text.split('start_minute').length - 1, `${what}: the data is embedded once`).toBe(appointments);
    rows.push({ what, bytes: html.bytes, budget: BUDGET.busyWeekHtml });
  }

  rows.push({
    what: '/app/calendar (WASM + JS)',
    bytes: await firstLoad(browser, testInfo, base, '/app/calendar', storage),
    budget: BUDGET.calendar,
    fetches: true,
  });

  // Each staff page's own code, fetched when someone moves to it from the overview.
  const one = someRecords(portal);
  for (const path of [
    '/app/calendar',
    '/app/calendar/new',
    `/app/calendar/appointments/${one.appointment}`,
    '/app/invoices',
    `/app/invoices/${one.invoice}`,
    '/app/takings',
    '/app/stock',
    `/app/stock/${one.item}`,
    `/app/stock/${one.item}/edit`,
    `/app/patients/${one.patient}`,
    '/app/patients',
    '/app/patients/new',
    '/app/patients/import',
    '/app/staff',
    '/app/account',
    '/app/settings',
    '/app/settings/services',
    '/app/settings/places',
    '/app/settings/forms',
    '/app/settings/hours',
    '/app/settings/invoices',
    '/app/settings/messages',
    '/app/settings/messages/log',
    '/app/settings/messages/wording',
    '/app/settings/online-booking',
    '/app/settings/branches',
    '/app/settings/organization',
    '/app/settings/security',
    '/app/settings/audit',
  ]) {
    const context = await browser.newContext({ storageState: storage });
    const staff = await context.newPage();
    await staff.goto(base + '/app');
    await settled(staff, testInfo);
    const code = recordCode(staff);
    const errors = collectErrors(staff);
    // A link the router handles, as a click in the navigation would be.
    await staff.evaluate((to) => {
      const link = document.createElement('a');
      link.href = to;
      document.body.append(link);
      link.click();
    }, path);
    await expect(staff).toHaveURL(base + path);
    await staff.waitForLoadState('networkidle');
    await expect(staff.locator('h1')).toBeVisible();
    expect(errors, `console errors on ${path}`).toEqual([]);
    const name = path.replace(/[0-9a-f-]{36}/, '{id}');
    rows.push({ what: `${name}: its own chunks`, bytes: await sum(code), budget: BUDGET.staffChunk, fetches: true });
    await context.close();
  }

  // Every chunk the build made, for the record.
  const pkg = join(__dirname, '..', '..', 'target', 'site', 'pkg');
  const wasm = readdirSync(pkg).filter((name) => name.endsWith('.wasm'));
  const raw = wasm.reduce((total, name) => total + statSync(join(pkg, name)).size, 0);
  const brotli = wasm.reduce((total, name) => total + statSync(join(pkg, `${name}.br`)).size, 0);

  const width = Math.max(...rows.map((row) => row.what.length));
  const cell = (bytes?: number) => (bytes === undefined ? '' : kb(bytes)).padStart(9);
  const table = [
    `${'first load of'.padEnd(width)}  ${'brotli'.padStart(9)}  ${'budget'.padStart(9)}  ${'held at'.padStart(9)}`,
    ...rows.map(
      (row) =>
        `${row.what.padEnd(width)}  ${cell(row.bytes)}  ${cell(row.budget)}  ${cell(TODAY[row.what])}${row.bytes > row.budget ? '  over budget' : ''}`,
    ),
    `all ${wasm.length} WASM files: ${kb(raw)} raw, ${kb(brotli)} brotli`,
  ].join('\n');
  console.log(`\nBytes on the wire\n${table}\n`);
  for (const row of rows) {
    const limit = TODAY[row.what] ?? row.budget;
    expect.soft(row.bytes, `${row.what}: ${kb(row.bytes)} against a limit of ${kb(limit)}`).toBeLessThanOrEqual(limit);
    if (row.fetches) expect.soft(row.bytes, `${row.what} fetched nothing`).toBeGreaterThan(0);
  }
  // A page that meets its budget drops its line from TODAY, so that it stays there.
  for (const what of Object.keys(TODAY)) {
    const row = rows.find((r) => r.what === what);
    expect.soft(row, `TODAY names a row the table does not have: ${what}`).toBeDefined();
    if (row) expect.soft(row.bytes, `${what} meets its budget now: delete its line from TODAY`).toBeGreaterThan(row.budget);
  }
});

test('a browser with JavaScript off downloads no script and no WASM', async ({ page }, testInfo) => {
  test.skip(hydrated(testInfo), 'only a browser without JavaScript');
  const code = recordCode(page);
  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await practiceWithSchedule(page, testInfo);
  await page.goto('/app/calendar');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await page.waitForLoadState('networkidle');
  expect(code).toEqual([]);
});
