/**
 * 规则说明 and 朗读 end to end: an elder follows "为什么是这个价格?" from the meal price to the
 * subsidy rules, in both languages; every service's rule page and the index pass axe. In elder
 * mode with JavaScript the header offers read-aloud, which reads the page's main text in the
 * page's language; without JavaScript, in the standard mode, or where the browser cannot speak,
 * there is no such control.
 */
import { test, expect, signIn, bindRealName, uniquePhone, validIdNumber, setLanguage } from '../fixtures';
import type { Page } from '@playwright/test';

test.describe.configure({ timeout: 120_000 });

/** An ID number of someone born between 1940 and 1955 (over 70 on the test clock). */
function elderIdNumber(): string {
  const year = 1940 + Math.floor(Math.random() * 16);
  const month = String(1 + Math.floor(Math.random() * 12)).padStart(2, '0');
  const day = String(1 + Math.floor(Math.random() * 28)).padStart(2, '0');
  return validIdNumber(`${year}${month}${day}`, Math.floor(Math.random() * 1000));
}

/** The read-aloud group in the header (named in the page's language). */
function readAloud(page: Page) {
  return page.getByRole('group', { name: /^(朗读本页|Read this page aloud)$/ });
}

test('an elder follows "why this price" from the meal price to the subsidy rules, in both languages', async ({ page, axe }) => {
  await test.step('the elder opens tomorrow\'s lunch and asks why the price is what it is', async () => {
    await signIn(page, uniquePhone());
    await bindRealName(page, '李秀兰', elderIdNumber());
    await page.goto('/meals');
    await page.getByRole('group', { name: '为自己订餐' }).getByRole('link', { name: /11月24日.*午餐/ }).click();
    await page.waitForURL((u) => u.pathname === '/meals/menu');
    await page.getByRole('link', { name: '为什么是这个价格？' }).click();
    await page.waitForURL((u) => u.pathname === '/rules/meals');
  });

  await test.step('the rules page shows the tiers, the caps and the demo marks', async () => {
    await expect(page.getByRole('heading', { level: 1, name: '老年助餐补贴规则' })).toBeVisible();
    const tiers = page.getByRole('table', { name: /每餐补贴/ });
    await expect(tiers.getByRole('row')).toHaveCount(6);
    await expect(tiers.getByRole('cell', { name: /^年满80周岁$/ })).toBeVisible();
    await expect(tiers.getByText(/元（演示数值）$/).first()).toBeVisible();
    await expect(page.getByRole('heading', { name: '补贴次数上限' })).toBeVisible();
    await axe(page, '/rules/meals');
  });

  await test.step('the same page in English', async () => {
    await setLanguage(page, 'en');
    await expect(page.getByRole('heading', { level: 1, name: 'Elder meal subsidy rules' })).toBeVisible();
    await expect(page.getByText(/\(demo figure\)$/).first()).toBeVisible();
    await axe(page, '/rules/meals (English)');
    await setLanguage(page, 'zh-CN');
  });
});

const PAGES: [string, string, string][] = [
  ['/rules/marriage', '结婚登记预约规则', 'Marriage appointment rules'],
  ['/rules/divorce', '离婚冷静期规则', 'Divorce cooling-off rules'],
  ['/rules/after-death', '身后事一件事规则', 'After-death bundle rules'],
  ['/rules/timebank', '时间银行规则', 'Time bank rules'],
];

test('the index lists every rule page, and each passes axe in both languages', async ({ page, axe }) => {
  await page.goto('/rules');
  await expect(page.getByRole('heading', { level: 1, name: '规则说明' })).toBeVisible();
  await axe(page, '/rules');
  for (const [path, zh] of PAGES) {
    await test.step(`${path} from the index`, async () => {
      await page.goto('/rules');
      await page.getByRole('link', { name: zh, exact: true }).click();
      await page.waitForURL((u) => u.pathname === path);
      await expect(page.getByRole('heading', { level: 1, name: zh })).toBeVisible();
      await axe(page, path);
    });
  }
  await setLanguage(page, 'en');
  for (const [path, , en] of PAGES) {
    await test.step(`${path} in English`, async () => {
      await page.goto(path);
      await expect(page.getByRole('heading', { level: 1, name: en })).toBeVisible();
      await axe(page, `${path} (English)`);
    });
  }
  await page.goto('/rules');
  await expect(page.getByRole('heading', { level: 1, name: 'Rules explained' })).toBeVisible();
  await axe(page, '/rules (English)');
  await setLanguage(page, 'zh-CN');
});

