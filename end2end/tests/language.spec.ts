/**
 * 中文 / English: the language switch in the header; zh-CN is the default, the choice is kept
 * in a cookie so the server renders the chosen language on the first byte.
 */
import { test, expect, languageSwitch, pageLang } from '../fixtures';

test('the language switch changes between Chinese and English and is remembered', async ({ page, axe }) => {
  await page.goto('/');
  expect(await pageLang(page)).toBe('zh-CN');
  await expect(page.getByRole('heading', { level: 1, name: '首页' })).toBeVisible();

  await test.step('switching to English', async () => {
    await languageSwitch(page).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Home', exact: true })).toBeVisible();
    expect(await pageLang(page)).toBe('en');
    await axe(page, '/ (English)');
  });

  await test.step('English survives a reload and other pages', async () => {
    await page.reload();
    expect(await pageLang(page)).toBe('en');
    await expect(page.getByRole('heading', { level: 1, name: 'Home', exact: true })).toBeVisible();
    await page.goto('/signin');
    expect(await pageLang(page)).toBe('en');
    await expect(page.getByRole('heading', { level: 1, name: 'Resident sign-in' })).toBeVisible();
    const raw = await (await page.request.get('/signin')).text();
    expect(raw, 'the server renders English itself').toMatch(/<html[^>]*lang="en"/);
    await axe(page, '/signin (English)');
  });

  await test.step('switching back to Chinese', async () => {
    await page.goto('/');
    await languageSwitch(page).click();
    await expect(page.getByRole('heading', { level: 1, name: '首页' })).toBeVisible();
    expect(await pageLang(page)).toBe('zh-CN');
    await page.reload();
    expect(await pageLang(page)).toBe('zh-CN');
    await expect(page.getByRole('heading', { level: 1, name: '首页' })).toBeVisible();
  });
});

test('a browser that prefers English gets English until it chooses otherwise', async ({ browser, baseURL, viewport, javaScriptEnabled }) => {
  const context = await browser.newContext({ baseURL, viewport, javaScriptEnabled, locale: 'en-GB', isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto('/');
  expect(await pageLang(page)).toBe('en');
  await languageSwitch(page).click();
  await expect(page.getByRole('heading', { level: 1, name: '首页' })).toBeVisible();
  await page.reload();
  expect(await pageLang(page)).toBe('zh-CN');
  await context.close();
});
