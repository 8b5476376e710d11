import { defineConfig } from '@playwright/test';
export default defineConfig({ testDir: '.', reporter: 'list', use: { viewport: { width: 390, height: 844 }, javaScriptEnabled: false, launchOptions: { executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run','--disable-quic'] } } });
