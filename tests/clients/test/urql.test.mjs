// urql (@urql/core with fetchExchange) against the real gateway: variables, a mutation,
// coded errors, and automatic persisted queries through @urql/exchange-persisted.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client, fetchExchange, gql } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { demoGateway } from '../lib/gateway.mjs';
import { recordingFetch, operationsOf } from '../lib/record.mjs';

const harness = demoGateway();
let gateway;
before(async () => {
  gateway = await harness.setup();
});
after(() => harness.teardown());

function urql({ exchanges = [fetchExchange], fetch = globalThis.fetch, preferGetMethod } = {}) {
  return new Client({
    url: gateway.graphqlUrl,
    exchanges,
    fetch,
    fetchOptions: () => ({ headers: gateway.headers() }),
    requestPolicy: 'network-only',
    ...(preferGetMethod === undefined ? {} : { preferGetMethod }),
  });
}

const INBOX = gql`
  query UrqlInbox($status: StatusFilter!, $channels: [Channel!], $limit: Int!) {
    conversations(filter: { status: $status, channels: $channels }, limit: $limit, sort: PRIORITY_DESC) {
      conversations {
        id
        status
        channel
        priority
      }
      pagination { total hasMore limit }
    }
  }
`;

describe('urql', () => {
  test('a query with variables', async () => {
    const result = await urql()
      .query(INBOX, { status: 'OPEN', channels: ['VOICE', 'SMS'], limit: 7 })
      .toPromise();
    assert.equal(result.error, undefined);
    const { conversations, pagination } = result.data.conversations;
    assert.equal(conversations.length, 7);
    assert.equal(pagination.limit, 7);
    assert.ok(pagination.total >= 7);
    assert.equal(pagination.hasMore, pagination.total > 7);
    for (const c of conversations) {
      assert.equal(c.status, 'OPEN');
      assert.ok(['VOICE', 'SMS'].includes(c.channel), c.channel);
    }
    // PRIORITY_DESC: URGENT first (conv_abc123 is an open, urgent voice call).
    assert.equal(conversations[0].priority, 'URGENT');
  });

  test('a mutation, seen by the next query', async () => {
    const client = urql();
    const word = `urqlnote${randomBytes(4).toString('hex')}`;
    const added = await client
      .mutation(
        gql`
          mutation UrqlNote($input: AddConversationNoteInput!) {
            addConversationNote(input: $input) {
              note { id content internal }
              conversation { id notes { content } }
            }
          }
        `,
        { input: { conversationId: 'conv_def456', content: `  Called back about ${word}  ` } },
      )
      .toPromise();
    assert.equal(added.error, undefined);
    const { note, conversation } = added.data.addConversationNote;
    assert.match(note.id, /^note_/);
    assert.equal(note.content, `Called back about ${word}`, 'trimmed');
    assert.equal(note.internal, true, 'internal by default');
    assert.equal(conversation.id, 'conv_def456');
    assert.ok(conversation.notes.some((n) => n.content.includes(word)));

    const found = await client
      .query(
        gql`
          query UrqlSearch($search: String!) {
            conversations(filter: { search: $search }) { conversations { id } }
          }
        `,
        { search: word },
      )
      .toPromise();
    assert.deepEqual(
      found.data.conversations.conversations.map((c) => c.id),
      ['conv_def456'],
      'the note is searchable at once',
    );
  });

  test('errors come back with extensions.code', async () => {
    const client = urql();
    const badLimit = await client.query(INBOX, { status: 'ALL', channels: null, limit: 0 }).toPromise();
    assert.ok(badLimit.error, 'limit 0 is an error');
    const [error] = badLimit.error.graphQLErrors;
    assert.equal(error.extensions.code, 'BAD_USER_INPUT');
    assert.equal(error.extensions.field, 'limit');

    const missing = await client
      .mutation(
        gql`
          mutation UrqlMissing($input: ConversationTagsInput!) {
            addConversationTags(input: $input) { conversation { id } }
          }
        `,
        { input: { conversationId: 'conv_does_not_exist', tags: ['x'] } },
      )
      .toPromise();
    assert.equal(missing.error?.graphQLErrors?.[0]?.extensions?.code, 'NOT_FOUND');

    const wrongType = await client.query(INBOX, { status: 'SOMETIMES', channels: null, limit: 5 }).toPromise();
    const [typeError] = wrongType.error.graphQLErrors;
    assert.equal(typeError.extensions.code, 'BAD_USER_INPUT');
    assert.equal(typeError.extensions.field, 'variables.status');
  });

  test('@urql/exchange-persisted: the hash first, the query on PersistedQueryNotFound, then the hash alone', async () => {
    const QUERY = gql`
      query UrqlPersisted($id: ID!) {
        conversation(id: $id) { id priority customer { name } }
      }
    `;
    const exchanges = () => [persistedExchange({ preferGetForPersistedQueries: true }), fetchExchange];

    const first = recordingFetch();
    const registered = await urql({ exchanges: exchanges(), fetch: first.fetch })
      .query(QUERY, { id: 'conv_abc123' })
      .toPromise();
    assert.equal(registered.error, undefined);
    assert.equal(registered.data.conversation.customer.name, 'John Smith');
    assert.equal(first.requests.length, 2);
    const [hashOnly, withQuery] = first.requests.map((r) => operationsOf(r)[0]);
    assert.equal(hashOnly.query, undefined);
    assert.match(hashOnly.extensions.persistedQuery.sha256Hash, /^[0-9a-f]{64}$/);
    assert.equal((await first.requests[0].response).errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.match(withQuery.query, /UrqlPersisted/);

    const second = recordingFetch();
    const again = await urql({ exchanges: exchanges(), fetch: second.fetch })
      .query(QUERY, { id: 'conv_def456' })
      .toPromise();
    assert.equal(again.error, undefined);
    assert.equal(again.data.conversation.customer.name, 'Jane Doe');
    assert.equal(again.data.conversation.priority, 'NORMAL');
    assert.equal(second.requests.length, 1, 'one request');
    assert.equal(second.requests[0].method, 'GET');
    const [only] = operationsOf(second.requests[0]);
    assert.equal(only.query, undefined, 'no query text');
    assert.equal(only.extensions.persistedQuery.sha256Hash, hashOnly.extensions.persistedQuery.sha256Hash);
  });
});
