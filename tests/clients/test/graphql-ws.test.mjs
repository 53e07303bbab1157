// graphql-ws (the npm client of the graphql-transport-ws protocol, on Node over the ws
// package) against the real gateway's live updates: a filtered subscription fed by
// mutations over HTTP, resuming by cursor, the close codes of bad credentials, and
// Apollo's GraphQLWsLink and urql's subscriptionExchange over the same client.

import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Client as UrqlClient, subscriptionExchange } from '@urql/core';
import { demoGateway, graphql } from '../lib/gateway.mjs';

// Apollo Client 3 is CommonJS under its subpaths (see apollo.test.mjs).
const require = createRequire(import.meta.url);
const { ApolloClient, InMemoryCache, gql } = require('@apollo/client/core');
const { GraphQLWsLink } = require('@apollo/client/link/subscriptions');

const EVENTS = `subscription Events($filter: ConversationFilter, $after: String) {
  conversationEvents(filter: $filter, after: $after) {
    cursor
    matches
    event { id kind details }
    conversation { id status tags assignee { id } }
  }
}`;

const harness = demoGateway();
let gateway;
/** Demo conversations by status, each test taking its own. */
let open;
let pending;
before(async () => {
  gateway = await harness.setup();
  open = await conversationsWith('OPEN');
  pending = await conversationsWith('PENDING');
});
after(() => harness.teardown());

/** Every client a test made, disposed after it, so that the next test starts with none. */
const clients = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await waitForSubscriptions(0);
});

function wsClient(options = {}) {
  const client = createClient({
    url: gateway.graphqlUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: gateway.headers(),
    retryAttempts: 0,
    shouldRetry: () => false,
    ...options,
  });
  clients.push(client);
  return client;
}

/**
 * Subscribes to conversationEvents. `take(n)` answers the next n events (failing on an
 * error, the end of the stream, or none within the time); `pending()` counts those
 * received and not yet taken.
 */
function subscribe(client, variables) {
  const queue = [];
  let wake = () => {};
  client.subscribe(
    { query: EVENTS, variables },
    {
      next: (result) => push({ result }),
      error: (error) => push({ error }),
      complete: () => push({ complete: true }),
    },
  );
  function push(item) {
    queue.push(item);
    wake();
  }
  async function one(deadline) {
    while (queue.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no event arrived in time');
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, left).unref();
      });
    }
    const { result, error, complete } = queue.shift();
    if (error) throw new Error(`the subscription failed: ${describeError(error)}`);
    if (complete) throw new Error('the subscription completed');
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data.conversationEvents;
  }
  return {
    async take(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const events = [];
      for (let i = 0; i < n; i += 1) events.push(await one(deadline));
      return events;
    },
    pending: () => queue.length,
  };
}

function describeError(error) {
  if (error && typeof error.code === 'number') return `closed ${error.code} ${error.reason}`;
  if (Array.isArray(error)) return JSON.stringify(error);
  return String(error?.message ?? error);
}

/** Waits until the gateway's /metrics shows this many live subscriptions. */
async function waitForSubscriptions(count) {
  let last;
  for (let i = 0; i < 200; i += 1) {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    last = text.split('\n').find((line) => line.startsWith('inbox_live_subscriptions '));
    if (last && Number(last.split(' ')[1]) === count) return;
    await sleep(25);
  }
  throw new Error(`inbox_live_subscriptions never reached ${count}: ${last}`);
}

async function conversationsWith(status) {
  const body = await graphql(
    gateway,
    `query ($status: StatusFilter!) {
      conversations(filter: { status: $status }, limit: 20) { conversations { id status tags assignee { id } } }
    }`,
    { status },
  );
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data.conversations.conversations;
}

