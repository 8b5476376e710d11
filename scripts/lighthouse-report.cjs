// Turns the JSON reports scripts/lighthouse.sh wrote into bench/lighthouse.md (on stdout): per
// page the run with the median performance score, its key metrics, and for a page under the goal
// what Lighthouse suggests. Usage (from lighthouse.sh):
// node scripts/lighthouse-report.cjs <reports dir> <runs> "<pages>" <command> <commit> <load before> <load after> <chromium>
// A page written "~/path" was measured signed in as a resident.
const fs = require('node:fs');
const path = require('node:path');

const [dir, runsArg, pagesArg, command, commit, loadBefore, loadAfter, chromium] = process.argv.slice(2);
const runs = Number(runsArg);
const pages = pagesArg.split(/\s+/).filter(Boolean);
const GOAL = 98;

const fileName = (page) => page.replace(/[^a-z0-9-]/g, '_');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const metric = (lhr, id) => lhr.audits[id] || {};
const score = (lhr) => Math.round((lhr.categories.performance.score ?? 0) * 100);

const rows = [];
const details = [];
let sample;
for (const page of pages) {
  const lhrs = [];
  for (let i = 1; i <= runs; i++) {
    const file = path.join(dir, `${fileName(page)}.${i}.json`);
    if (fs.existsSync(file)) lhrs.push(JSON.parse(fs.readFileSync(file, 'utf8')));
  }
  if (lhrs.length === 0) {
    rows.push(`| \`${page}\` | no report | | | | | | |`);
    details.push(`- \`${page}\`: Lighthouse wrote no report (see its output above).`);
    continue;
  }
  sample = sample || lhrs[0];
  // The median run by score (ties: the slower LCP), as Lighthouse advises for variable runs.
  const sorted = [...lhrs].sort((a, b) => score(a) - score(b)
    || metric(b, 'largest-contentful-paint').numericValue - metric(a, 'largest-contentful-paint').numericValue);
  const lhr = sorted[Math.floor((sorted.length - 1) / 2)];
  const s = score(lhr);
  const landed = new URL(lhr.finalDisplayedUrl || lhr.finalUrl);
  // "~/meals": the page signed in as the script's resident.
  const signedIn = page.startsWith('~');
  const asked = signedIn ? page.slice(1) : page;
  const shown = (landed.pathname + landed.search === asked ? `\`${asked}\`` : `\`${asked}\` → \`${landed.pathname}${landed.search}\``)
    + (signedIn ? ' signed in' : '');
  rows.push(`| ${shown} | ${s >= GOAL ? `**${s}**` : `**${s}** ✗`} | ${seconds(metric(lhr, 'first-contentful-paint').numericValue)} | `
    + `${seconds(metric(lhr, 'largest-contentful-paint').numericValue)} | ${Math.round(metric(lhr, 'total-blocking-time').numericValue)} ms | `
    + `${metric(lhr, 'cumulative-layout-shift').numericValue.toFixed(3)} | ${seconds(metric(lhr, 'speed-index').numericValue)} | `
    + `${lhrs.map(score).join(', ')} |`);
  if (s < GOAL) {
    const parts = ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift', 'speed-index']
      .map((id) => `${metric(lhr, id).title} ${metric(lhr, id).displayValue} (score ${Math.round((metric(lhr, id).score ?? 0) * 100)})`);
    const hints = Object.values(lhr.audits)
      .filter((a) => a.details && a.details.type === 'opportunity' && (a.details.overallSavingsMs || 0) > 0 && (a.score ?? 1) < 1)
      .sort((a, b) => b.details.overallSavingsMs - a.details.overallSavingsMs)
      .slice(0, 4)
      .map((a) => `${a.title} (about ${Math.round(a.details.overallSavingsMs)} ms)`);
    const diagnostics = (lhr.categories.performance.auditRefs || [])
      .filter((r) => r.group === 'diagnostics')
      .map((r) => lhr.audits[r.id])
      .filter((a) => a && a.score !== null && a.score < 0.5 && a.scoreDisplayMode !== 'informative')
      .map((a) => `${a.title}${a.displayValue ? ` (${a.displayValue})` : ''}`);
    const lcpElement = metric(lhr, 'largest-contentful-paint-element').details?.items?.[0]?.items?.[0]?.node?.snippet;
    details.push(`- \`${page}\` (${s}): ${parts.join('; ')}.`
      + (lcpElement ? ` LCP element: \`${lcpElement.replace(/\s+/g, ' ').slice(0, 120)}\`.` : '')
      + (hints.length ? ` Opportunities: ${hints.join('; ')}.` : ' No opportunity with savings.')
      + (diagnostics.length ? ` Diagnostics: ${diagnostics.join('; ')}.` : ''));
  }
}

