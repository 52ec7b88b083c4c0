import { defineConfig } from '@playwright/test';

// scripts/test starts a release build of CareOps on a fresh database and sets BASE_URL.
const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

// Debian's Chromium, never a downloaded browser; no background traffic off this machine.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};

export default defineConfig({
  testDir: './tests',
  // A whole clinic's flow (sign-up, hours, a service, then the test itself) runs 20–33 s
  // hydrated on a busy 2-core machine: a minute leaves room without hiding a hang.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  forbidOnly: true,
  retries: 0,
  workers: 2,
  // The HTML report keeps what tests attach (screenshots of the main pages at phone and
  // desktop width): `npx playwright show-report` in end2end/ after a run.
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  outputDir: './test-results',
  use: {
    baseURL,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions,
  },
  projects: [
    { name: 'hydrated', use: { javaScriptEnabled: true } },
    { name: 'no-js', use: { javaScriptEnabled: false } },
  ],
});