async function mutate(query, input) {
  const body = await graphql(gateway, query, { input });
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

const addTag = (id, tag) =>
  mutate(
    'mutation ($input: ConversationTagsInput!) { addConversationTags(input: $input) { conversation { id } } }',
    { conversationId: id, tags: [tag] },
  );
const setStatus = (id, status) =>
  mutate(
    'mutation ($input: UpdateConversationStatusInput!) { updateConversationStatus(input: $input) { conversation { id } } }',
    { conversationId: id, status },
  );
const addNote = async (id, content) =>
  (
    await mutate(
      'mutation ($input: AddConversationNoteInput!) { addConversationNote(input: $input) { note { id } } }',
      { conversationId: id, content },
    )
  ).addConversationNote.note;

/** The ids of a conversation's stored activity, oldest first. */
async function activityIds(id) {
  const body = await graphql(gateway, 'query ($id: ID!) { conversation(id: $id) { activity { id } } }', { id });
  return body.data.conversation.activity.map((event) => event.id);
}

/**
 * The conversation tags of a TAGS_ADDED event: those held before followed by the ones
 * added, all in the order they were added.
 */
function assertTags(actual, held, added, message) {
  assert.deepEqual(actual, [...held, ...added], message);
}

const unique = (prefix) => `${prefix}${randomBytes(4).toString('hex')}`;

describe('graphql-ws', () => {
  test('a filtered subscription sees each change in commit order, with matches, and nothing outside the view', async () => {
    const [a, b] = open;
    const outside = pending[0];
    const events = subscribe(wsClient(), { filter: { status: 'OPEN' } });
    await waitForSubscriptions(1);

    const [hidden, tag, late] = [unique('hidden'), unique('live'), unique('late')];
    await addTag(outside.id, hidden); // PENDING before and after: never seen
    await addTag(a.id, tag);
    await setStatus(a.id, 'RESOLVED'); // leaves the view: seen, with matches false
    await addTag(a.id, late); // out of the view: never seen
    const note = await addNote(b.id, 'Customer asked for a morning slot');

    const [tagged, resolved, noted] = await events.take(3);
    assert.equal(tagged.event.kind, 'TAGS_ADDED');
    assert.deepEqual(tagged.event.details, { tags: [tag] });
    const { tags: taggedTags, ...taggedRest } = tagged.conversation;
    assert.deepEqual(taggedRest, { id: a.id, status: 'OPEN', assignee: a.assignee });
    assertTags(taggedTags, a.tags, [tag]);
    assert.equal(tagged.matches, true);

    assert.equal(resolved.event.kind, 'STATUS_CHANGED');
    assert.deepEqual(resolved.event.details, { from: 'OPEN', to: 'RESOLVED' });
    const { tags: resolvedTags, ...resolvedRest } = resolved.conversation;
    assert.deepEqual(resolvedRest, { id: a.id, status: 'RESOLVED', assignee: a.assignee });
    assert.deepEqual(resolvedTags.sort(), [...a.tags, tag].sort(), 'as this change left it, without the later tag');
    assert.equal(resolved.matches, false);

    assert.equal(noted.event.kind, 'NOTE_ADDED');
    assert.deepEqual(noted.event.details, { noteId: note.id });
    assert.equal(noted.conversation.id, b.id);
    assert.equal(noted.conversation.status, 'OPEN');
    assert.equal(noted.matches, true);

    // The events are the stored ones: a's last three are the tag, the resolve, the late tag.
    const stored = await activityIds(a.id);
    assert.deepEqual([tagged.event.id, resolved.event.id], stored.slice(-3, -1));
    assert.equal(new Set([tagged.cursor, resolved.cursor, noted.cursor]).size, 3, 'one cursor each');

    // Commit order puts the hidden and late tags before the note: had they been sent, they
    // would have come first. Nothing else follows either.
    await sleep(300);
    assert.equal(events.pending(), 0);
  });

  test('after: the missed events first, in order and once each, then live ones', async () => {
    const [, , a, b] = open;
    const outside = pending[1];
    const filter = { status: 'OPEN' };
    const first = wsClient();
    const seenBy = subscribe(first, { filter });
    await waitForSubscriptions(1);
    const [t1, t2] = [unique('seen'), unique('seen')];
    await addTag(a.id, t1);
    await addTag(a.id, t2);
    const seen = await seenBy.take(2);
    assert.deepEqual(
      seen.map((e) => e.event.details.tags),
      [[t1], [t2]],
    );
    await first.dispose();
    await waitForSubscriptions(0);

    // Changes while nobody listens.
    const [t3, t4] = [unique('away'), unique('away')];
    await addTag(b.id, t3);
    await addTag(outside.id, t4); // outside the filter: not replayed either
    await setStatus(a.id, 'PENDING'); // leaves the view
    const note = await addNote(b.id, 'Left a voicemail');

    const resumed = subscribe(wsClient(), { filter, after: seen[1].cursor });
    const replayed = await resumed.take(3);
    assert.deepEqual(
      replayed.map((e) => [e.conversation.id, e.event.kind, e.event.details, e.matches]),
      [
        [b.id, 'TAGS_ADDED', { tags: [t3] }, true],
        [a.id, 'STATUS_CHANGED', { from: 'OPEN', to: 'PENDING' }, false],
        [b.id, 'NOTE_ADDED', { noteId: note.id }, true],
      ],
    );
    assertTags(replayed[0].conversation.tags, b.tags, [t3]);
    const { tags, ...leaving } = replayed[1].conversation;
    assert.deepEqual(leaving, { id: a.id, status: 'PENDING', assignee: a.assignee });
    assert.deepEqual([...tags].sort(), [...a.tags, t1, t2].sort());
    const storedB = await activityIds(b.id);
    assert.deepEqual([replayed[0].event.id, replayed[2].event.id], storedB.slice(-2));

    // Then live, on the same subscription.
    const t5 = unique('live');
    await addTag(b.id, t5);
    const [live] = await resumed.take(1);
    assert.equal(live.conversation.id, b.id);
    assert.deepEqual(live.event.details, { tags: [t5] });
    assert.equal(live.matches, true);
    await sleep(300);
    assert.equal(resumed.pending(), 0, 'nothing twice');

    const cursors = [...seen, ...replayed, live].map((e) => e.cursor);
    assert.equal(new Set(cursors).size, cursors.length, 'no cursor twice');
    const ids = [...seen, ...replayed, live].map((e) => e.event.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');

    // Resuming from an earlier cursor starts with the event after it, exactly as first sent.
    const earlier = subscribe(wsClient(), { filter, after: seen[0].cursor });
    const [again] = await earlier.take(1);
    assert.deepEqual(again, seen[1]);
  });

  test(
    "an event's conversation lists its tags in the order they were added, as Query.conversation does",
    async (t) => {
      const conversation = pending
        .slice(2)
        .find((c) => c.tags.length >= 2 && c.tags.join() !== [...c.tags].sort().join());
      if (!conversation) {
        t.skip('no demo conversation has its tags out of alphabetical order');
        return;
      }
      const events = subscribe(wsClient(), {});
      await waitForSubscriptions(1);
      const tag = unique('order');
      await addTag(conversation.id, tag);
      const [event] = await events.take(1);
      const body = await graphql(gateway, 'query ($id: ID!) { conversation(id: $id) { tags } }', {
        id: conversation.id,
      });
      assert.deepEqual(body.data.conversation.tags, [...conversation.tags, tag]);
      assert.deepEqual(event.conversation.tags, body.data.conversation.tags);
    },
  );

  test('bad credentials close the socket 4401, another workspace 4403; good upgrade headers are enough', async () => {
    const attempt = async ({ expectConnected = false, ...options }) => {
      let connected = false;
      let closedWith;
      const client = wsClient({
        ...options,
        on: {
          connected: () => {
            connected = true;
          },
          closed: (event) => {
            closedWith ??= event.code;
          },
        },
      });
      const outcome = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ timeout: true }), 10_000);
        client.subscribe(
          { query: EVENTS, variables: {} },
          {
            next: () => {},
            error: (error) => {
              clearTimeout(timer);
              resolve({ error });
            },
            complete: () => {
              clearTimeout(timer);
              resolve({ complete: true });
            },
          },
        );
        // A good connection never errors: the probe ends once its subscription is registered.
        if (expectConnected) {
          waitForSubscriptions(1).then(
            () => {
              clearTimeout(timer);
              resolve({ subscribed: true });
            },
            (error) => resolve({ error }),
          );
        }
      });
      return { connected, closedWith, outcome };
    };

    const key = gateway.apiKey;
    const workspace = gateway.workspaceId;
    for (const [name, connectionParams, code] of [
      ['no credentials', {}, 4401],
      ['an unknown key', { Authorization: 'Bearer nope', 'X-Workspace-ID': workspace }, 4401],
      ['a malformed header', { Authorization: key, 'X-Workspace-ID': workspace }, 4401],
      ['another workspace', { Authorization: `Bearer ${key}`, 'X-Workspace-ID': 'ws_other' }, 4403],
      ['no workspace', { Authorization: `Bearer ${key}` }, 4403],
    ]) {
      const { connected, closedWith, outcome } = await attempt({ connectionParams });
      assert.equal(connected, false, name);
      assert.equal(closedWith, code, name);
      assert.equal(outcome.error?.code, code, `${name}: the sink's error is the close event`);
    }

    // Credentials on the upgrade request (ws takes headers), with an empty payload.
    class WithHeaders extends WebSocket {
      constructor(url, protocols) {
        super(url, protocols, { headers: gateway.headers() });
      }
    }
    const upgraded = await attempt({ webSocketImpl: WithHeaders, connectionParams: {}, expectConnected: true });
    assert.deepEqual(upgraded, { connected: true, closedWith: undefined, outcome: { subscribed: true } });
  });
});

