// Drives Debian's chromium (headless, playwright-core, never a downloaded
// browser) against payflowd's dashboard: waits for one reservation's row,
// reads what the page shows, saves a screenshot, then waits for the row to
// go at the reservation's end. Prints one JSON line per phase for the shell
// test to judge.
// usage: node dashboard_check.js URL ID SCREENSHOT TIMEOUT_S
'use strict';
const path = require('path');
const { withPage } = require(path.join(__dirname, '../../tools/browser/chromium'));

async function main() {
  const [url, id, shot, timeoutS] = process.argv.slice(2);
  const limit = Number(timeoutS) * 1000;
  const requests = [];
  await withPage(async (page) => {
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
    const row = `#resv tbody tr[data-id="${id}"]`;
    await page.waitForSelector(row, { timeout: limit });
    const seen = await page.$eval(row, (tr) => ({
      pair: tr.querySelector('.pair').textContent,
      rate_bps: Number(tr.dataset.rateBps),
      end_unix: Number(tr.dataset.end),
      rate_text: tr.querySelector('.rate').textContent,
      end_text: tr.querySelector('.end').textContent,
      left_text: tr.querySelector('.left').textContent,
    }));
    seen.rate_text_expected = await page.evaluate((b) => window.pfFormat.rate(b), seen.rate_bps);
    seen.end_text_expected = await page.evaluate((e) => window.pfFormat.utc(e), seen.end_unix);
    await page.waitForTimeout(2100);
    seen.left_text_later = await page.$eval(row, (tr) => tr.querySelector('.left').textContent);
    seen.address_bar = page.url();
    seen.html_has_token = (await page.content()).includes('token=');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(JSON.stringify({ phase: 'seen', ...seen }));
    const t0 = Date.now();
    await page.waitForSelector(row, { state: 'detached', timeout: limit });
    const hosts = [...new Set(requests.map((u) => new URL(u).host))];
    console.log(JSON.stringify({ phase: 'gone', at_unix: Date.now() / 1000,
      waited_s: (Date.now() - t0) / 1000, hosts }));
  });
}

main().catch((e) => { console.log(JSON.stringify({ phase: 'error', error: String(e) })); process.exit(1); });
