// Apollo Client 3 against the real gateway: automatic persisted queries (POST and GET),
// query batching, a mutation with its cache update, and relayStylePagination.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { demoGateway, graphql, queryHasField } from '../lib/gateway.mjs';
import { recordingFetch, operationsOf } from '../lib/record.mjs';

// Apollo Client 3 is CommonJS under its subpaths; graphql comes along the same way, so
// both see one copy of graphql-js.
const require = createRequire(import.meta.url);
const { ApolloClient, InMemoryCache, HttpLink, gql } = require('@apollo/client/core');
const { createPersistedQueryLink } = require('@apollo/client/link/persisted-queries');
const { BatchHttpLink } = require('@apollo/client/link/batch-http');
const { relayStylePagination } = require('@apollo/client/utilities');

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

const harness = demoGateway();
let gateway;
before(async () => {
  gateway = await harness.setup();
});
after(() => harness.teardown());

/** A client with a fresh cache over `link`. */
function client(link, cacheOptions = {}) {
  return new ApolloClient({ link, cache: new InMemoryCache(cacheOptions) });
}

function httpLink(fetch) {
  return new HttpLink({ uri: gateway.graphqlUrl, headers: gateway.headers(), fetch });
}

function persistedHash(operation) {
  return operation.extensions?.persistedQuery?.sha256Hash;
}

