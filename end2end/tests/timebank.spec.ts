/**
 * 时间银行 end to end, on a server whose clock the journey sets (one per project, 3113–3116):
 * a volunteer asks to join, the organisation accepts; the organisation publishes a shift, the
 * volunteer takes it, signs in with the code the organiser shows and signs out two hours later;
 * the organisation verifies; the volunteer sees the hours and the way to the first star, then
 * spends an hour on a volunteer's help for her mother through a grant; the statement and the
 * public record page show it. Axe on every page, in both languages.
 */
import { test, expect, signIn, bindRealName, uniquePhone, uniqueIdNumber, validIdNumber, staffSignIn, timeServer, contextPage, setClock, expectOnFirstScreen, setLanguage } from '../fixtures';

test.describe.configure({ mode: 'serial', timeout: 240_000 }); // one clock per project

test('a volunteer banks two hours and spends one on help for her mother', async ({ browser, axe }, info) => {
  const base = timeServer(info, 3113);
  const volunteer = await contextPage(browser, info, base);
  const mother = await contextPage(browser, info, base);
  const admin = await contextPage(browser, info, base);
  await setClock(admin, base, '2026-11-23T01:00:00Z'); // Monday 09:00 in Shanghai
  const title = `社区探访 ${Math.floor(Math.random() * 1e6)}`;
  const motherPhone = uniquePhone();
  let code = '';

  await test.step('the volunteer asks to join the organisation', async () => {
    await signIn(volunteer, uniquePhone());
    await bindRealName(volunteer, '张丽', uniqueIdNumber());
    await volunteer.goto('/timebank');
    await expect(volunteer.getByRole('link', { name: '请志愿者帮忙', exact: true })).toBeVisible();
    await expectOnFirstScreen(volunteer, volunteer.getByRole('link', { name: '请志愿者帮忙', exact: true }), '请志愿者帮忙');
    await axe(volunteer, '/timebank');
    await volunteer.getByRole('listitem').filter({ hasText: '爱心时间银行志愿服务队' }).getByRole('button', { name: '申请加入', exact: true }).click();
    await expect(volunteer.getByText('入会申请待审核')).toBeVisible();
  });

  await test.step('the organisation accepts her and publishes a shift for this morning', async () => {
    await staffSignIn(admin, 'volunteer');
    await admin.goto('/staff/timebank');
    await axe(admin, '/staff/timebank');
    const request = admin.getByRole('listitem').filter({ hasText: '张*' }).filter({ has: admin.getByRole('button', { name: '通过', exact: true }) }).first();
    await request.getByRole('button', { name: '通过', exact: true }).click();
    await expect(admin.getByRole('heading', { name: '入会申请' })).toBeVisible();
    await admin.getByText('发布活动', { exact: true }).click();
    await admin.getByLabel('活动名称', { exact: true }).fill(title);
    await admin.getByLabel('地点', { exact: true }).fill('望春社区服务中心');
    await admin.getByLabel('日期', { exact: true }).fill('2026-11-23');
    await admin.getByLabel('开始时间', { exact: true }).fill('09:00');
    await admin.getByLabel('结束时间', { exact: true }).fill('11:00');
    await admin.getByLabel('名额', { exact: true }).fill('3');
    await admin.getByRole('button', { name: '发布', exact: true }).click();
    const shift = admin.getByRole('listitem').filter({ hasText: title });
    await expect(shift).toBeVisible();
    code = ((await shift.locator('[data-code]').textContent()) ?? '').trim();
    expect(code).toMatch(/^\d{4}$/);
  });

  await test.step('the volunteer takes the shift, signs in with the code, and out two hours later', async () => {
    await volunteer.goto('/timebank');
    const activity = volunteer.getByRole('listitem').filter({ hasText: title });
    await activity.getByRole('button', { name: '报名', exact: true }).click();
    await expect(activity.getByText('已报名')).toBeVisible();
    await activity.getByLabel('签到码', { exact: true }).fill('0000');
    await activity.getByRole('button', { name: '签到', exact: true }).click();
    await expect(volunteer.getByText('签到码不对', { exact: false })).toBeVisible();
    await volunteer.goto('/timebank');
    await activity.getByLabel('签到码', { exact: true }).fill(code);
    // The clock runs once set: 09:00 just before signing in and 11:00:30 before signing out make
    // the stay two hours whatever the few seconds between.
    await setClock(volunteer, base, '2026-11-23T01:00:00Z');
    await activity.getByRole('button', { name: '签到', exact: true }).click();
    await expect(activity.getByText('已签到')).toBeVisible();
    await setClock(volunteer, base, '2026-11-23T03:00:30Z'); // 11:00:30
    await volunteer.goto('/timebank');
    await activity.getByLabel('签到码', { exact: true }).fill(code);
    await activity.getByRole('button', { name: '签退', exact: true }).click();
    await expect(activity.getByText('已签退，等待组织审核')).toBeVisible();
    await axe(volunteer, '/timebank (signed out)');
  });

  await test.step('the organisation verifies the hours', async () => {
    await admin.goto('/staff/timebank');
    const row = admin.getByRole('listitem').filter({ hasText: title }).filter({ hasText: '已签退' }).first();
    await row.getByRole('button', { name: '审核通过', exact: true }).click();
    await expect(admin.getByRole('listitem').filter({ hasText: title }).filter({ hasText: '时长已存入' }).first()).toBeVisible();
    await expect(admin.getByText(/本月服务时长 \d+小时/)).toBeVisible();
    await axe(admin, '/staff/timebank (verified)');
  });

  await test.step('the volunteer sees the hours and the way to the first star', async () => {
    await volunteer.goto('/timebank');
    await expect(volunteer.locator('[data-balance="120"]')).toBeVisible();
    await expect(volunteer.getByText('再服务98小时可升到1星', { exact: false })).toBeVisible();
  });

  await test.step('her mother grants her the time bank; she asks a volunteer for her mother, paid with an hour of her own', async () => {
    await signIn(mother, motherPhone);
    await bindRealName(mother, '张桂英', validIdNumber('19440308', Math.floor(Math.random() * 1000)));
    await volunteer.goto('/family');
    await volunteer.getByLabel('老人的手机号', { exact: true }).fill(motherPhone);
    await volunteer.getByLabel('老人的姓名', { exact: true }).fill('张桂英');
    await volunteer.getByLabel('授权到哪一天', { exact: true }).fill('2027-06-30');
    await volunteer.getByRole('button', { name: '发送申请', exact: true }).click();
    await expect(volunteer.getByText('等待老人确认')).toBeVisible();
    await mother.goto('/family');
    await mother.getByRole('button', { name: '同意', exact: true }).click();
    await expect(mother.getByText('有效', { exact: true })).toBeVisible();
    await volunteer.goto('/timebank');
    const family = volunteer.getByRole('listitem').filter({ hasText: '张**' });
    await family.getByRole('link', { name: '为TA请志愿者', exact: true }).click();
    await volunteer.waitForURL((u) => u.pathname === '/timebank/need');
    await expect(volunteer.getByRole('radio', { name: '张**' })).toBeChecked();
    await volunteer.getByLabel('哪一天', { exact: true }).fill('2026-11-25');
    await volunteer.getByLabel('大约几小时', { exact: true }).fill('1');
    await axe(volunteer, '/timebank/need');
    const post = volunteer.getByRole('button', { name: '发布需求', exact: true });
    await expectOnFirstScreen(volunteer, post, '发布需求');
    await post.click();
    await volunteer.waitForURL((u) => u.pathname === '/timebank');
    await expect(volunteer.getByText('需求已发布', { exact: false })).toBeVisible();
    await expect(volunteer.locator('[data-balance="60"]')).toBeVisible();
    await expect(volunteer.getByRole('listitem').filter({ hasText: '陪同就医' }).getByText('等待志愿者接单')).toBeVisible();
  });

  await test.step('the statement shows the hours in and the hour held, and downloads as CSV', async () => {
    await volunteer.goto('/timebank/statement');
    await expect(volunteer.getByText('服务时长存入', { exact: false })).toBeVisible();
    await expect(volunteer.getByText('请志愿者帮忙（冻结）', { exact: false })).toBeVisible();
    await axe(volunteer, '/timebank/statement');
    const csv = await volunteer.request.get(`${base}/timebank/statement.csv`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain('need_held');
  });

  await test.step('the service record is issued and checked at the public page, masked', async () => {
    await volunteer.goto('/timebank');
    await volunteer.getByRole('button', { name: '开具证明', exact: true }).click();
    await volunteer.waitForURL((u) => u.pathname.startsWith('/timebank/verify/'));
    const number = new URL(volunteer.url()).pathname.split('/').pop() ?? '';
    // The record to download (a PDF, the volunteer's own), with its number in it.
    const download = volunteer.getByRole('link', { name: '下载证明（PDF）', exact: true });
    await expect(download).toBeVisible();
    await axe(volunteer, '/timebank/verify (issued)');
    const pdf = await volunteer.request.get(`${base}/timebank/record/${number}.pdf`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).toString('latin1')).toContain(`(${number}) Tj`);
    const stranger = await contextPage(browser, info, base);
    await stranger.goto(`/timebank/verify/${number}`);
    await expect(stranger.getByRole('heading', { name: '证明有效' })).toBeVisible();
    await expect(stranger.getByText('张*', { exact: true })).toBeVisible();
    await expect(stranger.getByText('2小时', { exact: true })).toBeVisible();
    await expect(stranger.getByText('张丽')).toHaveCount(0);
    expect((await stranger.request.get(`${base}/timebank/record/${number}.pdf`)).status()).toBe(401);
    await axe(stranger, '/timebank/verify');
  });

  await test.step('the same pages in English pass axe', async () => {
    await setLanguage(volunteer, 'en');
    await volunteer.goto('/timebank');
    await expect(volunteer.getByRole('link', { name: 'Ask a volunteer for help', exact: true })).toBeVisible();
    await axe(volunteer, '/timebank (English)');
    await volunteer.goto('/timebank/statement');
    await axe(volunteer, '/timebank/statement (English)');
    await setLanguage(admin, 'en');
    await admin.goto('/staff/timebank');
    await axe(admin, '/staff/timebank (English)');
  });
});
