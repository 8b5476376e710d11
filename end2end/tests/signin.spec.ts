/**
 * A resident signs in with a mobile number and a one-time code, then binds their real name.
 * Runs with JavaScript on and off: every form posts without it, and a failed form keeps what
 * was typed and shows the error by the field.
 */
import { test, expect, maskIdNumber, pathOf, uniqueIdNumber, withWrongCheckDigit } from '../fixtures';

test('a resident signs in with a one-time code, binds a real name and sees it masked', async ({ page, axe, uniquePhone }) => {
  const phone = uniquePhone();

  await test.step('the sign-in page asks for a mobile number', async () => {
    await page.goto('/signin');
    await expect(page.getByRole('heading', { level: 1, name: '居民登录' })).toBeVisible();
    await axe(page, '/signin');
    await page.getByLabel('手机号码', { exact: true }).fill(phone);
    await page.getByRole('button', { name: '获取验证码', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/signin/code');
    await expect(page.getByRole('heading', { level: 1, name: '输入验证码' })).toBeVisible();
  });

  const code = ((await page.getByTestId('dev-code').textContent()) ?? '').trim();
  expect(code, 'the development code on the page').toMatch(/^\d{6}$/);
  const wrong = code.slice(0, 5) + String((Number(code[5]) + 1) % 10);

  await test.step('the code page names the number only masked', async () => {
    await expect(page.getByText(`${phone.slice(0, 3)}****${phone.slice(7)}`)).toBeVisible();
    expect(await page.content(), 'the full number is not in the code page').not.toContain(phone);
    await axe(page, '/signin/code');
  });

  await test.step('a wrong code is refused by the field and stays typed', async () => {
    const field = page.getByLabel('验证码', { exact: true });
    await field.fill(wrong);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    const message = '验证码不正确，还可以再试4次。';
    await expect(page.getByText(message)).toBeVisible();
    await expect(field).toHaveAccessibleDescription(new RegExp(message));
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveValue(wrong);
    expect(pathOf(page)).toBe('/signin/code');
    await axe(page, '/signin/code with a wrong code');
  });

  await test.step('the right code signs in and a first sign-in goes to 实名认证', async () => {
    await page.getByLabel('验证码', { exact: true }).fill(code);
    await page.getByRole('button', { name: '登录', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/account/realname');
    await expect(page.getByRole('heading', { level: 1, name: '实名认证' })).toBeVisible();
    await axe(page, '/account/realname');
  });

  const id = uniqueIdNumber();
  const badId = withWrongCheckDigit(id);
  const name = '张晓梅';

  await test.step('an ID number with a wrong check digit is refused and both fields stay typed', async () => {
    const nameField = page.getByLabel('姓名', { exact: true });
    const idField = page.getByLabel('身份证号码', { exact: true });
    await nameField.fill(name);
    await idField.fill(badId);
    await page.getByRole('button', { name: '提交实名认证', exact: true }).click();
    const message = '身份证号码校验不通过，请逐位核对。';
    await expect(page.getByText(message)).toBeVisible();
    await expect(idField).toHaveAccessibleDescription(new RegExp(message));
    await expect(idField).toHaveAttribute('aria-invalid', 'true');
    await expect(nameField).toHaveValue(name);
    await expect(idField).toHaveValue(badId);
    expect(pathOf(page)).toBe('/account/realname');
    await axe(page, '/account/realname with a wrong ID number');
  });

  await test.step('a valid ID number binds the account and leads home', async () => {
    await page.getByLabel('姓名', { exact: true }).fill(name);
    await page.getByLabel('身份证号码', { exact: true }).fill(id);
    await page.getByRole('button', { name: '提交实名认证', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await expect(page.getByRole('heading', { level: 1, name: '首页' })).toBeVisible();
    expect(await page.content(), 'the full ID number is not on the home page').not.toContain(id);
    await axe(page, '/ signed in');
  });

  await test.step('我的 shows the ID number masked and never in full', async () => {
    const response = await page.goto('/account');
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1, name: '我的' })).toBeVisible();
    const masked = maskIdNumber(id);
    expect(masked).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    await expect(page.getByText(masked, { exact: true })).toBeVisible();
    await expect(page.getByText(name, { exact: true })).toBeVisible();
    const html = await page.content();
    expect(html, 'the full ID number is nowhere in the page (nor in its hydration data)').not.toContain(id);
    expect(html, 'the full phone number is nowhere in the page').not.toContain(phone);
    const raw = await (await page.request.get('/account')).text();
    expect(raw, 'the full ID number is not in the HTML the server sent').not.toContain(id);
    await axe(page, '/account');
  });

  await test.step('站内信 says the real name was bound', async () => {
    await page.goto('/messages');
    await expect(page.getByRole('heading', { level: 1, name: '站内信' })).toBeVisible();
    await expect(page.getByRole('heading', { name: /实名认证成功/ })).toBeVisible();
    expect(await page.content()).not.toContain(id);
    await axe(page, '/messages');
  });
});

test('an invalid mobile number is refused by the field and stays typed', async ({ page, axe }) => {
  await page.goto('/signin');
  const field = page.getByLabel('手机号码', { exact: true });
  await field.fill('12345');
  await page.getByRole('button', { name: '获取验证码', exact: true }).click();
  const message = '请输入11位手机号码，以1开头。';
  await expect(page.getByText(message)).toBeVisible();
  await expect(field).toHaveAccessibleDescription(new RegExp(message));
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(field).toHaveValue('12345');
  expect(pathOf(page)).toBe('/signin');
  expect(page.url(), 'the number never travels in the URL').not.toContain('12345');
  await axe(page, '/signin with an invalid number');
});