describe('client libraries over graphql-ws', () => {
  test("Apollo Client's GraphQLWsLink, credentials under `headers`", async () => {
    const [, , , , , conversation] = open;
    const link = new GraphQLWsLink(wsClient({ connectionParams: { headers: gateway.headers() } }));
    const apollo = new ApolloClient({ link, cache: new InMemoryCache() });
    const tag = unique('apollo');
    const event = await new Promise((resolve, reject) => {
      const subscription = apollo
        .subscribe({ query: gql(EVENTS), variables: { filter: { status: 'OPEN' } } })
        .subscribe({
          next: (result) => {
            subscription.unsubscribe();
            if (result.errors) reject(new Error(JSON.stringify(result.errors)));
            else resolve(result.data.conversationEvents);
          },
          error: (error) => reject(new Error(describeError(error))),
        });
      waitForSubscriptions(1)
        .then(() => addTag(conversation.id, tag))
        .catch(reject);
    });
    assert.equal(event.__typename, 'ConversationEvent');
    assert.equal(event.event.kind, 'TAGS_ADDED');
    assert.deepEqual(event.event.details, { tags: [tag] });
    assert.equal(event.conversation.id, conversation.id);
    assert.ok(event.conversation.tags.includes(tag));
    assert.equal(event.matches, true);
  });

  test("urql's subscriptionExchange", async () => {
    const [, , , , , , conversation] = open;
    const ws = wsClient();
    const urql = new UrqlClient({
      url: gateway.graphqlUrl,
      exchanges: [
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
          }),
        }),
      ],
    });
    const tag = unique('urql');
    const event = await new Promise((resolve, reject) => {
      const { unsubscribe } = urql.subscription(EVENTS, { filter: { status: 'OPEN' } }).subscribe((result) => {
        unsubscribe();
        if (result.error) reject(result.error);
        else resolve(result.data.conversationEvents);
      });
      waitForSubscriptions(1)
        .then(() => addTag(conversation.id, tag))
        .catch(reject);
    });
    assert.equal(event.event.kind, 'TAGS_ADDED');
    assert.deepEqual(event.event.details, { tags: [tag] });
    assert.equal(event.conversation.id, conversation.id);
    assert.equal(event.matches, true);
  });
});
