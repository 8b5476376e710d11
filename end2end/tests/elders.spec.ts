/**
 * 老人身份确认 end to end: a community worker finds an elder by phone and real name, a wrong ID
 * card is refused by the field, the right one opens the elder's file; the worker confirms 低保
 * with a note, the elder is told and the meal price says so; the worker ends it with a reason
 * and it stays in the history. Axe on every page.
 */
import { test, expect, signIn, bindRealName, uniquePhone, validIdNumber, withWrongCheckDigit, staffSignIn, setLanguage } from '../fixtures';

test.describe.configure({ timeout: 180_000 });

/** An ID number of someone born in 1946 (80 on the test clock). */
function elderIdNumber(): string {
  return validIdNumber('19460315', Math.floor(Math.random() * 1000));
}

test('a community worker confirms an elder\'s status after checking the ID card, and ends it', async ({ page, freshPage, axe }) => {
  const worker = await freshPage();
  const phone = uniquePhone();
  const id = elderIdNumber();

  await test.step('the elder signs in and binds a real name', async () => {
    await signIn(page, phone);
    await bindRealName(page, '张桂英', id);
  });

  await test.step('the worker finds the elder; a wrong ID number is refused next to the field', async () => {
    await staffSignIn(worker, 'community');
    await worker.getByRole('link', { name: /^老人身份确认/ }).click();
    await worker.waitForURL((u) => u.pathname === '/staff/elders');
    await axe(worker, '/staff/elders');
    await worker.getByLabel('老人的姓名', { exact: true }).fill('张桂英');
    await worker.getByLabel('老人的手机号', { exact: true }).fill(phone);
    await worker.getByLabel('老人的身份证号码（照身份证填写）', { exact: true }).fill(withWrongCheckDigit(id));
    await worker.getByRole('button', { name: '核验并查看', exact: true }).click();
    await expect(worker.getByText('身份证号码校验不通过，请逐位核对。')).toBeVisible();
    await expect(worker.getByLabel('老人的姓名', { exact: true })).toHaveValue('张桂英');
    await axe(worker, '/staff/elders (refused)');
    await worker.getByLabel('老人的身份证号码（照身份证填写）', { exact: true }).fill(id);
    await worker.getByLabel('老人的手机号', { exact: true }).fill(phone);
    await worker.getByRole('button', { name: '核验并查看', exact: true }).click();
    await worker.waitForURL((u) => u.pathname.startsWith('/staff/elders/'));
    await expect(worker.getByText('暂无已确认的身份。')).toBeVisible();
    await expect(worker.getByText('80周岁', { exact: true })).toBeVisible();
    await expect(worker.getByText(id)).toHaveCount(0);
    await axe(worker, '/staff/elders/check');
  });

  await test.step('the worker confirms 低保 with a note', async () => {
    await worker.getByLabel('身份', { exact: true }).selectOption({ label: '低保对象' });
    await worker.getByLabel('核实情况', { exact: true }).fill('低保证 2026-0315，已查验原件');
    await worker.getByRole('button', { name: '确认身份', exact: true }).click();
    const live = worker.getByRole('region', { name: '现有身份' });
    await expect(live.getByRole('heading', { name: '低保对象' })).toBeVisible();
    await expect(live.getByText(/低保证 2026-0315/)).toBeVisible();
    await axe(worker, '/staff/elders/check (confirmed)');
  });

  await test.step('the elder is told, and the meal price says so', async () => {
    await page.goto('/messages');
    await expect(page.getByRole('heading', { name: /社区已确认您的低保对象身份/ })).toBeVisible();
    await page.goto('/meals/menu?elder=&canteen=canteen-ximen&day=2026-11-24&meal=lunch');
    await expect(page.getByText(/^低保对象：补贴提高到每餐\d+\.\d\d元$/)).toBeVisible();
  });

  await test.step('the worker ends it with a reason; it stays in the history', async () => {
    await worker.reload();
    await worker.getByLabel('结束原因', { exact: true }).fill('2026年12月起停发');
    await worker.getByRole('button', { name: '结束身份', exact: true }).click();
    const history = worker.getByRole('region', { name: '已结束的身份' });
    await expect(history.getByRole('heading', { name: '低保对象' })).toBeVisible();
    await expect(history.getByText(/2026年12月起停发/)).toBeVisible();
    await expect(worker.getByText('暂无已确认的身份。')).toBeVisible();
    await axe(worker, '/staff/elders/check (ended)');
    await page.goto('/meals/menu?elder=&canteen=canteen-ximen&day=2026-11-24&meal=lunch');
    await expect(page.getByText(/^低保对象：/)).toHaveCount(0);
  });

  await test.step('in English the desk reads in English and passes axe', async () => {
    await setLanguage(worker, 'en');
    await worker.reload();
    await expect(worker.getByRole('heading', { name: 'Ended statuses' })).toBeVisible();
    await axe(worker, '/staff/elders/check (English)');
    await worker.goto('/staff/elders');
    await axe(worker, '/staff/elders (English)');
  });
});
