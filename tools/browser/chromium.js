// Debian's chromium, headless, for PayFlow's dashboard test and the demo's
// screenshot: playwright-core (tools/package.json) drives /usr/bin/chromium
// and never downloads a browser. A fresh, empty profile each time.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require(path.join(__dirname, '../node_modules/playwright-core'));

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

// Calls fn(page) in a fresh browser; closes it and removes its profile after.
async function withPage(fn) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: ARGS,
    viewport: { width: 1280, height: 1000 },
  });
  try {
    return await fn(ctx.pages()[0] || await ctx.newPage());
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

module.exports = { withPage };
