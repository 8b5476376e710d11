/**
 * 老年助餐 end to end: an elder orders tomorrow's lunch from the home page in three taps and
 * sees the price line by line; a daughter asks to order for her father, he confirms, she orders
 * today's dinner for him, he sees who ordered it, and the canteen serves it by its pick-up code.
 * Axe on every page.
 */
import { test, expect, signIn, bindRealName, uniquePhone, uniqueIdNumber, elderIdNumber, staffSignIn, expectOnFirstScreen, setLanguage } from '../fixtures';

test.describe.configure({ timeout: 180_000 });

test('an elder orders tomorrow\'s lunch in three taps from home, priced line by line', async ({ page, axe }) => {
  await test.step('the elder signs in and binds a real name', async () => {
    await signIn(page, uniquePhone());
    await bindRealName(page, '张桂英', elderIdNumber());
  });

  await test.step('tap 1: the home tile; tap 2: tomorrow\'s lunch; tap 3: 下单', async () => {
    await page.goto('/');
    await page.getByRole('link', { name: /^老年助餐/ }).click();
    await page.waitForURL((u) => u.pathname === '/meals');
    await expect(page.getByText('助餐不收预付款', { exact: false })).toBeVisible();
    await axe(page, '/meals');
    await page.getByRole('group', { name: '为自己订餐' }).getByRole('link', { name: /11月24日.*午餐/ }).click();
    await page.waitForURL((u) => u.pathname === '/meals/menu');
    await expect(page.getByRole('heading', { name: '价格明细' })).toBeVisible();
    await expect(page.getByText(/^年满\d+周岁，每餐补贴\d+\.\d\d元$/)).toBeVisible();
    await expect(page.getByText('本周已用补贴0次，还可用4次')).toBeVisible();
    await axe(page, '/meals/menu');
    const order = page.getByRole('button', { name: '下单', exact: true }).first();
    await expectOnFirstScreen(page, order, '下单');
    await order.click();
    await page.waitForURL((u) => u.pathname.startsWith('/meals/order/'));
    await expect(page.getByText('已下单。取餐时出示取餐码。')).toBeVisible();
    await expect(page.getByRole('img', { name: '取餐二维码' })).toBeVisible();
    await expect(page.getByText(/^\d{4}$/)).toBeVisible();
    await axe(page, '/meals/order');
  });

  await test.step('再来一单: the next day\'s lunch at the same canteen, one tap from the meals page', async () => {
    await page.goto('/meals');
    const usual = page.getByRole('link', { name: /11月25日.*午餐.*西门街道老年食堂/ });
    await expect(usual).toBeVisible();
    await usual.click();
    await page.waitForURL((u) => u.pathname === '/meals/menu');
    await expect(page.getByRole('checkbox', { name: /A套餐/ })).toBeChecked();
    await page.getByRole('button', { name: '下单', exact: true }).first().click();
    await page.waitForURL((u) => u.pathname.startsWith('/meals/order/'));
    await page.getByRole('button', { name: '取消订餐', exact: true }).click();
    await expect(page.getByText('已取消', { exact: true })).toBeVisible();
  });

  await test.step('the same pages in English pass axe', async () => {
    await setLanguage(page, 'en');
    await axe(page, '/meals/order (English)');
    await page.goto('/meals');
    await expect(page.getByText('No prepayment', { exact: false })).toBeVisible();
    await axe(page, '/meals (English)');
    await page.getByRole('link', { name: /Lunch/ }).first().click();
    await page.waitForURL((u) => u.pathname === '/meals/menu');
    await expect(page.getByRole('heading', { name: 'The price, line by line' })).toBeVisible();
    await axe(page, '/meals/menu (English)');
    await setLanguage(page, 'zh-CN');
  });
});

