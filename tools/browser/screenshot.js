// Saves a screenshot of payflowd's dashboard once it shows an active
// reservation and a live rate (or after TIMEOUT_S, whatever it shows then).
// usage: node screenshot.js URL OUT.png [TIMEOUT_S]
'use strict';
const { withPage } = require('./chromium');

async function main() {
  const [url, out, timeoutS] = process.argv.slice(2);
  await withPage(async (page) => {
    await page.goto(url);
    await page.waitForSelector('#resv tbody tr', { timeout: (Number(timeoutS) || 10) * 1000 })
      .catch(() => {});
    await page.waitForTimeout(3000); // a few polls: live rates and a chart to see
    await page.screenshot({ path: out, fullPage: true });
  });
}

main().catch((e) => { console.error('screenshot: ' + e); process.exit(1); });
