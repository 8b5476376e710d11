/**
 * 身后事一件事 end to end: a family applies in three steps, uploads a document and follows the
 * task list; the 民政 reviewer returns an item, the family adds a document and says so, the
 * reviewer approves the eco-burial reward (above the four-eyes threshold), the finance officer
 * gives the second approval and pays, and the family sees it paid. Axe on every page.
 */
import path from 'node:path';
import { test, expect, signIn, bindRealName, uniquePhone, uniqueIdNumber, staffSignIn, expectOnFirstScreen, languageSwitch } from '../fixtures';

const PDF = path.join(__dirname, '..', 'fixtures', 'files', 'burial-proof.pdf');

test.describe.configure({ timeout: 180_000 });

test('a family applies once, follows every item, and sees the subsidy paid', async ({ page, freshPage, axe, jsEnabled }) => {
  const reviewer = await freshPage();
  const finance = await freshPage();
  let reference = '';
  const ecoTask = () => page.locator('article').filter({ has: page.getByRole('heading', { name: '节地生态安葬奖补' }) });

  await test.step('the service page says what it is, calmly, and starts the application', async () => {
    await signIn(page, uniquePhone());
    await bindRealName(page, '郑秀兰', uniqueIdNumber());
    await page.goto('/after-death');
    await expect(page.getByText(/^节哀。/)).toBeVisible();
    await axe(page, '/after-death');
    await page.getByRole('link', { name: '开始申请', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/after-death/apply');
  });

  await test.step('step 1: the deceased; a date in the future is refused next to the field, and what was typed stays', async () => {
    await expect(page.getByText('第1步，共3步：')).toBeVisible();
    await page.getByLabel('逝者姓名', { exact: true }).fill('郑老伯');
    await page.getByLabel('逝者身份证号码', { exact: true }).fill(uniqueIdNumber());
    await page.getByLabel('死亡日期', { exact: true }).fill('2027-01-01');
    await page.getByLabel('居民死亡医学证明编号', { exact: true }).fill('D3302032026110');
    await page.getByLabel('您与逝者的关系', { exact: true }).selectOption('child');
    await expectOnFirstScreen(page, page.getByLabel('逝者姓名', { exact: true }), 'the first field');
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await expect(page.getByLabel('死亡日期', { exact: true })).toHaveAccessibleDescription(/死亡日期不能晚于今天/);
    await expect(page.getByLabel('逝者姓名', { exact: true })).toHaveValue('郑老伯');
    await axe(page, '/after-death/apply (a refused date)');
    await page.getByLabel('死亡日期', { exact: true }).fill('2026-11-20');
    if ((await page.getByLabel('逝者身份证号码', { exact: true }).inputValue()) === '') {
      await page.getByLabel('逝者身份证号码', { exact: true }).fill(uniqueIdNumber());
    }
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('step') === 'questions');
  });

  await test.step('step 2: the questionnaire', async () => {
    await expect(page.getByText('第2步，共3步：')).toBeVisible();
    await page.getByRole('radio', { name: '海葬' }).check();
    await axe(page, '/after-death/apply?step=questions');
    await page.getByRole('button', { name: '下一步', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('step') === 'review');
  });

  await test.step('step 3: which items apply and why, the amounts, the account; submit', async () => {
    await expect(page.getByText('第3步，共3步：')).toBeVisible();
    await expect(page.getByRole('heading', { name: '节地生态安葬奖补' })).toBeVisible();
    await expect(page.getByText('最高 3,000.00元').first()).toBeVisible();
    await page.getByLabel('收款人姓名', { exact: true }).fill('郑秀兰');
    await page.getByLabel('银行卡号', { exact: true }).fill('6222 0212 3456 7890 128');
    await axe(page, '/after-death/apply?step=review');
    const submit = page.getByRole('button', { name: /^提交申请/ });
    await expectOnFirstScreen(page, submit, '提交申请');
    await submit.click();
    await page.waitForURL((u) => u.pathname.startsWith('/after-death/bundle/'));
    await expect(page.getByText('申请已提交。', { exact: false })).toBeVisible();
    reference = ((await page.getByTestId('reference').textContent()) ?? '').trim();
    expect(reference).toMatch(/^SH\d{14}$/);
    await expect(ecoTask().getByTestId('task-status')).toHaveText('已提交，等待部门受理');
    await axe(page, '/after-death/bundle (new)');
  });

  await test.step('the family uploads the burial certificate (a plain multipart form; with JavaScript in the background)', async () => {
    await ecoTask().getByLabel('选择文件', { exact: true }).setInputFiles(PDF);
    await ecoTask().getByRole('button', { name: '上传', exact: true }).click();
    await expect(ecoTask().getByRole('link', { name: '材料1（PDF）' })).toBeVisible();
    if (jsEnabled) await expect(page.getByRole('status').filter({ hasText: '材料已上传。' })).toBeVisible();
  });

  await test.step('a file that is not a photo or a PDF is refused by the field, in words', async () => {
    await ecoTask().getByLabel('选择文件', { exact: true }).setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('MZ an executable named photo.jpg') });
    await ecoTask().getByRole('button', { name: '上传', exact: true }).click();
    await expect(ecoTask().getByText('只能上传照片（JPG、PNG）或 PDF 文件。')).toBeVisible();
    await expect(ecoTask().getByLabel('选择文件', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    // With JavaScript the page stays where it is; without, the refusal comes back in the address.
    expect(page.url().includes('upload_error=')).toBe(!jsEnabled);
    await expect(ecoTask().getByRole('link', { name: '材料2（PDF）' })).toHaveCount(0);
    await axe(page, '/after-death/bundle (upload refused)');
  });

  await test.step('the reviewer accepts and returns it for more information', async () => {
    await staffSignIn(reviewer, 'reviewer');
    await reviewer.goto('/staff/after-death');
    await axe(reviewer, '/staff/after-death');
    await reviewer.getByRole('listitem').filter({ hasText: reference }).getByRole('link', { name: '节地生态安葬奖补' }).click();
    await reviewer.waitForURL((u) => u.pathname.startsWith('/staff/after-death/task/'));
    await reviewer.getByRole('button', { name: '受理', exact: true }).click();
    await expect(reviewer.getByTestId('task-status')).toHaveText('部门办理中');
    await reviewer.getByLabel('说明').first().fill('请补充海葬证明的第二页');
    await reviewer.getByRole('button', { name: '退回补正', exact: true }).click();
    await expect(reviewer.getByTestId('task-status')).toHaveText('等待家属补正');
    await axe(reviewer, '/staff/after-death/task (returned)');
  });

  await test.step('the family sees why, adds the page and says so; the time limit paused meanwhile', async () => {
    await page.reload();
    await expect(ecoTask().getByTestId('task-status')).toHaveText('请您补充材料');
    await expect(ecoTask().getByText('请补充海葬证明的第二页')).toBeVisible();
    await expect(ecoTask().getByText('等待您补充材料，办理时限暂停计算')).toBeVisible();
    await axe(page, '/after-death/bundle (returned)');
    // With JavaScript the upload shows its progress: held back a moment here, so the bar is seen.
    const uploads = '**/upload/after-death/task/**';
    if (jsEnabled) {
      await page.route(uploads, async (route) => {
        await new Promise((r) => setTimeout(r, 3000));
        await route.continue();
      });
    }
    await ecoTask().getByLabel('选择文件', { exact: true }).setInputFiles(PDF);
    await ecoTask().getByRole('button', { name: '上传', exact: true }).click();
    if (jsEnabled) {
      await expect(ecoTask().getByRole('progressbar', { name: '正在上传材料…' })).toBeVisible();
      await expect(page.getByRole('status').filter({ hasText: '正在上传材料…' })).toBeVisible();
      await expect(ecoTask().getByRole('button', { name: '上传', exact: true })).toBeDisabled();
    }
    await expect(ecoTask().getByRole('link', { name: '材料2（PDF）' })).toBeVisible();
    if (jsEnabled) {
      await expect(ecoTask().getByRole('progressbar')).toBeHidden();
      await page.unroute(uploads);
    }
    await ecoTask().getByRole('button', { name: '材料已补充', exact: true }).click();
    await expect(ecoTask().getByTestId('task-status')).toHaveText('已补充材料，等待部门审核');
  });

  await test.step('the reviewer approves 3,000元: above the threshold, it waits for a second approver', async () => {
    await reviewer.reload();
    await reviewer.getByRole('button', { name: '批准补贴', exact: true }).click();
    await expect(reviewer.getByTestId('task-status')).toHaveText('已批准，待发放');
    await axe(reviewer, '/staff/after-death/task (approved)');
  });

  await test.step('the finance officer gives the second approval and pays', async () => {
    await staffSignIn(finance, 'finance');
    await finance.goto('/staff/after-death/payments');
    const line = () => finance.getByRole('listitem').filter({ hasText: reference }).filter({ hasText: '节地生态安葬奖补' });
    await expect(line().getByText(/^待复核/)).toBeVisible();
    await axe(finance, '/staff/after-death/payments');
    await line().getByRole('button', { name: '复核通过', exact: true }).click();
    await expect(line().getByText(/^待发放/)).toBeVisible();
    await line().getByRole('button', { name: '确认发放', exact: true }).click();
    await expect(line().getByText(/^已发放/)).toBeVisible();
  });

  await test.step('the family sees it paid, with the date', async () => {
    await page.reload();
    await expect(ecoTask().getByTestId('task-status')).toHaveText('已办结');
    await expect(ecoTask().getByTestId('paid-on')).toHaveText(/^已于 2026年11月2\d日 周. 发放$/);
    await axe(page, '/after-death/bundle (paid)');
  });

  await test.step('in English the same pages read in English and pass axe', async () => {
    await languageSwitch(page).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Progress', exact: true })).toBeVisible();
    await expect(page.getByText(/^Paid on \w{3} \d+ Nov 2026$/).first()).toBeVisible();
    await axe(page, '/after-death/bundle (English)');
    await page.goto('/after-death/apply');
    await expect(page.getByText('Step 1 of 3:')).toBeVisible();
    await axe(page, '/after-death/apply (English)');
    await page.goto('/after-death');
    await axe(page, '/after-death (English)');
  });

  for (const p of [reviewer, finance]) await p.context().close();
});
