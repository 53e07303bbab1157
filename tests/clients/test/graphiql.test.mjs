// GraphiQL in headless Chromium, offline: every request to another origin than the
// gateway's is aborted (and counted), so the page must bring all its assets itself. It
// must render, show the schema in its docs, run the default query with the headers from
// the URL fragment, and leave the key out of the browser's storage.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { demoGateway } from '../lib/gateway.mjs';
import { launchChromium } from '../lib/browser.mjs';

const harness = demoGateway();
let gateway;
let chromium;
before(async () => {
  gateway = await harness.setup();
  chromium = await launchChromium();
});
after(async () => {
  if (chromium) await chromium.close();
  await harness.teardown();
});

test('GraphiQL renders offline, shows the schema, runs the default query, keeps the key out of storage', async (t) => {
  const context = await chromium.browser.newContext();
  const page = await context.newPage();
  const origin = new URL(gateway.graphiqlUrl).origin;
  const blocked = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));

  try {
    await page.goto(gateway.graphiqlUrl, { waitUntil: 'load', timeout: 30_000 });

    // Rendered: GraphiQL replaced the placeholder with its editor.
    try {
      await page.locator('.graphiql-container').waitFor({ state: 'visible', timeout: 20_000 });
    } catch {
      const shown = (await page.locator('body').innerText()).slice(0, 200);
      throw new Error(
        `GraphiQL did not render: the page shows ${JSON.stringify(shown)}; ` +
          `requests to other origins (blocked): ${JSON.stringify(blocked)}; page errors: ${JSON.stringify(pageErrors)}`,
      );
    }
    assert.doesNotMatch(await page.locator('body').innerText(), /Loading GraphiQL/);
    await page.locator('.graphiql-query-editor').first().waitFor({ state: 'visible', timeout: 10_000 });

    // The docs explorer shows the root type Query (GraphiQL loaded the schema with the
    // fragment's headers).
    await page.locator('button[aria-label*="Documentation Explorer"]').first().click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.waitFor({ state: 'visible', timeout: 10_000 });
    await docs.getByText('Query', { exact: true }).first().waitFor({ state: 'visible', timeout: 15_000 });

    // Run the default query.
    await page.locator('.graphiql-execute-button').first().click();
    const response = page.locator('.graphiql-response, .result-window').first();
    await page.waitForFunction(
      () => /"conv_[A-Za-z0-9_]+"/.test(document.querySelector('.graphiql-response, .result-window')?.innerText ?? ''),
      null,
      { timeout: 20_000 },
    );
    const result = await response.innerText();
    assert.match(result, /"conversations"/);
    assert.match(result, /"id": "conv_/);
    assert.doesNotMatch(result, /UNAUTHENTICATED|FORBIDDEN/);

    assert.deepEqual(blocked, [], 'every asset comes from the gateway');

    const storage = await page.evaluate(() => ({
      local: Object.entries(localStorage),
      session: Object.entries(sessionStorage),
    }));
    const holding = [
      ...storage.local.filter(([, value]) => value.includes(gateway.apiKey)).map(([key]) => `localStorage ${key}`),
      ...storage.session.filter(([, value]) => value.includes(gateway.apiKey)).map(([key]) => `sessionStorage ${key}`),
    ];
    assert.deepEqual(holding, [], 'the API key is in neither localStorage nor sessionStorage');
    assert.deepEqual(pageErrors, []);
  } catch (err) {
    const shot = path.join(tmpdir(), `graphiql-failure-${process.pid}-${Date.now()}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    t.diagnostic(`screenshot: ${shot}`);
    t.diagnostic(`blocked requests: ${blocked.length}`);
    throw err;
  } finally {
    await context.close();
  }
});
