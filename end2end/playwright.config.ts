import { defineConfig } from '@playwright/test';
import path from 'node:path';

/**
 * End-to-end journeys of 民政一件事 (DESIGN.md §6 convention 11): Debian's Chromium at a
 * phone viewport, every journey with JavaScript on and off, axe on every page, a fixed clock.
 *
 * Run from this folder: `npx playwright test` (the release build must exist:
 * `../target/release/server` and `../target/site`). Set `E2E_BASE_URL` to test a server you
 * started yourself; then `webServer` is only used when nothing answers at that address.
 */
/** Shifts every port of the run (the main server and the time servers), so that two checkouts
 * can run their journeys on one machine at once: `E2E_PORT_OFFSET=100 npx playwright test`. */
export const PORT_OFFSET = Number(process.env.E2E_PORT_OFFSET ?? 0);
const baseURL = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${3100 + PORT_OFFSET}`;
const repoRoot = path.resolve(__dirname, '..');

/** Elder mode (长辈版) from the first byte: the cookie the header's switch sets. */
const elderMode = {
  cookies: [
    { name: 'mz_elder', value: '1', domain: new URL(baseURL).hostname, path: '/', expires: -1, httpOnly: false, secure: false, sameSite: 'Lax' as const },
  ],
  origins: [],
};
/** The journeys through signed-in pages run again in elder mode, so axe sees every page in both modes. */
const journeys = /(signin|staff|marriage|divorce|appointments|after-death|meals|timebank|elders|affairs|rules)\.spec\.ts/;

/** Ports of the servers with a settable clock: one per project for the marriage journeys
 * (3101–3104), one per project for the divorce journeys (3105–3108) and one per project for
 * the counter confirmation and peak-day journeys (3109–3112) and one per project for the time
 * bank's sign-in and sign-out (3113–3116). */
export const TIME_SERVERS = [3101, 3102, 3103, 3104, 3105, 3106, 3107, 3108, 3109, 3110, 3111, 3112, 3113, 3114, 3115, 3116].map((p) => p + PORT_OFFSET);

function serverEnv(bind: string, dir: string): Record<string, string> {
  return {
    BIND_ADDR: bind,
    DATABASE_URL: `sqlite://${dir}/mz.db`,
    FILES_DIR: `${dir}/files`,
    APP_ENV: 'development',
    DEMO_DATA: 'true',
    LEPTOS_SITE_ROOT: 'target/site',
    OTP_PER_ADDRESS_PER_HOUR: '100000',
    VERIFY_PER_ADDRESS_PER_HOUR: '100000',
    OTP_PER_NUMBER_PER_HOUR: '1000',
    CLOCK_START: '2026-11-23T02:00:00Z',
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
  };
}

export default defineConfig({
  testDir: 'tests',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    browserName: 'chromium',
    launchOptions: {
      // Debian's Chromium: `npx playwright install` would download a browser, which fails here.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    trace: 'retain-on-failure',
    // A page that never finishes loading is a failure in itself: say so quickly and clearly.
    navigationTimeout: 15_000,
    actionTimeout: 15_000,
  },
  projects: [
    {
      name: 'phone-js',
      use: { javaScriptEnabled: true },
    },
    {
      name: 'phone-nojs',
      use: { javaScriptEnabled: false },
      testIgnore: /.*\.js-only\.spec\.ts/,
    },
    {
      name: 'phone-js-elder',
      use: { javaScriptEnabled: true, storageState: elderMode },
      testMatch: journeys,
    },
    {
      name: 'phone-nojs-elder',
      use: { javaScriptEnabled: false, storageState: elderMode },
      testMatch: journeys,
      testIgnore: /.*\.js-only\.spec\.ts/,
    },
  ],
  webServer: [
    {
      // A fresh database per run; demo staff accounts; the dev SMS gateway shows the code on the
      // page; limits raised so parallel sign-ins from 127.0.0.1 never trip them; a fixed start
      // for the clock (it then runs), so dates on pages do not depend on the day of the run.
      command: "bash -c 'rm -rf target/e2e && mkdir -p target/e2e && exec ./target/release/server'",
      cwd: repoRoot,
      env: serverEnv(`127.0.0.1:${3100 + PORT_OFFSET}`, 'target/e2e'),
      url: `http://127.0.0.1:${3100 + PORT_OFFSET}/healthz`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    // One server per project whose clock the marriage journey may set (CLOCK_CONTROL): a couple
    // books for a later day, then the clerk checks them in on that day. Its own server, so
    // moving its clock never disturbs the journeys running in parallel.
    ...TIME_SERVERS.map((port) => ({
      command: `bash -c 'rm -rf target/e2e-${port} && mkdir -p target/e2e-${port} && exec ./target/release/server'`,
      cwd: repoRoot,
      env: { ...serverEnv(`127.0.0.1:${port}`, `target/e2e-${port}`), CLOCK_CONTROL: 'true' },
      url: `http://127.0.0.1:${port}/healthz`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: 'pipe' as const,
      stderr: 'pipe' as const,
    })),
  ],
});
