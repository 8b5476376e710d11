/**
 * 结婚登记预约 end to end: two browser contexts play the couple. One books (after a refused
 * ID number), the other signs in with the number that was entered and confirms; they get the
 * voucher, move the appointment, and on the day the clerk checks them in by the booking number
 * and records the registration. A second journey cancels a booking. Axe runs on every page.
 */
import { test, expect, signIn, bindRealName, uniquePhone, uniqueIdNumber, withWrongCheckDigit, staffSignIn, pathOf, timeServer, contextPage, setClock, bookingSteps, expectOnFirstScreen } from '../fixtures';

test('a couple books and confirms, moves the time, and the clerk checks them in on the day', async ({ browser, axe }, info) => {
  test.setTimeout(150_000); // three browsers through every step, axe on each page
  const base = timeServer(info, 3101);
  const applicant = await contextPage(browser, info, base);
  const partner = await contextPage(browser, info, base);
  const clerk = await contextPage(browser, info, base);
  // Monday 23 November 2026, 10:00 in Shanghai (a retry starts from the same morning).
  await setClock(applicant, base, '2026-11-23T02:00:00Z');
  const partnerData = { name: '李娜', id: uniqueIdNumber(), phone: uniquePhone() };
  let reference = '';

  await test.step('the applicant signs in, binds a real name and opens the service from home', async () => {
    await signIn(applicant, uniquePhone());
    await bindRealName(applicant, '张伟', uniqueIdNumber());
    await applicant.goto('/');
    await applicant.getByRole('link', { name: /结婚登记预约/ }).click();
    await applicant.waitForURL((u) => u.pathname === '/marriage');
    await expect(applicant.getByRole('heading', { level: 1, name: '结婚登记预约' })).toBeVisible();
    await axe(applicant, '/marriage');
    await applicant.getByRole('link', { name: '预约结婚登记' }).click();
    await applicant.waitForURL((u) => u.pathname === '/marriage/book');
    await expect(applicant.getByRole('heading', { level: 2, name: /第1步，共4步 选择日期/ })).toBeVisible();
    await axe(applicant, '/marriage/book');
  });

  await test.step('a wrong check digit is refused by the field, and what was typed stays', async () => {
    await bookingSteps(applicant, /^2026年11月25日 周三/, /^09:00–12:00，剩余/, { ...partnerData, id: withWrongCheckDigit(partnerData.id) });
    const field = applicant.getByLabel('对方身份证号码', { exact: true });
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription(/身份证号码校验不通过/);
    await expect(applicant.getByLabel('对方姓名', { exact: true })).toHaveValue(partnerData.name);
    await expect(applicant.getByLabel('对方手机号码', { exact: true })).toHaveValue(partnerData.phone);
    await axe(applicant, '/marriage/book with an error');
  });

  await test.step('corrected, reviewed and submitted, the booking waits for the partner', async () => {
    await applicant.getByLabel('对方身份证号码', { exact: true }).fill(partnerData.id);
    await applicant.getByRole('button', { name: '下一步', exact: true }).click();
    await applicant.waitForURL((u) => u.searchParams.get('step') === 'review');
    await expect(applicant.getByText(/2026年11月25日 周三 09:00–12:00/)).toBeVisible();
    await expectOnFirstScreen(applicant, applicant.getByRole('button', { name: '提交预约', exact: true }), '提交预约');
    await axe(applicant, '/marriage/book (review)');
    await applicant.getByRole('button', { name: '提交预约', exact: true }).click();
    await applicant.waitForURL((u) => u.pathname.startsWith('/marriage/booking/'));
    await expect(applicant.getByText('等待对方确认', { exact: true })).toBeVisible();
    reference = ((await applicant.getByTestId('reference').textContent()) ?? '').trim();
    expect(reference).toMatch(/^JH20261125/);
    await axe(applicant, '/marriage/booking (pending)');
  });

  await test.step('the partner signs in with the number entered and confirms', async () => {
    await signIn(partner, partnerData.phone);
    await bindRealName(partner, partnerData.name, partnerData.id);
    await partner.goto('/marriage');
    await expect(partner.getByText('待您确认')).toBeVisible();
    await partner.getByRole('link', { name: /11月25日 周三/ }).click();
    await partner.waitForURL((u) => u.pathname.startsWith('/marriage/booking/'));
    await expect(partner.getByRole('heading', { name: '请确认这个预约' })).toBeVisible();
    await expect(partner.getByText('请您确认', { exact: true })).toBeVisible();
    await expect(partner.getByText('等待对方确认')).toHaveCount(0);
    await expectOnFirstScreen(partner, partner.getByRole('button', { name: '我确认', exact: true }), '我确认');
    await axe(partner, '/marriage/booking (to confirm)');
    await partner.getByRole('button', { name: '我确认', exact: true }).click();
    await expect(partner.getByText('已确认', { exact: true })).toBeVisible();
    await expect(partner.getByRole('img', { name: /预约凭证二维码/ })).toBeVisible();
    await expect(partner.getByRole('link', { name: '加入手机日历' })).toBeVisible();
    await axe(partner, '/marriage/booking (confirmed)');
  });

  await test.step('the applicant moves the appointment to Thursday', async () => {
    await applicant.reload();
    await expect(applicant.getByText('已确认', { exact: true })).toBeVisible();
    await applicant.getByRole('link', { name: '改约到其他时间' }).click();
    await applicant.waitForURL((u) => u.pathname.endsWith('/reschedule'));
    await expect(applicant.getByRole('heading', { level: 1, name: '改约' })).toBeVisible();
    await axe(applicant, '/marriage/booking/…/reschedule');
    await applicant.getByRole('radio', { name: /11月26日 周四 09:00–12:00，剩余/ }).check();
    await applicant.getByRole('button', { name: '改到这个时段', exact: true }).click();
    await applicant.waitForURL((u) => /^\/marriage\/booking\/[0-9a-f]+$/.test(u.pathname));
    await expect(applicant.getByText(/2026年11月26日 周四 09:00–12:00/)).toBeVisible();
    await axe(applicant, '/marriage/booking (moved)');
  });

  await test.step('on Thursday morning the clerk checks the couple in and records the registration', async () => {
    await setClock(clerk, base, '2026-11-26T01:30:00Z');
    await staffSignIn(clerk, 'clerk');
    await clerk.getByRole('link', { name: /结婚登记工作台/ }).click();
    await clerk.waitForURL((u) => u.pathname === '/staff/marriage');
    await expect(clerk.getByRole('heading', { level: 1, name: '结婚登记工作台' })).toBeVisible();
    await axe(clerk, '/staff/marriage');
    await clerk.getByLabel('预约号或扫码内容', { exact: true }).fill(reference.toLowerCase());
    await clerk.getByRole('button', { name: '核验', exact: true }).click();
    await expect(clerk.getByRole('status').filter({ hasText: `已核验入场：张伟、李娜，预约号${reference}` })).toBeVisible();
    const row = clerk.getByRole('row').filter({ hasText: reference });
    await expect(row.getByRole('cell', { name: '已到场核验' })).toBeVisible();
    await test.step('at 390 px every row shows its action and the reference in one piece', async () => {
      const width = clerk.viewportSize()?.width ?? 390;
      for (const r of await clerk.getByRole('row').filter({ has: clerk.getByRole('button') }).all()) {
        const box = await r.getByRole('button').first().boundingBox();
        expect.soft(box && box.x >= 0 && box.x + box.width <= width, 'the action is inside the screen').toBe(true);
      }
      const ref = await row.getByText(reference, { exact: true }).boundingBox();
      const line = await clerk.evaluate(() => parseFloat(getComputedStyle(document.body).lineHeight) || 30);
      expect.soft(ref && ref.height < line * 1.5, 'the reference on one line').toBe(true);
    });
    await test.step('scanned again, the clerk is told when it was checked in', async () => {
      await clerk.getByLabel('预约号或扫码内容', { exact: true }).fill(reference);
      await clerk.getByRole('button', { name: '核验', exact: true }).click();
      await expect(clerk.getByLabel('预约号或扫码内容', { exact: true })).toHaveAccessibleDescription(/已于今天 \d{2}:\d{2} 核验入场/);
    });
    await row.getByRole('button', { name: '登记完成' }).click();
    await expect(clerk.getByRole('row').filter({ hasText: reference }).getByRole('cell', { name: '已登记' })).toBeVisible();
    await axe(clerk, '/staff/marriage after check-in');
  });

  await test.step('the couple see it registered in 我的办件', async () => {
    await partner.goto('/');
    await expect(partner.getByRole('link', { name: new RegExp(reference) })).toBeVisible();
    await expect(partner.getByText(/已登记/)).toBeVisible();
    await axe(partner, '/ with a registered affair');
  });

  for (const p of [applicant, partner, clerk]) await p.context().close();
});

test('a booking is cancelled with a tick and the voucher says so', async ({ page, axe }) => {
  await signIn(page, uniquePhone());
  await bindRealName(page, '王芳', uniqueIdNumber());
  await page.goto('/marriage/book');
  await bookingSteps(page, /^2026年11月27日 周五/, /^13:30–17:00，剩余/, { name: '陈刚', id: uniqueIdNumber(), phone: uniquePhone() });
  await page.waitForURL((u) => u.searchParams.get('step') === 'review');
  await page.getByRole('button', { name: '提交预约', exact: true }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/marriage/booking/'));
  await expect(page.getByText('等待对方确认', { exact: true })).toBeVisible();
  await page.getByRole('checkbox', { name: '我确定要取消这个预约' }).check();
  await page.getByRole('button', { name: '取消预约', exact: true }).click();
  await expect(page.getByText('已取消', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: '取消预约' })).toHaveCount(0);
  await axe(page, '/marriage/booking (cancelled)');
  await page.goto('/marriage');
  await expect(page.getByText(/已取消/)).toBeVisible();
  expect(pathOf(page)).toBe('/marriage');
});
