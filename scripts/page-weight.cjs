// Loads a page in Debian's Chromium at a phone viewport (JavaScript on, so the WASM hydrates)
// and adds up the bytes that crossed the network, as compressed by the server.
// Usage: node scripts/page-weight.cjs http://127.0.0.1:3177/
const { chromium } = require('../end2end/node_modules/playwright-core');

(async () => {
  const url = process.argv[2] || 'http://127.0.0.1:3000/';
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const sizes = new Map();
  const urls = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => sizes.set(e.requestId, e.encodedDataLength));
  await page.goto(url, { waitUntil: 'networkidle' });
  // Hydration has finished when the WASM has loaded and run; give it a moment to settle.
  await page.waitForTimeout(500);
  let total = 0;
  const rows = [];
  for (const [id, bytes] of sizes) {
    total += bytes;
    rows.push([new URL(urls.get(id) || 'about:blank').pathname, bytes]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  for (const [path, bytes] of rows) console.log(`${String(bytes).padStart(9)}  ${path}`);
  console.log(`${String(total).padStart(9)}  total bytes on the wire for ${url}`);
  await browser.close();
})();
