/**
 * 长辈版: large type and large targets, chosen with the header's switch and remembered in a
 * cookie, so the server renders the right size on the first byte (DESIGN.md §5).
 */
import { test, expect, elderSwitch, pageMode, visibleTargets, type Target } from '../fixtures';
import type { Page } from '@playwright/test';

/** Elder mode: targets of at least 60×60 CSS px (national elder-friendly app specification). */
const ELDER_TARGET = 60;
/** Default mode: targets at least 44 CSS px tall. */
const DEFAULT_TARGET_HEIGHT = 44;

function describe(targets: Target[]): string[] {
  return targets.map((t) => `${t.role} "${t.name}" ${t.width}×${t.height}`);
}

async function bodyFontSize(page: Page): Promise<number> {
  return page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
}

test('the elder-mode switch turns on large type and large targets, and off again', async ({ page }) => {
  await page.goto('/');
  const button = elderSwitch(page);
  await expect(button).toBeVisible();
  await expect(button).toHaveAttribute('aria-pressed', 'false');
  expect(await pageMode(page)).toBe('standard');

  await button.click();
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await page.reload();

  await test.step('after a reload the page is in elder mode from the first byte', async () => {
    expect(await pageMode(page)).toBe('elder');
    await expect(elderSwitch(page)).toHaveAttribute('aria-pressed', 'true');
    const raw = await (await page.request.get('/')).text();
    expect(raw, 'the server renders data-mode="elder" itself').toMatch(/<html[^>]*data-mode="elder"/);
  });

  await test.step('body text is at least 24 px', async () => {
    expect(await bodyFontSize(page)).toBeGreaterThanOrEqual(24);
  });

  for (const path of ['/', '/signin']) {
    await test.step(`every visible target on ${path} is at least 60×60`, async () => {
      if (new URL(page.url()).pathname !== path) await page.goto(path);
      const targets = await visibleTargets(page);
      expect(targets.length).toBeGreaterThan(0);
      const small = targets.filter((t) => t.width < ELDER_TARGET || t.height < ELDER_TARGET);
      expect.soft(describe(small), `targets smaller than 60×60 on ${path} in elder mode`).toEqual([]);
    });
  }

  await test.step('pressing the switch again turns elder mode off', async () => {
    await page.goto('/');
    await elderSwitch(page).click();
    await expect(elderSwitch(page)).toHaveAttribute('aria-pressed', 'false');
    await page.reload();
    expect(await pageMode(page)).toBe('standard');
    await expect(elderSwitch(page)).toHaveAttribute('aria-pressed', 'false');
    expect(await bodyFontSize(page)).toBeLessThan(24);
  });
});

test('in the default mode every visible target is at least 44 px tall', async ({ page }) => {
  for (const path of ['/', '/signin', '/staff/signin']) {
    await page.goto(path);
    expect(await pageMode(page)).toBe('standard');
    const targets = await visibleTargets(page);
    expect(targets.length).toBeGreaterThan(0);
    const short = targets.filter((t) => t.height < DEFAULT_TARGET_HEIGHT);
    expect.soft(describe(short), `targets under 44 px tall on ${path}`).toEqual([]);
  }
});

test('pages in elder mode pass axe', async ({ page, axe, setElder }) => {
  await page.goto('/');
  await setElder(page, true);
  for (const path of ['/', '/signin', '/staff/signin']) {
    await page.goto(path);
    expect(await pageMode(page)).toBe('elder');
    await axe(page, `${path} (elder mode)`);
  }
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  expect(await pageMode(page)).toBe('elder');
  await expect(page.getByRole('heading', { level: 1, name: '找不到这个页面' })).toBeVisible();
  await axe(page, '404 page (elder mode)');
});
