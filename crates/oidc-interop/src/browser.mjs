// The real-browser user for `cargo xtask interop`: headless Chromium driven by playwright-core.
// Launched by oidc-desktop (facade or CLI) as its browser command:
//
//   node browser.mjs --op-port PORT --result R.json [--screenshot S.png] [--chromium EXE]
//                    [--login alice] [--action approve|deny] [--timeout-ms 45000] URL
//
// It opens URL, fills the provider's real login and consent pages (or clicks their
// "[ Cancel ]" link with --action deny), lets the provider's own form_post page submit itself,
// and stops on the application's loopback page: any 127.0.0.1 origin other than the provider's
// (http://127.0.0.1:PORT; no URL on the command line, as oidc-desktop splits a browser command on ':'). There it
// reads the page's text, takes the screenshot, and writes R.json:
//   { ok, final_url, title, text, steps: [...], app_requests: ['POST http://127.0.0.1:P/callback'], blocked: [...], error }
// Every request to a host other than 127.0.0.1 is aborted (the provider's pages @import a web
// font), so the run sends loopback traffic only.
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const opt = { action: 'approve', login: 'alice', 'timeout-ms': '45000' };
let url;
for (let i = 0; i < args.length; i += 1) {
  if (args[i].startsWith('--')) { opt[args[i].slice(2)] = args[i + 1]; i += 1; } else { url = args[i]; }
}
const result = { ok: false, final_url: null, title: null, text: null, steps: [], app_requests: [], blocked: [], error: null };
const write = () => { if (opt.result) writeFileSync(opt.result, JSON.stringify(result, null, 2)); };
const op = new URL(`http://127.0.0.1:${opt['op-port']}`);
const deadline = Date.now() + Number(opt['timeout-ms']);
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

const isApp = (href) => {
  try {
    const u = new URL(href);
    return u.hostname === '127.0.0.1' && u.origin !== op.origin;
  } catch { return false; }
};

let browser;
const hardStop = setTimeout(() => {
  result.error = 'hard timeout';
  write();
  process.exit(3);
}, Number(opt['timeout-ms']) + 15000);

try {
  if (!url) throw new Error('no URL given');
  browser = await chromium.launch({
    executablePath: opt.chromium || '/usr/bin/chromium',
    headless: true,
    timeout: 30000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
      // The provider is a public site in production: let Local Network Access judge its
      // pages' way to the application's loopback listener as it would there.
      `--ip-address-space-overrides=127.0.0.1:${opt['op-port']}=public`],
  });
  const context = await browser.newContext({ viewport: { width: 760, height: 520 }, colorScheme: 'light' });
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1') return route.continue();
    result.blocked.push(u.origin);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (req) => {
    if (isApp(req.url()) && req.isNavigationRequest()) result.app_requests.push(`${req.method()} ${req.url().split('?')[0]}`);
  });
  page.setDefaultTimeout(15000);
  result.steps.push(`open ${url.split('?')[0]}`);
  await page.goto(url, { waitUntil: 'load' });
  let acted = '';
  for (;;) {
    if (Date.now() > deadline) throw new Error(`timed out on ${page.url()}`);
    const href = page.url();
    if (isApp(href)) {
      await page.waitForLoadState('load');
      const text = await page.evaluate(() => document.body && document.body.innerText).catch(() => null);
      if (text && text.trim()) {
        result.final_url = href.split('?')[0];
        result.title = await page.title();
        result.text = text.trim();
        if (opt.screenshot) await page.screenshot({ path: opt.screenshot });
        result.steps.push(`landed on ${result.final_url}`);
        result.ok = true;
        break;
      }
    } else {
      const kind = await page.evaluate(() => {
        if (document.querySelector('input[name=login]')) return 'login';
        if (document.querySelector('input[name=prompt][value=consent]')) return 'consent';
        if (document.getElementById('op.logoutForm')) return 'logout';
        return '';
      }).catch(() => '');
      const key = `${href}|${kind}`;
      if (kind && key !== acted) {
        acted = key;
        if (opt.action === 'deny' && (kind === 'login' || kind === 'consent')) {
          result.steps.push(`${kind} page: click [ Cancel ]`);
          await page.click('a[href$="/abort"]');
        } else if (kind === 'login') {
          result.steps.push(`login page: type ${opt.login} and a password, click Sign-in`);
          await page.fill('input[name=login]', opt.login);
          await page.fill('input[name=password]', 'any-password');
          await page.click('button[type=submit]');
        } else if (kind === 'consent') {
          result.steps.push('consent page: click Continue');
          await page.click('button[type=submit]');
        } else if (kind === 'logout') {
          result.steps.push('logout page: click "Yes, sign me out"');
          await page.click('button[name=logout]');
        }
      }
    }
    await sleep(100);
  }
} catch (e) {
  result.error = String(e && e.message ? e.message : e).split('\n')[0];
}
result.blocked = [...new Set(result.blocked)];
write();
if (browser) await browser.close().catch(() => {});
clearTimeout(hardStop);
process.exit(result.ok ? 0 : 1);
