/**
 * The staff workbench: an administrator creates a staff account, the auditor reads it in the
 * audit log, and a resident is turned away from the workbench.
 */
import { test, expect, pathOf, staffSignIn, signIn, uniquePhone } from '../fixtures';

function uniqueUsername(): string {
  return `clerk${process.env.TEST_PARALLEL_INDEX ?? '0'}${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
}

test('an administrator creates a staff account and the auditor sees it in the audit log', async ({ page, freshPage, axe }) => {
  const username = uniqueUsername();
  const displayName = '测试登记员 刘洋';

  await test.step('the administrator signs in to the workbench', async () => {
    await page.goto('/staff/signin');
    await expect(page.getByRole('heading', { level: 1, name: '工作人员登录' })).toBeVisible();
    await axe(page, '/staff/signin');
    await staffSignIn(page, 'admin');
    await axe(page, '/staff (admin)');
  });

  await test.step('工作人员账号 lists the staff', async () => {
    await page.getByRole('link', { name: '工作人员账号' }).click();
    await page.waitForURL((u) => u.pathname === '/staff/accounts');
    await expect(page.getByRole('heading', { level: 1, name: '工作人员账号' })).toBeVisible();
    await expect(page.getByRole('table', { name: '工作人员账号' }).getByRole('cell', { name: 'admin', exact: true })).toBeVisible();
    await axe(page, '/staff/accounts');
  });

  const form = {
    username: () => page.getByLabel('用户名', { exact: true }),
    name: () => page.getByLabel('姓名', { exact: true }),
    password: () => page.getByLabel('初始密码', { exact: true }),
    role: () => page.getByLabel('岗位', { exact: true }),
    unit: () => page.getByLabel('所属单位', { exact: true }),
  };

  async function chooseOffice(): Promise<void> {
    await form.role().selectOption({ label: '婚姻登记员' });
    const option = form.unit().getByRole('option', { name: /海曙区婚姻登记处/ });
    const label = ((await option.textContent()) ?? '').trim();
    await form.unit().selectOption({ label });
  }

  await test.step('a password under 10 characters is refused by the field', async () => {
    await form.username().fill(username);
    await form.name().fill(displayName);
    await form.password().fill('short-pw');
    await chooseOffice();
    await page.getByRole('button', { name: '创建账号', exact: true }).click();
    const message = '密码至少10个字符。';
    await expect(page.getByText(message)).toBeVisible();
    await expect(form.password()).toHaveAccessibleDescription(new RegExp(message));
    await expect(form.password()).toHaveAttribute('aria-invalid', 'true');
    await expect(form.username(), 'the username typed is kept').toHaveValue(username);
    await expect(form.name(), 'the name typed is kept').toHaveValue(displayName);
    await expect(form.role().getByRole('option', { name: '婚姻登记员', selected: true })).toHaveCount(1);
    await expect(form.unit().getByRole('option', { name: /海曙区婚姻登记处/, selected: true })).toHaveCount(1);
    await expect(page.getByRole('table', { name: '工作人员账号' }).getByRole('cell', { name: username, exact: true })).toHaveCount(0);
    await axe(page, '/staff/accounts with a short password');
  });

  await test.step('a valid form creates the account and it appears in the table', async () => {
    await form.username().fill(username);
    await form.name().fill(displayName);
    await form.password().fill('a-long-enough-password');
    await chooseOffice();
    await page.getByRole('button', { name: '创建账号', exact: true }).click();
    const table = page.getByRole('table', { name: '工作人员账号' });
    const row = table.getByRole('row').filter({ has: page.getByRole('cell', { name: username, exact: true }) });
    await expect(row).toHaveCount(1);
    await expect(row.getByRole('cell', { name: displayName, exact: true })).toBeVisible();
    await expect(row.getByRole('cell', { name: '婚姻登记员', exact: true })).toBeVisible();
    await expect(row.getByRole('cell', { name: '海曙区婚姻登记处', exact: true })).toBeVisible();
    await expect.soft(page.getByText('密码至少10个字符。'), 'the earlier error is gone once the account is created').toHaveCount(0);
    await expect.soft(form.password()).toHaveAttribute('aria-invalid', 'false');
    await axe(page, '/staff/accounts after creating an account');
  });

  await test.step('the auditor, in another browser, sees the creation in words in the audit log', async () => {
    const auditor = await freshPage();
    await staffSignIn(auditor, 'auditor');
    await expect(auditor.getByRole('link', { name: '工作人员账号' }), 'the auditor cannot manage staff').toHaveCount(0);
    await auditor.getByRole('link', { name: '审计日志' }).click();
    await auditor.waitForURL((u) => u.pathname === '/staff/audit');
    await expect(auditor.getByRole('heading', { level: 1, name: '审计日志' })).toBeVisible();
    const log = auditor.getByRole('table', { name: '审计日志' });
    const creations = log.getByRole('row').filter({ has: auditor.getByRole('cell', { name: '创建工作人员账号', exact: true }) });
    // Auto-waiting: with JavaScript the table arrives after the client-side navigation.
    await expect(creations.first()).toBeVisible();
    const ours = creations.filter({ has: auditor.getByRole('cell', { name: new RegExp(`^${username} `) }) });
    await expect(ours).toHaveCount(1);
    await expect(ours.getByRole('cell', { name: 'admin', exact: true })).toBeVisible();
    await axe(auditor, '/staff/audit (auditor)');

    await auditor.goto('/staff/accounts');
    await expect(auditor.getByText('您没有权限查看此内容。'), 'the auditor gets no staff list').toBeVisible();
    await expect(auditor.getByRole('cell', { name: username, exact: true })).toHaveCount(0);
  });
});

test('a signed-in resident who opens the workbench gets 无权访问 with status 403', async ({ page, axe }) => {
  await signIn(page, uniquePhone());
  const response = await page.goto('/staff');
  expect(response?.status()).toBe(403);
  expect(pathOf(page)).toBe('/staff');
  await expect(page.getByRole('heading', { level: 1, name: '无权访问' })).toBeVisible();
  await expect(page.getByRole('link', { name: '工作人员账号' })).toHaveCount(0);
  await expect.soft(page.getByRole('main'), 'one main landmark, not one inside another').toHaveCount(1);
  await expect.soft(page.getByRole('heading', { level: 1 }), 'one page heading').toHaveCount(1);
  await axe(page, '/staff as a resident (403)');
});

test('a visitor who opens the workbench is sent to the staff sign-in', async ({ page }) => {
  await page.goto('/staff/accounts');
  await page.waitForURL((u) => u.pathname === '/staff/signin');
  await expect(page.getByRole('heading', { level: 1, name: '工作人员登录' })).toBeVisible();
});

test('a wrong staff password is refused without saying which part was wrong', async ({ page, axe }) => {
  // An unknown user, so failed attempts never count against the demo accounts.
  const username = uniqueUsername();
  await page.goto('/staff/signin');
  await page.getByLabel('用户名', { exact: true }).fill(username);
  await page.getByLabel('密码', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: '登录工作台', exact: true }).click();
  await expect(page.getByText('用户名或密码不正确。')).toBeVisible();
  await expect(page.getByLabel('用户名', { exact: true })).toHaveValue(username);
  expect(pathOf(page)).toBe('/staff/signin');
  await axe(page, '/staff/signin with a wrong password');
});