test('read-aloud is offered in elder mode with JavaScript only, and reads the page in its language', async ({ page, jsEnabled }, info) => {
  const elder = info.project.name.endsWith('-elder');
  if (!elder || !jsEnabled) {
    await page.goto('/rules/divorce');
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(readAloud(page)).toHaveCount(0);
    await expect(page.getByRole('button', { name: /^(朗读|Listen)$/ })).toHaveCount(0);
    return;
  }

  await test.step('where the browser cannot speak there is no control', async () => {
    const mute = await page.context().newPage();
    await mute.addInitScript(() => {
      Object.defineProperty(window, 'speechSynthesis', { value: undefined, configurable: true });
    });
    await mute.goto('/rules/divorce');
    await expect(mute.getByRole('heading', { level: 1 })).toBeVisible();
    await mute.waitForLoadState('load');
    await expect(readAloud(mute)).toHaveCount(0);
    await mute.close();
  });

  // A speech engine that records what it is asked to say (headless Chromium has no voices).
  await page.addInitScript(() => {
    const spoken: { text: string; lang: string }[] = [];
    (window as unknown as { spoken: typeof spoken }).spoken = spoken;
    const fake = {
      paused: false,
      speaking: false,
      getVoices: () => [],
      speak: (u: SpeechSynthesisUtterance) => { spoken.push({ text: u.text, lang: u.lang }); },
      cancel: () => {},
      pause: () => { fake.paused = true; },
      resume: () => { fake.paused = false; },
    };
    Object.defineProperty(window, 'speechSynthesis', { value: fake, configurable: true });
  });
  const spoken = () => page.evaluate(() => (window as unknown as { spoken: { text: string; lang: string }[] }).spoken);

  await test.step('the control is in the header, labelled, at least 60 px, and reads the main text in Chinese', async () => {
    await page.goto('/rules/divorce');
    const group = readAloud(page);
    await expect(group).toBeVisible();
    const listen = group.getByRole('button', { name: '朗读', exact: true });
    await expect(listen).toBeVisible();
    const box = await listen.boundingBox();
    expect(box && box.height >= 60 && box.width >= 60, `朗读 is ${box?.width}×${box?.height}`).toBe(true);
    await listen.click();
    const said = await spoken();
    expect(said.length).toBeGreaterThan(1);
    expect(said[0]).toEqual({ text: '离婚冷静期规则', lang: 'zh-CN' });
    expect(said.map((s) => s.text).join('\n')).toContain('冷静期');
    const pause = group.getByRole('button', { name: '暂停', exact: true });
    await expect(pause).toBeFocused();
    for (const b of [pause, group.getByRole('button', { name: '停止', exact: true })]) {
      const size = await b.boundingBox();
      expect(size && size.height >= 60 && size.width >= 60, `a reading control is ${size?.width}×${size?.height}`).toBe(true);
    }
    await pause.click();
    await expect(group.getByRole('button', { name: '继续', exact: true })).toBeVisible();
    await group.getByRole('button', { name: '停止', exact: true }).click();
    await expect(listen).toBeVisible();
    await expect(listen).toBeFocused();
  });

  await test.step('in English it reads with an English voice', async () => {
    await setLanguage(page, 'en');
    const listen = readAloud(page).getByRole('button', { name: 'Listen', exact: true });
    await listen.click();
    const said = await spoken();
    expect(said[0]).toEqual({ text: 'Divorce cooling-off rules', lang: 'en-US' });
    await setLanguage(page, 'zh-CN');
  });
});
