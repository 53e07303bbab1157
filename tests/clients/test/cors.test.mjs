// A page on another origin calls the gateway from Chromium with fetch and the two auth
// headers (so the browser sends a CORS preflight first). The demo gateway allows any
// origin; a gateway with --cors-origin allows that origin only, and exposes X-Request-Id
// to it.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createDatabase, runCli, startGateway } from '../lib/gateway.mjs';
import { launchChromium, servePage } from '../lib/browser.mjs';

// Calls the gateway named in the fragment and shows what came back in #out.
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>another origin</title></head>
<body>
<pre id="out"></pre>
<script>
(async () => {
  const params = new URLSearchParams(location.hash.slice(1));
  const out = document.getElementById('out');
  let shown;
  try {
    const response = await fetch(params.get('gateway') + '/graphql', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Authorization': 'Bearer ' + params.get('key'),
        'X-Workspace-ID': params.get('workspace'),
      },
      body: JSON.stringify({ query: params.get('query') }),
    });
    shown = {
      ok: true,
      status: response.status,
      requestId: response.headers.get('X-Request-Id'),
      body: await response.json(),
    };
  } catch (err) {
    shown = { ok: false, error: String(err) };
  }
  out.textContent = JSON.stringify(shown);
})();
</script>
</body>
</html>
`;

let chromium;
const cleanups = [];
before(async () => {
  chromium = await launchChromium();
});
after(async () => {
  if (chromium) await chromium.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Opens the page at `pageOrigin` in a fresh context and answers what it showed. */
async function callFrom(pageOrigin, { gateway, apiKey, workspaceId, query }) {
  const context = await chromium.browser.newContext();
  try {
    const page = await context.newPage();
    const fragment = new URLSearchParams({ gateway, key: apiKey, workspace: workspaceId, query });
    await page.goto(`${pageOrigin}/#${fragment}`);
    const out = page.locator('#out');
    await page.waitForFunction(() => document.getElementById('out').textContent.length > 0, null, {
      timeout: 15_000,
    });
    return JSON.parse(await out.textContent());
  } finally {
    await context.close();
  }
}

/** A preflight as Chromium sends it for this page, asked with Node's fetch. */
async function preflight(gatewayUrl, origin) {
  return fetch(`${gatewayUrl}/graphql`, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type,x-workspace-id',
    },
  });
}

describe('a page on another origin', () => {
  test('the demo gateway answers a preflighted fetch from any origin', async () => {
    const db = await createDatabase();
    cleanups.push(db.drop);
    const gateway = await startGateway({ databaseUrl: db.url });
    cleanups.push(gateway.stop);
    const page = await servePage(PAGE);
    cleanups.push(page.close);

    const answer = await preflight(gateway.url, page.origin);
    assert.equal(answer.status, 204);
    const allowed = (answer.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['authorization', 'x-workspace-id', 'content-type']) {
      assert.ok(allowed.includes(header), `preflight allows ${header}: ${allowed}`);
    }

    const shown = await callFrom(page.origin, {
      gateway: gateway.url,
      apiKey: gateway.apiKey,
      workspaceId: gateway.workspaceId,
      query: '{ conversation(id: "conv_abc123") { id customer { name } } }',
    });
    assert.equal(shown.ok, true, `the page's fetch failed: ${shown.error}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.data.conversation.id, 'conv_abc123');
    assert.equal(shown.body.data.conversation.customer.name, 'John Smith');
  });

  test('with --cors-origin, the allowed origin gets data and X-Request-Id; another origin is blocked', async () => {
    const allowedPage = await servePage(PAGE);
    cleanups.push(allowedPage.close);
    const otherPage = await servePage(PAGE);
    cleanups.push(otherPage.close);

    const db = await createDatabase();
    cleanups.push(db.drop);
    await runCli(['migrate'], { databaseUrl: db.url });
    const workspace = await runCli(['workspace', 'create', '--name', 'CORS check'], { databaseUrl: db.url });
    assert.match(workspace.workspace_id, /\S/);
    assert.match(workspace.api_key, /\S/);
    const file = path.join(db.dir, 'import.json');
    await writeFile(
      file,
      JSON.stringify({
        conversations: [
          {
            id: 'conv_cors1',
            channel: 'live_chat',
            status: 'open',
            priority: 'high',
            customer: { id: 'cust_cors', name: 'Cora Origin', phone: '+13105550100', email: 'cora@example.com' },
            summary: 'Asked about a furnace tune-up from the website chat',
            tags: ['web'],
            created_at: '2024-02-01T10:00:00Z',
          },
        ],
      }),
    );
    const imported = await runCli(['import', '--workspace', workspace.workspace_id, file], { databaseUrl: db.url });
    assert.equal(imported.conversations, 1);

    const gateway = await startGateway({ databaseUrl: db.url, demo: false, corsOrigins: [allowedPage.origin] });
    cleanups.push(gateway.stop);
    const call = {
      gateway: gateway.url,
      apiKey: workspace.api_key,
      workspaceId: workspace.workspace_id,
      query: '{ conversations { conversations { id channel customer { name } } pagination { total } } }',
    };

    const allowed = await callFrom(allowedPage.origin, call);
    assert.equal(allowed.ok, true, `the allowed origin's fetch failed: ${allowed.error}`);
    assert.equal(allowed.status, 200);
    assert.deepEqual(allowed.body.data.conversations.conversations, [
      { id: 'conv_cors1', channel: 'LIVE_CHAT', customer: { name: 'Cora Origin' } },
    ]);
    assert.equal(allowed.body.data.conversations.pagination.total, 1);
    assert.ok(allowed.requestId, 'X-Request-Id is exposed to the allowed origin');
    assert.equal(allowed.requestId, allowed.body.extensions.requestId);

    const other = await callFrom(otherPage.origin, call);
    assert.equal(other.ok, false, 'the browser refuses the answer to another origin');
    assert.match(other.error, /TypeError|Failed to fetch/);

    // What the browser saw: the allowed origin's preflight is allowed, the other's is not.
    const allowedPreflight = await preflight(gateway.url, allowedPage.origin);
    assert.equal(allowedPreflight.headers.get('access-control-allow-origin'), allowedPage.origin);
    const otherPreflight = await preflight(gateway.url, otherPage.origin);
    assert.notEqual(otherPreflight.headers.get('access-control-allow-origin'), otherPage.origin);
    assert.equal(otherPreflight.headers.get('access-control-allow-origin'), null);
  });
});
