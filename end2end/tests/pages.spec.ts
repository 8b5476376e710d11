/**
 * The public pages in every display variant: default, 长辈版 (elder mode) and English, each
 * checked with axe; and the real 404 page.
 */
import { test, expect, pageLang, pageMode } from '../fixtures';

const PAGES = ['/', '/signin', '/staff/signin', '/no-such-page'];

const VARIANTS: { name: string; cookies: { name: string; value: string }[]; mode: string; lang: string }[] = [
  { name: 'default', cookies: [], mode: 'standard', lang: 'zh-CN' },
  { name: 'elder mode', cookies: [{ name: 'mz_elder', value: '1' }], mode: 'elder', lang: 'zh-CN' },
  { name: 'English', cookies: [{ name: 'mz_lang', value: 'en' }], mode: 'standard', lang: 'en' },
  {
    name: 'English elder mode',
    cookies: [
      { name: 'mz_lang', value: 'en' },
      { name: 'mz_elder', value: '1' },
    ],
    mode: 'elder',
    lang: 'en',
  },
];

test('an unknown address gets a real 404 page', async ({ page, axe }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: '找不到这个页面' })).toBeVisible();
  await expect(page.getByRole('link', { name: '返回首页' })).toBeVisible();
  await axe(page, '404 page');
});

for (const variant of VARIANTS) {
  test(`the public pages pass axe in ${variant.name}`, async ({ page, context, baseURL, axe }) => {
    if (variant.cookies.length > 0) {
      await context.addCookies(variant.cookies.map((c) => ({ ...c, url: baseURL! })));
    }
    for (const path of PAGES) {
      const response = await page.goto(path);
      expect(response?.status(), `status of ${path}`).toBe(path === '/no-such-page' ? 404 : 200);
      expect(await pageMode(page), `data-mode of ${path}`).toBe(variant.mode);
      expect(await pageLang(page), `lang of ${path}`).toBe(variant.lang);
      await expect(page.getByRole('heading', { level: 1 })).toHaveCount(1);
      await expect(page.getByRole('main')).toBeVisible();
      await axe(page, `${path} (${variant.name})`);
    }
  });
}
