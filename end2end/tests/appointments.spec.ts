/**
 * Two appointment features end to end, on a server whose clock the journeys set (one per
 * project, 3109–3112): a partner without a smartphone confirmed by the clerk at the counter
 * after the ID card, and a peak day (520) whose places open at the instant the year's table
 * gives (7 days before, 09:00), not a minute before. Axe runs on every page.
 */
import { test, expect, signIn, bindRealName, uniquePhone, uniqueIdNumber, staffSignIn, timeServer, contextPage, setClock, bookingSteps, fillPartner, expectOnFirstScreen } from '../fixtures';

test.describe.configure({ mode: 'serial', timeout: 180_000 }); // one clock per project

test('a partner without a smartphone is confirmed by the clerk after the ID card', async ({ browser, axe }, info) => {
  const base = timeServer(info, 3109);
  const applicant = await contextPage(browser, info, base);
  const clerk = await contextPage(browser, info, base);
  await setClock(applicant, base, '2026-11-23T02:00:00Z'); // Monday 10:00 in Shanghai
  const partner = { name: '周梅', id: uniqueIdNumber(), phone: uniquePhone() };
  let reference = '';

  await test.step('the applicant books, ticking that the partner will confirm at the counter', async () => {
    await signIn(applicant, uniquePhone());
    await bindRealName(applicant, '吴磊', uniqueIdNumber());
    await applicant.goto('/marriage/book');
    await bookingSteps(applicant, /^2026年11月25日 周三/, /^09:00–12:00，剩余/);
    await applicant.waitForURL((u) => u.searchParams.get('step') === 'partner');
    await fillPartner(applicant, partner);
    await applicant.getByRole('checkbox', { name: '对方没有智能手机，到登记处现场确认' }).check();
    await axe(applicant, '/marriage/book (partner at the counter)');
    await applicant.getByRole('button', { name: '下一步', exact: true }).click();
    await applicant.waitForURL((u) => u.searchParams.get('step') === 'review');
    await expect(applicant.getByText('名额保留到预约开始；登记员将在现场核验对方身份证后确认。')).toBeVisible();
    await expectOnFirstScreen(applicant, applicant.getByRole('button', { name: '提交预约', exact: true }), '提交预约');
    await applicant.getByRole('button', { name: '提交预约', exact: true }).click();
    await applicant.waitForURL((u) => u.pathname.startsWith('/marriage/booking/'));
    await expect(applicant.getByText('对方将在登记处由登记员核验身份证后确认，请双方按时到场。')).toBeVisible();
    reference = ((await applicant.getByTestId('reference').textContent()) ?? '').trim();
    expect(reference).toMatch(/^JH20261125/);
    await axe(applicant, '/marriage/booking (partner at the counter)');
  });

  await test.step('on the day, before the time, the clerk checks the card: the wrong one is refused by the field', async () => {
    await setClock(clerk, base, '2026-11-25T00:50:00Z'); // Wednesday 08:50
    await staffSignIn(clerk, 'clerk');
    await clerk.goto('/staff/marriage?day=2026-11-25');
    const row = clerk.getByRole('row').filter({ hasText: reference });
    await expect(row.getByRole('cell', { name: '等待对方确认' })).toBeVisible();
    const card = row.getByLabel('对方身份证号码（核验证件后填写）', { exact: true });
    await card.fill(uniqueIdNumber()); // a valid number, not the partner's
    await row.getByRole('button', { name: '核验证件并确认', exact: true }).click();
    const refused = clerk.getByRole('row').filter({ hasText: reference }).getByLabel('对方身份证号码（核验证件后填写）', { exact: true });
    await expect(refused).toHaveAccessibleDescription(/身份证号码与预约中填写的对方信息不一致/);
    await axe(clerk, '/staff/marriage with a wrong card');
  });

  await test.step('the right card confirms the booking, and the couple are checked in', async () => {
    const row = () => clerk.getByRole('row').filter({ hasText: reference });
    await row().getByLabel('对方身份证号码（核验证件后填写）', { exact: true }).fill(partner.id);
    await row().getByRole('button', { name: '核验证件并确认', exact: true }).click();
    await expect(row().getByRole('cell', { name: '已确认' })).toBeVisible();
    await expect(row().getByRole('button', { name: '核验证件并确认' })).toHaveCount(0);
    await clerk.getByLabel('预约号或扫码内容', { exact: true }).fill(reference);
    await clerk.getByRole('button', { name: '核验', exact: true }).click();
    await expect(clerk.getByRole('status').filter({ hasText: `已核验入场：吴磊、周梅，预约号${reference}` })).toBeVisible();
    await axe(clerk, '/staff/marriage after the counter confirmation');
  });

  await test.step('the applicant sees the booking confirmed', async () => {
    await applicant.reload();
    await expect(applicant.getByText('已到场核验', { exact: true })).toBeVisible();
  });

  for (const p of [applicant, clerk]) await p.context().close();
});

