// graphql-codegen (typescript + typescript-operations) pointed at the running gateway:
// it introspects over HTTP with the two auth headers, generates the schema's and the
// operations' types, and tsc type-checks a small file that uses them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLIENTS_DIR, demoGateway, tempDir } from '../lib/gateway.mjs';

const execFileAsync = promisify(execFile);
const bin = (name) => path.join(CLIENTS_DIR, 'node_modules', '.bin', name);

const harness = demoGateway();
let gateway;
let dir;
before(async () => {
  gateway = await harness.setup();
  dir = await tempDir('inbox-codegen-');
});
after(async () => {
  await harness.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const OPERATIONS = `
query CodegenInbox($filter: ConversationFilter, $limit: Int) {
  conversations(filter: $filter, limit: $limit, sort: PRIORITY_DESC) {
    conversations {
      id
      channel
      priority
      customer { name phone }
      assignee { name }
    }
    pagination { total hasMore }
  }
}

mutation CodegenTag($input: ConversationTagsInput!) {
  addConversationTags(input: $input) {
    conversation { id tags }
  }
}
`;

// Uses the generated types; each @ts-expect-error must meet an error, so tsc also fails
// when the types are too loose.
const USAGE = `
import type { Query } from './types';
import type { CodegenInboxQuery, CodegenInboxQueryVariables, CodegenTagMutation, CodegenTagMutationVariables } from './operations';

export const variables: CodegenInboxQueryVariables = {
  filter: { status: 'OPEN', channels: ['VOICE', 'SMS'], tags: ['emergency'] },
  limit: 10,
};

export function names(result: CodegenInboxQuery): string[] {
  return result.conversations.conversations.map((c) => c.customer.name + (c.assignee ? ' / ' + c.assignee.name : ''));
}

export function urgent(result: CodegenInboxQuery): boolean {
  return result.conversations.conversations.some((c) => c.priority === 'URGENT');
}

export function tags(result: CodegenTagMutation): string[] {
  return result.addConversationTags.conversation.tags;
}

export const tagging: CodegenTagMutationVariables = { input: { conversationId: 'conv_abc123', tags: ['vip'] } };

export type RootFields = keyof Query;
export const root: RootFields = 'conversations';

export function unselected(result: CodegenInboxQuery) {
  // @ts-expect-error: summary is not selected by CodegenInbox
  return result.conversations.conversations[0].summary;
}

export function nullableAssignee(result: CodegenInboxQuery): string {
  // @ts-expect-error: assignee may be null
  return result.conversations.conversations[0].assignee.name;
}

// @ts-expect-error: FAX is not a Channel
export const badChannel: CodegenInboxQueryVariables = { filter: { channels: ['FAX'] } };
`;

test('graphql-codegen generates types from the served schema, and tsc accepts code using them', async () => {
  await mkdir(path.join(dir, 'operations'));
  await writeFile(path.join(dir, 'operations', 'inbox.graphql'), OPERATIONS);
  // typescript-operations 6 writes the input and enum types its operations use itself,
  // so the schema's types (the typescript plugin) go to a file of their own.
  const types = path.join(dir, 'types.ts');
  const operations = path.join(dir, 'operations.ts');
  const config = {
    overwrite: true,
    schema: [{ [gateway.graphqlUrl]: { headers: gateway.headers() } }],
    documents: [path.join(dir, 'operations', '*.graphql')],
    config: { enumsAsTypes: true, scalars: { DateTime: 'string', JSON: 'unknown' } },
    generates: {
      [types]: { plugins: ['typescript'] },
      [operations]: { plugins: ['typescript-operations'] },
    },
  };
  const configFile = path.join(dir, 'codegen.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));

  // Run from tests/clients, where the plugins are installed (the paths are absolute).
  const codegen = await execFileAsync(bin('graphql-codegen'), ['--config', configFile], {
    cwd: CLIENTS_DIR,
    timeout: 60_000,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
  }).catch((err) => {
    throw new Error(`graphql-codegen failed:\n${err.stdout}\n${err.stderr}`);
  });
  assert.doesNotMatch(codegen.stdout + codegen.stderr, /✖|error/i);

  const schemaTypes = await readFile(types, 'utf8');
  assert.match(schemaTypes, /export type Query = \{/);
  assert.match(schemaTypes, /export type Mutation = \{/);
  // Relay's Node interface: the four object types carry a nodeId.
  assert.match(schemaTypes, /export type Node = \{[^}]*nodeId: Scalars\['ID'\]\['output'\]/);
  for (const type of ['Conversation', 'Customer', 'User', 'Note']) {
    assert.match(schemaTypes, new RegExp(`export type ${type} = Node & \\{`));
  }
  assert.match(schemaTypes, /export type Channel =[^;]*'VOICE'[^;]*;/);
  const generated = await readFile(operations, 'utf8');
  assert.match(generated, /export type CodegenInboxQueryVariables = /);
  assert.match(generated, /export type CodegenInboxQuery = \{ conversations: \{ conversations: Array<\{ id: string, channel: Channel/);
  assert.match(generated, /export type CodegenTagMutationVariables = /);
  assert.match(generated, /export type CodegenTagMutation = \{ addConversationTags: \{ conversation: \{ id: string, tags: Array<string> \} \} \}/);

  await writeFile(path.join(dir, 'usage.ts'), USAGE);
  await execFileAsync(
    bin('tsc'),
    [
      '--noEmit',
      '--strict',
      '--target', 'es2022',
      '--module', 'esnext',
      '--moduleResolution', 'bundler',
      '--skipLibCheck',
      path.join(dir, 'usage.ts'),
    ],
    { cwd: dir, timeout: 60_000 },
  ).catch((err) => {
    throw new Error(`tsc --noEmit failed:\n${err.stdout}\n${err.stderr}`);
  });
});
