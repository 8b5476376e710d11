/**
 * The web app manifest: served, with a name and icons that load.
 */
import { test, expect } from '../fixtures';

test('the web app manifest names the app and its icons load', async ({ request }) => {
  const response = await request.get('/manifest.webmanifest');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type'] ?? '').toMatch(/application\/(manifest\+)?json/);
  const manifest = await response.json();
  expect(typeof manifest.name).toBe('string');
  expect(manifest.name.length).toBeGreaterThan(0);
  expect(Array.isArray(manifest.icons)).toBe(true);
  expect(manifest.icons.length).toBeGreaterThan(0);
  for (const icon of manifest.icons as { src: string; sizes?: string; type?: string }[]) {
    expect(typeof icon.src).toBe('string');
    const url = new URL(icon.src, response.url());
    const got = await request.get(url.toString());
    expect(got.status(), `icon ${icon.src}`).toBe(200);
    if (icon.type) {
      expect(got.headers()['content-type'] ?? '', `content type of ${icon.src}`).toContain(icon.type.split(';')[0]);
    }
  }
});

test('every page links the manifest', async ({ request }) => {
  const html = await (await request.get('/')).text();
  expect(html).toMatch(/<link(?=[^>]*rel="manifest")(?=[^>]*href="\/manifest\.webmanifest")[^>]*>/);
});
