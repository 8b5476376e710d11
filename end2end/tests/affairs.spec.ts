/**
 * One resident across every service (issue 15), end to end. A resident orders a meal, asks to
 * join the time bank, books a marriage appointment and a divorce application appointment, and
 * applies for the after-death bundle of a relative: 我的办件 lists all five with what comes
 * next, and filters by service with plain links, in both languages. Then the death cascade:
 * an elder has a meal ordered, his daughter applies after his death, the 民政 reviewer accepts
 * the death record, and the bundle page shows what the platform settled by itself. Axe on
 * every page.
 */
import type { Page } from '@playwright/test';
import { test, expect, signIn, bindRealName, uniquePhone, uniqueIdNumber, elderIdNumber, staffSignIn, bookingSteps, setLanguage } from '../fixtures';

test.describe.configure({ timeout: 240_000 });

/** Orders tomorrow's lunch (today's closed at 09:30; the clock starts at 10:00) for oneself. */
async function orderLunch(page: Page): Promise<void> {
  await page.goto('/meals');
  await page.getByRole('group', { name: '为自己订餐' }).getByRole('link', { name: /11月24日.*午餐/ }).first().click();
  await page.waitForURL((u) => u.pathname === '/meals/menu');
  await page.getByRole('button', { name: '下单', exact: true }).first().click();
  await page.waitForURL((u) => u.pathname.startsWith('/meals/order/'));
}