const settings = sample ? sample.configSettings : {};
const t = settings.throttling || {};
const benchmark = pages.map((p) => {
  const f = path.join(dir, `${fileName(p)}.1.json`);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')).environment.benchmarkIndex : null;
}).filter((b) => b !== null);
const out = [];
out.push('# Lighthouse mobile performance (issue 9: ≥ 98 on home, /signin and each service\'s first page)\n');
out.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, commit \`${commit}\`, with \`${command.trim()}\` `
  + `(Lighthouse ${sample ? sample.lighthouseVersion : '?'}, ${chromium.trim()} headless, the release build from \`scripts/build.sh\` `
  + 'served by `target/release/server` with `APP_ENV=production DEMO_DATA=true` on a throw-away SQLite database, 127.0.0.1; '
  + 'a page "signed in" as a real-name-bound resident born in 1950 (the session cookie sent with every request); '
  + `pages asked for in \`${process.env.LIGHTHOUSE_LANG || 'zh-CN'}\` by \`Accept-Language\`). `
  + `Lighthouse's default mobile run: form factor \`${settings.formFactor}\`, ${settings.screenEmulation?.width}×${settings.screenEmulation?.height} at ${settings.screenEmulation?.deviceScaleFactor}x, `
  + `\`${settings.throttlingMethod}\` throttling (${t.rttMs} ms RTT, ${t.throughputKbps} kbit/s, CPU ×${t.cpuSlowdownMultiplier}), performance category only. `
  + `${runs} run${runs === 1 ? '' : 's'} per page; the table shows the run with the median score, and every run's score last.\n`);
out.push(`Machine: ${require('node:os').cpus().length} cores, load average ${loadBefore} before and ${loadAfter} after the runs; `
  + `Lighthouse's CPU benchmark index ${benchmark.length ? `${Math.min(...benchmark)}–${Math.max(...benchmark)}` : '?'} `
  + '(Lighthouse warns that the CPU is slower than it expects below 1,000; simulated throttling multiplies the main-thread work it observed, so a busy machine raises TBT and lowers the score).\n');
const warnings = [...new Set(pages.flatMap((p) => {
  const f = path.join(dir, `${fileName(p)}.1.json`);
  return fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, 'utf8')).runWarnings || [] : [];
}))];
if (warnings.length) out.push(`Lighthouse's warnings: ${warnings.map((w) => w.replace(/\s+/g, ' ')).join(' ')}\n`);
out.push('| page (as a visitor, or signed in as a resident) | performance | FCP | LCP | TBT | CLS | Speed Index | every run |');
out.push('|---|---|---|---|---|---|---|---|');
out.push(...rows);
out.push('');
if (details.length) {
  out.push(`## Pages under ${GOAL} (or not measured)\n`);
  out.push(...details);
} else {
  out.push(`Every page at or above ${GOAL}.`);
}
out.push('\nThe JSON reports are in `target/lighthouse/reports/` (not in git); open one in https://googlechrome.github.io/lighthouse/viewer/ for the full view.');
console.log(out.join('\n'));
