import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// scripts/bench's browser half: numbers printed as a table, not tests. One browser at a
// time, so that the measurements do not share the two cores with each other.
export default defineConfig({
  ...base,
  testDir: './bench',
  testMatch: '*.bench.ts',
  timeout: 600_000,
  workers: 1,
  fullyParallel: false,
  // A trace records DOM snapshots inside the page: it would be measured with it.
  use: { ...base.use, trace: 'off', screenshot: 'off' },
  projects: [{ name: 'hydrated', use: { javaScriptEnabled: true } }],
});