/** The three steps of the after-death application for `deceasedId`; lands on the bundle. */
async function applyAfterDeath(page: Page, deceasedName: string, deceasedId: string): Promise<void> {
  await page.goto('/after-death/apply');
  await page.getByLabel('逝者姓名', { exact: true }).fill(deceasedName);
  await page.getByLabel('逝者身份证号码', { exact: true }).fill(deceasedId);
  await page.getByLabel('死亡日期', { exact: true }).fill('2026-11-20');
  await page.getByLabel('居民死亡医学证明编号', { exact: true }).fill('D3302032026117');
  await page.getByLabel('您与逝者的关系', { exact: true }).selectOption('child');
  await page.getByRole('button', { name: '下一步', exact: true }).click();
  await page.waitForURL((u) => u.searchParams.get('step') === 'questions');
  await page.getByRole('button', { name: '下一步', exact: true }).click();
  await page.waitForURL((u) => u.searchParams.get('step') === 'review');
  await page.getByLabel('收款人姓名', { exact: true }).fill('周玉兰');
  await page.getByLabel('银行卡号', { exact: true }).fill('6222 0212 3456 7890 128');
  await page.getByRole('button', { name: /^提交申请/ }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/after-death/bundle/'));
}

test('我的办件 gathers all five services for one resident, with next steps, filtered by service', async ({ page, axe }) => {
  await test.step('the resident uses every service once', async () => {
    await signIn(page, uniquePhone());
    await bindRealName(page, '周玉兰', elderIdNumber());
    await orderLunch(page);
    await page.goto('/timebank');
    await page.getByRole('listitem').filter({ hasText: '爱心时间银行志愿服务队' }).getByRole('button', { name: '申请加入', exact: true }).click();
    await expect(page.getByText('入会申请待审核')).toBeVisible();
    await page.goto('/marriage/book');
    await bookingSteps(page, /^2026年11月2[5-9]日/, /剩余/, { name: '陈刚', id: uniqueIdNumber(), phone: uniquePhone() });
    await page.waitForURL((u) => u.searchParams.get('step') === 'review');
    await page.getByRole('button', { name: '提交预约', exact: true }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/marriage/booking/'));
    await page.goto('/divorce/book');
    await bookingSteps(page, /^2026年1[12]月/, /剩余/, { name: '孙强', id: uniqueIdNumber(), phone: uniquePhone() });
    await page.waitForURL((u) => u.searchParams.get('step') === 'review');
    await page.getByRole('button', { name: '提交预约', exact: true }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/divorce/appointment/'));
    await applyAfterDeath(page, '周老伯', elderIdNumber());
  });

  await test.step('home shows the first items and leads to all of them', async () => {
    await page.goto('/');
    const mine = page.getByRole('region', { name: '我的办件' });
    await expect(mine.getByRole('listitem')).toHaveCount(5);
    await axe(page, '/ (five affairs)');
    await mine.getByRole('link', { name: '全部办件（5）' }).click();
    await page.waitForURL((u) => u.pathname === '/affairs');
  });

  await test.step('我的办件: each service, its status and its next step; a filter per service', async () => {
    await expect(page.getByRole('heading', { level: 1, name: '我的办件' })).toBeVisible();
    const items = page.getByRole('main').getByRole('list').last().getByRole('listitem');
    await expect(items).toHaveCount(5);
    for (const service of ['老年助餐', '时间银行', '结婚登记', '离婚登记', '身后事']) {
      await expect(items.filter({ hasText: service }), service).toHaveCount(1);
    }
    await expect(items.filter({ hasText: '时间银行' })).toContainText('等待志愿组织审核');
    await expect(items.filter({ hasText: '结婚登记' })).toContainText('年');
    await axe(page, '/affairs');
    const filters = page.getByRole('navigation', { name: '按服务筛选' });
    await filters.getByRole('link', { name: /^老年助餐（1/ }).click();
    await page.waitForURL((u) => u.searchParams.get('service') === 'meals');
    await expect(page.getByRole('main').getByRole('list').last().getByRole('listitem')).toHaveCount(1);
    await expect(filters.getByRole('link', { name: /^老年助餐/ })).toHaveAttribute('aria-current', 'page');
    await axe(page, '/affairs?service=meals');
  });

  await test.step('the same in English', async () => {
    await setLanguage(page, 'en');
    await page.goto('/affairs');
    await expect(page.getByRole('heading', { level: 1, name: 'My affairs' })).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Filter by service' }).getByRole('link', { name: 'All', exact: true })).toHaveAttribute('aria-current', 'page');
    await axe(page, '/affairs (English)');
    await page.goto('/messages');
    await axe(page, '/messages (English)');
    await setLanguage(page, 'zh-CN');
  });
});

test('when 民政 accepts a death record, the family sees every service settled on the bundle page', async ({ page, freshPage, axe }) => {
  const daughter = await freshPage();
  const reviewer = await freshPage();
  const fatherId = elderIdNumber();
  let reference = '';

  await test.step('the father orders tomorrow\'s lunch', async () => {
    await signIn(page, uniquePhone());
    await bindRealName(page, '吴建华', fatherId);
    await orderLunch(page);
  });

  await test.step('after his death his daughter applies; before 民政 accepts, the page says what will follow', async () => {
    await signIn(daughter, uniquePhone());
    await bindRealName(daughter, '吴丽', uniqueIdNumber());
    await applyAfterDeath(daughter, '吴建华', fatherId);
    reference = ((await daughter.getByTestId('reference').textContent()) ?? '').trim();
    await expect(daughter.getByRole('heading', { name: '本平台随之办理' })).toBeVisible();
    await expect(daughter.getByText(/民政部门核实死亡信息后，本平台将自动/)).toBeVisible();
  });

  await test.step('the reviewer accepts the death record', async () => {
    await staffSignIn(reviewer, 'reviewer');
    await reviewer.goto('/staff/after-death');
    await reviewer.getByRole('listitem').filter({ hasText: reference }).getByRole('link', { name: '基本殡葬服务费用减免' }).click();
    await reviewer.waitForURL((u) => u.pathname.startsWith('/staff/after-death/task/'));
    await reviewer.getByRole('button', { name: '受理', exact: true }).click();
    await expect(reviewer.getByTestId('task-status')).toHaveText('部门办理中');
  });

  await test.step('the family sees each service settled, with its day', async () => {
    const settled = daughter.getByRole('region', { name: '本平台随之办理' });
    await expect(async () => {
      await daughter.reload();
      await expect(settled.getByText('已全部办结')).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await expect(settled.getByText('已取消今后的助餐订单 1 份，并通知助餐点')).toBeVisible();
    await expect(settled.getByText(/^时间银行没有结余/)).toBeVisible();
    await axe(daughter, '/after-death/bundle (settled)');
    await daughter.goto('/messages');
    await expect(daughter.getByRole('heading', { name: /逝者在本平台的事项已随之办结/ })).toHaveCount(1);
  });
});