test('a daughter orders for her father after he confirmed her grant; the canteen serves it by its code', async ({ page, freshPage, axe }) => {
  const daughter = await freshPage();
  const canteen = await freshPage();
  const fatherPhone = uniquePhone();
  let code = '';

  await test.step('the father signs in; his daughter asks to order for him', async () => {
    await signIn(page, fatherPhone);
    await bindRealName(page, '张建国', elderIdNumber());
    await signIn(daughter, uniquePhone());
    await bindRealName(daughter, '张丽', uniqueIdNumber());
    await daughter.goto('/family');
    await axe(daughter, '/family');
    await daughter.getByLabel('老人的手机号', { exact: true }).fill(fatherPhone);
    await daughter.getByLabel('老人的姓名', { exact: true }).fill('张建国');
    await daughter.getByLabel('授权到哪一天', { exact: true }).fill('2027-06-30');
    await daughter.getByRole('button', { name: '发送申请', exact: true }).click();
    await expect(daughter.getByText('等待老人确认')).toBeVisible();
  });

  await test.step('the father confirms in the app', async () => {
    await page.goto('/family');
    await expect(page.getByText('等待老人确认')).toBeVisible();
    await page.getByRole('button', { name: '同意', exact: true }).click();
    await expect(page.getByText('有效', { exact: true })).toBeVisible();
    await axe(page, '/family (confirmed)');
  });

  await test.step('the daughter orders today\'s dinner for him, to pick up', async () => {
    await daughter.goto('/meals');
    await daughter.getByRole('group', { name: '为张**订餐' }).getByRole('link', { name: /11月23日.*晚餐/ }).click();
    await daughter.waitForURL((u) => u.pathname === '/meals/menu');
    await expect(daughter.getByText('为张**订餐')).toBeVisible();
    await daughter.getByRole('radio', { name: '自取' }).check();
    await daughter.getByRole('button', { name: '下单', exact: true }).first().click();
    await daughter.waitForURL((u) => u.pathname.startsWith('/meals/order/'));
    code = ((await daughter.getByText(/^\d{4}$/).textContent()) ?? '').trim();
    expect(code).toMatch(/^\d{4}$/);
  });

  await test.step('the father sees the order and who placed it', async () => {
    await page.goto('/meals');
    await page.getByRole('link', { name: /11月23日.*晚餐/ }).first().click();
    await page.waitForURL((u) => u.pathname.startsWith('/meals/order/'));
    await expect(page.getByText('由子女 张* 代订')).toBeVisible();
  });

  await test.step('the canteen sees what to cook and serves the order by its pick-up code', async () => {
    await staffSignIn(canteen, 'canteen');
    await canteen.goto('/staff/meals');
    await expect(canteen.getByRole('heading', { name: '备餐数量' }).first()).toBeVisible();
    await axe(canteen, '/staff/meals');
    await canteen.getByLabel('取餐码', { exact: true }).fill(code);
    await canteen.getByRole('button', { name: '核销取餐', exact: true }).click();
    await expect(canteen.getByRole('listitem').filter({ hasText: `取餐码${code}` }).getByText('已取餐', { exact: true })).toBeVisible();
  });

  await test.step('the canteen finds the father\'s orders by his name (never in the address)', async () => {
    await canteen.getByLabel('按姓名查找', { exact: true }).fill('张建国');
    await canteen.getByRole('button', { name: '查找', exact: true }).click();
    await expect(canteen.getByText('只显示 张建国 的订单。')).toBeVisible();
    await expect(canteen.getByRole('listitem').filter({ hasText: `取餐码${code}` })).toBeVisible();
    expect(canteen.url()).not.toContain('张建国');
    expect(decodeURIComponent(canteen.url())).not.toContain('张建国');
    await axe(canteen, '/staff/meals (found by name)');
    await canteen.getByRole('link', { name: '显示全部', exact: true }).click();
    await expect(canteen.getByText('只显示 张建国 的订单。')).toHaveCount(0);
  });

  await test.step('the father\'s order now reads collected', async () => {
    await page.reload();
    await expect(page.getByText('已取餐', { exact: true })).toBeVisible();
  });
});

test('the office opens the canteens\' monthly settlement and downloads it', async ({ page, axe }) => {
  await staffSignIn(page, 'finance');
  await page.goto('/staff/meals/settlement');
  await expect(page.getByRole('heading', { name: /西门街道老年食堂 · 2026-10/ })).toBeVisible();
  await axe(page, '/staff/meals/settlement');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: '下载CSV', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('meals-canteen-ximen-2026-10.csv');
  // The month has ended: the office approves it, once (another project's run may have already).
  const approve = page.getByRole('button', { name: '审核通过', exact: true });
  if (await approve.isVisible()) await approve.click();
  await expect(page.getByText(/^已由.+审核$/)).toBeVisible();
});
