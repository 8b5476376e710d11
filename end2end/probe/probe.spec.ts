import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
test('probe', async ({ browser }) => {
  for (const js of [true, false]) {
    const ctx = await browser.newContext({ javaScriptEnabled: js, viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await ctx.newPage();
    await page.setContent('<html lang="zh-CN"><head><title>t</title></head><body><main><h1>你好</h1><a href="#" style="font-size:8px">x</a><button>b</button><img src="x.png"><p style="color:#eee">low</p></main></body></html>');
    if (!js) await page.evaluate(() => { (window as any).setTimeout = (fn: any, _ms?: number, ...args: any[]) => { Promise.resolve().then(() => fn(...args)); return 0; }; (window as any).clearTimeout = () => {}; });
    const t0 = Date.now();
    const r = await new AxeBuilder({ page }).withTags(['wcag2a','wcag2aa','wcag22aa']).options({ rules: { 'target-size': { enabled: true } } }).analyze();
    console.log(js, Date.now() - t0, r.violations.map(v => v.id + ':' + v.nodes.length), r.incomplete.map(v=>v.id));
    await ctx.close();
  }
});