describe('Apollo Client: automatic persisted queries', () => {
  test('POST: the hash alone, PERSISTED_QUERY_NOT_FOUND, the query resent; then the hash alone suffices', async () => {
    const QUERY = gql`
      query ApqConversation($id: ID!) {
        conversation(id: $id) {
          id
          summary
          customer { name phone }
        }
      }
    `;
    const first = recordingFetch();
    const apollo = client(createPersistedQueryLink({ sha256 }).concat(httpLink(first.fetch)));
    const { data } = await apollo.query({ query: QUERY, variables: { id: 'conv_abc123' } });
    assert.equal(data.conversation.id, 'conv_abc123');
    assert.equal(data.conversation.customer.name, 'John Smith');
    assert.equal(data.conversation.summary, 'No hot water - needs emergency service');

    assert.equal(first.requests.length, 2, 'one hash-only request, one with the query');
    const [hashOnly, withQuery] = first.requests.map((r) => operationsOf(r)[0]);
    assert.equal(first.requests[0].method, 'POST');
    assert.equal(hashOnly.query, undefined, 'the first request carries no query text');
    assert.match(persistedHash(hashOnly), /^[0-9a-f]{64}$/);
    const notFound = await first.requests[0].response;
    assert.equal(notFound.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal(notFound.data ?? null, null);
    assert.match(withQuery.query, /query ApqConversation/);
    assert.equal(persistedHash(withQuery), persistedHash(hashOnly));
    assert.equal(persistedHash(withQuery), sha256(withQuery.query), 'the hash is the SHA-256 of the text sent');

    // Another client, another cache: the gateway knows the hash now.
    const second = recordingFetch();
    const other = client(createPersistedQueryLink({ sha256 }).concat(httpLink(second.fetch)));
    const again = await other.query({ query: QUERY, variables: { id: 'conv_def456' } });
    assert.equal(again.data.conversation.customer.name, 'Jane Doe');
    assert.equal(second.requests.length, 1, 'one request');
    const [only] = operationsOf(second.requests[0]);
    assert.equal(only.query, undefined, 'no query text');
    assert.equal(persistedHash(only), persistedHash(hashOnly));
  });

  test('GET (useGETForHashedQueries): the hash-only GET runs a registered query', async () => {
    const QUERY = gql`
      query ApqByGet($id: ID!) {
        conversation(id: $id) {
          id
          status
          tags
        }
      }
    `;
    const link = (fetch) =>
      createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(httpLink(fetch));

    const first = recordingFetch();
    const registered = await client(link(first.fetch)).query({ query: QUERY, variables: { id: 'conv_def456' } });
    assert.equal(registered.data.conversation.status, 'PENDING');
    assert.equal(first.requests[0].method, 'GET', 'the hash goes out as a GET first');
    assert.equal(first.requests[0].url.searchParams.get('query'), null);
    const notFound = await first.requests[0].response;
    assert.equal(notFound.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal(first.requests.length, 2);
    assert.match(operationsOf(first.requests[1])[0].query, /query ApqByGet/);

    const second = recordingFetch();
    const { data } = await client(link(second.fetch)).query({ query: QUERY, variables: { id: 'conv_abc123' } });
    assert.equal(data.conversation.id, 'conv_abc123');
    assert.equal(data.conversation.status, 'OPEN');
    assert.deepEqual(data.conversation.tags.slice().sort(), ['emergency', 'water_heater']);
    assert.equal(second.requests.length, 1, 'one request');
    const [get] = second.requests;
    assert.equal(get.method, 'GET');
    assert.equal(get.url.searchParams.get('query'), null, 'no query text in the URL');
    const [operation] = operationsOf(get);
    assert.match(persistedHash(operation), /^[0-9a-f]{64}$/);
    assert.deepEqual(operation.variables, { id: 'conv_abc123' });
  });
});

describe('Apollo Client: BatchHttpLink', () => {
  test('three queries issued together go out as one HTTP request and each gets its own answer', async () => {
    const recorder = recordingFetch();
    const apollo = client(
      new BatchHttpLink({
        uri: gateway.graphqlUrl,
        headers: gateway.headers(),
        fetch: recorder.fetch,
        batchMax: 10,
        batchInterval: 25,
      }),
    );
    const CONVERSATION = gql`
      query BatchedConversation($id: ID!) {
        conversation(id: $id) {
          id
          channel
          customer { name }
        }
      }
    `;
    const OLDEST = gql`
      query BatchedOldest {
        conversations(sort: CREATED_ASC, limit: 3) {
          conversations { id createdAt }
          pagination { total }
        }
      }
    `;
    const [abc, def, oldest] = await Promise.all([
      apollo.query({ query: CONVERSATION, variables: { id: 'conv_abc123' } }),
      apollo.query({ query: CONVERSATION, variables: { id: 'conv_def456' } }),
      apollo.query({ query: OLDEST }),
    ]);

    assert.equal(recorder.requests.length, 1, 'one HTTP request');
    const [request] = recorder.requests;
    assert.equal(request.method, 'POST');
    assert.ok(Array.isArray(request.body), 'the body is a JSON array');
    assert.equal(request.body.length, 3);
    assert.deepEqual(
      request.body.map((op) => op.operationName),
      ['BatchedConversation', 'BatchedConversation', 'BatchedOldest'],
    );
    const answer = await request.response;
    assert.ok(Array.isArray(answer) && answer.length === 3, 'the answer is an array of three');

    assert.equal(abc.data.conversation.id, 'conv_abc123');
    assert.equal(abc.data.conversation.channel, 'VOICE');
    assert.equal(abc.data.conversation.customer.name, 'John Smith');
    assert.equal(def.data.conversation.id, 'conv_def456');
    assert.equal(def.data.conversation.channel, 'SMS');
    assert.equal(def.data.conversation.customer.name, 'Jane Doe');
    const rows = oldest.data.conversations.conversations;
    assert.equal(rows.length, 3);
    const times = rows.map((r) => Date.parse(r.createdAt));
    assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
    assert.ok(oldest.data.conversations.pagination.total > 100, 'the demo has a few hundred conversations');
  });
});

describe('Apollo Client: mutation', () => {
  test('addConversationTags changes the conversation and the normalized cache', async () => {
    const apollo = client(httpLink(fetch));
    const tag = `apollo_${randomBytes(4).toString('hex')}`;
    const { data } = await apollo.mutate({
      mutation: gql`
        mutation Tag($input: ConversationTagsInput!) {
          addConversationTags(input: $input) {
            conversation { id tags }
          }
        }
      `,
      variables: { input: { conversationId: 'conv_abc123', tags: [tag.toUpperCase()] } },
    });
    assert.equal(data.addConversationTags.conversation.id, 'conv_abc123');
    assert.ok(data.addConversationTags.conversation.tags.includes(tag), 'the tag, lower-cased');
    assert.ok(data.addConversationTags.conversation.tags.includes('emergency'), 'the others stay');

    const cached = apollo.cache.readFragment({
      id: 'Conversation:conv_abc123',
      fragment: gql`
        fragment CachedTags on Conversation {
          tags
        }
      `,
    });
    assert.ok(cached.tags.includes(tag), 'the cache holds the new tags under Conversation:conv_abc123');

    const stored = await graphql(gateway, '{ conversation(id: "conv_abc123") { tags } }');
    assert.ok(stored.data.conversation.tags.includes(tag), 'the gateway kept it');
  });
});

describe('Apollo Client: relayStylePagination', () => {
  test('fetchMore over conversationsConnection merges the second page into the first', async (t) => {
    if (!(await queryHasField(gateway, 'conversationsConnection'))) {
      t.skip('the served schema has no Query.conversationsConnection (Relay support not in this build)');
      return;
    }
    const PAGE = gql`
      query InboxPage($first: Int!, $after: String) {
        conversationsConnection(first: $first, after: $after, sort: CREATED_ASC) {
          edges {
            cursor
            node { id createdAt }
          }
          pageInfo { hasNextPage hasPreviousPage endCursor }
        }
      }
    `;
    const recorder = recordingFetch();
    const apollo = client(httpLink(recorder.fetch), {
      typePolicies: { Query: { fields: { conversationsConnection: relayStylePagination(['filter', 'sort']) } } },
    });
    const watched = apollo.watchQuery({ query: PAGE, variables: { first: 5 } });
    const firstPage = await watched.result();
    const page1 = firstPage.data.conversationsConnection;
    assert.equal(page1.edges.length, 5);
    assert.equal(page1.pageInfo.hasNextPage, true);
    assert.equal(page1.pageInfo.hasPreviousPage, false);

    const more = await watched.fetchMore({ variables: { after: page1.pageInfo.endCursor } });
    const page2 = more.data.conversationsConnection;
    assert.equal(page2.edges.length, 5, 'fetchMore answers the second page');
    assert.equal(page2.pageInfo.hasPreviousPage, true);

    const merged = watched.getCurrentResult().data.conversationsConnection;
    const ids = merged.edges.map((e) => e.node.id);
    assert.equal(ids.length, 10, 'the edges of both pages, merged');
    assert.equal(new Set(ids).size, 10, 'no conversation twice');
    assert.equal(merged.pageInfo.endCursor, page2.pageInfo.endCursor);

    // The merged list is exactly the first ten in that order.
    const direct = await graphql(
      gateway,
      '{ conversationsConnection(first: 10, sort: CREATED_ASC) { edges { node { id } } } }',
    );
    assert.deepEqual(ids, direct.data.conversationsConnection.edges.map((e) => e.node.id));
    assert.equal(recorder.requests.length, 2);
  });
});