test('a peak day’s places open at the table’s instant, and the page says when', async ({ browser, axe }, info) => {
  const base = timeServer(info, 3109);
  const resident = await contextPage(browser, info, base);
  const clerk = await contextPage(browser, info, base);
  await setClock(clerk, base, '2027-05-10T02:00:00Z'); // Monday 10 May 2027, 10:00

  await test.step('the clerk publishes 20 May, a peak day: its release instant comes from the table', async () => {
    await staffSignIn(clerk, 'clerk');
    await clerk.goto('/staff/marriage?day=2027-05-20');
    await clerk.getByLabel('开始', { exact: true }).fill('09:00');
    await clerk.getByLabel('结束', { exact: true }).fill('12:00');
    await clerk.getByLabel('名额', { exact: true }).last().fill('5');
    await clerk.getByRole('button', { name: '发布', exact: true }).click();
    await expect(clerk.getByText(/09:00–12:00 · 已约 0\/5 · 开放时间 2027年5月13日 周四 09:00/)).toBeVisible();
    await axe(clerk, '/staff/marriage on a peak day');
  });

  await test.step('a week before, the day is shown with the instant it opens, and cannot be chosen', async () => {
    await signIn(resident, uniquePhone());
    await bindRealName(resident, '郑洁', uniqueIdNumber());
    await resident.goto('/marriage/book');
    const day = resident.getByText(/2027年5月20日 周四/).first();
    await expect(day).toBeVisible();
    await expect(resident.getByText('2027年5月13日 周四 09:00开放预约')).toBeVisible();
    await expect(resident.getByRole('link', { name: /2027年5月20日/ })).toHaveCount(0);
    await axe(resident, '/marriage/book (a peak day not yet open)');
  });

  await test.step('a minute before the instant it is still closed; at the instant it opens', async () => {
    await setClock(resident, base, '2027-05-13T00:59:00Z');
    await resident.goto('/marriage/book');
    await expect(resident.getByRole('link', { name: /2027年5月20日/ })).toHaveCount(0);
    await setClock(resident, base, '2027-05-13T01:00:00Z');
    await resident.goto('/marriage/book');
    await bookingSteps(resident, /^2027年5月20日 周四/, /^09:00–12:00，剩余5/, { name: '王强', id: uniqueIdNumber(), phone: uniquePhone() });
    await resident.waitForURL((u) => u.searchParams.get('step') === 'review');
    await resident.getByRole('button', { name: '提交预约', exact: true }).click();
    await resident.waitForURL((u) => u.pathname.startsWith('/marriage/booking/'));
    await expect(resident.getByText('等待对方确认', { exact: true })).toBeVisible();
    await expect(resident.getByText(/2027年5月20日 周四 09:00–12:00/)).toBeVisible();
    await axe(resident, '/marriage/booking on a peak day');
  });

  for (const p of [resident, clerk]) await p.context().close();
});
