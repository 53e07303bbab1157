// relay-compiler over the served schema: the SDL comes from introspection
// (buildClientSchema + printSchema), the Node interface's id field is `nodeId`, and a
// @connection pagination fragment on Query and a @refetchable fragment on Conversation
// compile; the queries Relay generated then run against the gateway.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildClientSchema, getIntrospectionQuery, printSchema } from 'graphql';
import { CLIENTS_DIR, demoGateway, graphql, tempDir } from '../lib/gateway.mjs';

const execFileAsync = promisify(execFile);

const harness = demoGateway();
let gateway;
let dir;
before(async () => {
  gateway = await harness.setup();
  dir = await tempDir('inbox-relay-');
});
after(async () => {
  await harness.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The query text Relay put into a generated artifact (`params.text`). */
function operationText(artifact) {
  const match = artifact.match(/"text":\s*("(?:[^"\\]|\\.)*")/);
  assert.ok(match, 'the artifact carries its query text');
  return JSON.parse(match[1]);
}

test('relay-compiler compiles @connection and @refetchable documents against the served schema', async (t) => {
  const introspection = await graphql(gateway, getIntrospectionQuery());
  assert.equal(introspection.errors, undefined, JSON.stringify(introspection.errors));
  const schema = buildClientSchema(introspection.data);
  const node = schema.getType('Node');
  const nodeField = schema.getQueryType().getFields().node;
  if (!node || !nodeField || !schema.getQueryType().getFields().conversationsConnection) {
    t.skip('the served schema has no Node interface, Query.node or Query.conversationsConnection (Relay support not in this build)');
    return;
  }
  assert.ok(schema.getPossibleTypes(node).some((type) => type.name === 'Conversation'), 'Conversation implements Node');

  await writeFile(path.join(dir, 'schema.graphql'), printSchema(schema));
  await cp(path.join(CLIENTS_DIR, 'fixtures', 'relay'), path.join(dir, 'src'), { recursive: true });
  await writeFile(
    path.join(dir, 'relay.config.json'),
    JSON.stringify(
      {
        src: './src',
        schema: './schema.graphql',
        language: 'typescript',
        customScalarTypes: { DateTime: 'string', JSON: 'unknown' },
        schemaConfig: { nodeInterfaceIdField: 'nodeId', nodeInterfaceIdVariableName: 'nodeId' },
      },
      null,
      2,
    ),
  );

  await execFileAsync(path.join(CLIENTS_DIR, 'node_modules', '.bin', 'relay-compiler'), [], {
    cwd: dir,
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  }).catch((err) => {
    throw new Error(`relay-compiler exited ${err.code}:\n${err.stdout}\n${err.stderr}`);
  });

  const generated = path.join(dir, 'src', '__generated__');
  for (const artifact of [
    'InboxList_query.graphql.ts',
    'InboxListQuery.graphql.ts',
    'InboxListPaginationQuery.graphql.ts',
    'ConversationCard_conversation.graphql.ts',
    'ConversationCardRefetchQuery.graphql.ts',
  ]) {
    assert.ok(existsSync(path.join(generated, artifact)), `${artifact} generated`);
  }

  // The refetch query goes through node(nodeId:), and Relay selected nodeId itself.
  const refetch = operationText(await readFile(path.join(generated, 'ConversationCardRefetchQuery.graphql.ts'), 'utf8'));
  assert.match(refetch, /query ConversationCardRefetchQuery\(\s*\$nodeId: ID!\s*\)/);
  assert.match(refetch, /node\(nodeId: \$nodeId\)/);
  const pagination = operationText(await readFile(path.join(generated, 'InboxListPaginationQuery.graphql.ts'), 'utf8'));
  assert.match(pagination, /conversationsConnection\(/);
  assert.match(pagination, /pageInfo/);
  assert.match(pagination, /cursor/);

  // What Relay would send at run time works against the gateway.
  const page = await graphql(gateway, pagination, { count: 3 });
  assert.equal(page.errors, undefined, JSON.stringify(page.errors));
  const { edges, pageInfo } = page.data.conversationsConnection;
  assert.equal(edges.length, 3);
  assert.equal(pageInfo.hasNextPage, true);
  const next = await graphql(gateway, pagination, { count: 3, cursor: pageInfo.endCursor });
  const nextIds = next.data.conversationsConnection.edges.map((e) => e.node.id);
  assert.equal(nextIds.length, 3);
  assert.ok(!nextIds.some((id) => edges.some((e) => e.node.id === id)), 'the next page follows');

  const { data } = await graphql(gateway, '{ conversation(id: "conv_abc123") { nodeId } }');
  const refetched = await graphql(gateway, refetch, { nodeId: data.conversation.nodeId });
  assert.equal(refetched.errors, undefined, JSON.stringify(refetched.errors));
  assert.equal(refetched.data.node.id, 'conv_abc123');
  assert.equal(refetched.data.node.nodeId, data.conversation.nodeId);
  assert.equal(refetched.data.node.customer.name, 'John Smith');
});
