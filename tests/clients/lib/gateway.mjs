// Starts and stops the real inbox-gateway binary the way a user does, each run on a
// database of its own: a SQLite file in a fresh temporary folder, or, when
// TEST_DATABASE_URL names a PostgreSQL server, a fresh database created there and
// dropped at the end.

import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/** tests/clients, whatever the working directory. */
export const CLIENTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The binary under test: $INBOX_GATEWAY_BIN, else the repository's release build. */
export function gatewayBinary() {
  const configured = process.env.INBOX_GATEWAY_BIN;
  const bin = configured
    ? path.resolve(process.cwd(), configured)
    : path.resolve(CLIENTS_DIR, '../../target/release/inbox-gateway');
  if (!existsSync(bin)) {
    throw new Error(`no gateway binary at ${bin}: run \`cargo build --release\` or set INBOX_GATEWAY_BIN`);
  }
  return bin;
}

/** Every child started here, so that none outlives this process, even on a crash. */
const children = new Set();
function killChildren() {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killChildren);
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15]]) {
  process.once(signal, () => {
    killChildren();
    process.exit(128 + number);
  });
}

/**
 * A fresh database. `url` is what the gateway gets; `drop()` removes it (the temporary
 * folder of a SQLite file, or the PostgreSQL database).
 */
export async function createDatabase() {
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) {
    const dir = await mkdtemp(path.join(tmpdir(), 'inbox-clients-'));
    return {
      engine: 'sqlite',
      url: `sqlite://${path.join(dir, 'inbox.db')}?mode=rwc`,
      dir,
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const name = `it_clients_${randomBytes(6).toString('hex')}`;
  await withAdmin(admin, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'inbox-clients-'));
  return {
    engine: 'postgres',
    url: url.toString(),
    dir,
    drop: async () => {
      await withAdmin(admin, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function withAdmin(adminUrl, work) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs a one-shot CLI command (`migrate`, `workspace create`, …) and parses its JSON line. */
export async function runCli(args, { databaseUrl }) {
  const { stdout } = await execFileAsync(gatewayBinary(), [...args, '--database-url', databaseUrl], {
    timeout: 60_000,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  });
  const line = stdout.trim().split('\n').filter(Boolean).pop();
  return line ? JSON.parse(line) : null;
}

/**
 * Starts `inbox-gateway serve --bind 127.0.0.1:0` and waits until it serves. With `demo`
 * (the default) it resolves with the JSON line the gateway prints (`workspace_id`,
 * `api_key`, `graphiql_url`); without it, the address comes from the startup log line.
 * The result has `url` (http://127.0.0.1:PORT), `graphqlUrl`, `headers()` and `stop()`.
 */
export async function startGateway({ databaseUrl, demo = true, corsOrigins = [], args = [] } = {}) {
  const serveArgs = ['serve', '--bind', '127.0.0.1:0', '--database-url', databaseUrl, '--shutdown-grace', '1'];
  if (demo) serveArgs.push('--demo');
  for (const origin of corsOrigins) serveArgs.push('--cors-origin', origin);
  serveArgs.push(...args);

  const child = spawn(gatewayBinary(), serveArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info', INBOX_LOG_FORMAT: 'text' },
  });
  children.add(child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  exited.then(() => children.delete(child));

  let stderr = '';
  let stdout = '';
  const logs = () => stderr;
  const ready = new Promise((resolve, reject) => {
    let printed = null;
    let address = null;
    const settle = () => {
      if (address && (printed || !demo)) resolve({ printed, address });
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (!printed && newline >= 0) {
        try {
          printed = JSON.parse(stdout.slice(0, newline));
        } catch (err) {
          reject(new Error(`the gateway's first stdout line is not JSON: ${stdout.slice(0, newline)}`));
          return;
        }
        settle();
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (process.env.TEST_LOG) process.stderr.write(chunk);
      if (!address) {
        const line = stderr.split('\n').find((l) => l.includes('serving GraphQL'));
        const match = line && line.match(/http:\/\/127\.0\.0\.1:(\d+)/);
        if (match) {
          address = `http://127.0.0.1:${match[1]}`;
          settle();
        }
      }
    });
    exited.then(({ code, signal }) =>
      reject(new Error(`the gateway exited (code ${code}, signal ${signal}) before serving:\n${stderr}`)),
    );
    setTimeout(() => reject(new Error(`the gateway did not start within 60 s:\n${stderr}`)), 60_000).unref();
  });

  let started;
  try {
    started = await ready;
  } catch (err) {
    await stopChild(child, exited);
    throw err;
  }
  const { printed, address } = started;
  const url = printed ? new URL(printed.graphiql_url).origin : address;
  const gateway = {
    pid: child.pid,
    url,
    graphqlUrl: `${url}/graphql`,
    graphiqlUrl: printed?.graphiql_url,
    workspaceId: printed?.workspace_id,
    apiKey: printed?.api_key,
    logs,
    /** The contract's two auth headers, for this gateway's key (or the given one). */
    headers(apiKey = gateway.apiKey, workspaceId = gateway.workspaceId) {
      return authHeaders(apiKey, workspaceId);
    },
    stop: () => stopChild(child, exited),
  };
  return gateway;
}

export function authHeaders(apiKey, workspaceId) {
  return { Authorization: `Bearer ${apiKey}`, 'X-Workspace-ID': workspaceId };
}

/** SIGTERM by PID, SIGKILL when it has not exited within 5 s. */
async function stopChild(child, exited) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A demo gateway on a fresh database, for one test file: `setup()` in `before`,
 * `teardown()` in `after` (it stops the gateway and drops the database even when
 * setup failed half-way).
 */
export function demoGateway(options = {}) {
  const state = { gateway: null, db: null };
  return {
    state,
    async setup() {
      state.db = await createDatabase();
      state.gateway = await startGateway({ databaseUrl: state.db.url, ...options });
      return state.gateway;
    },
    async teardown() {
      try {
        if (state.gateway) await state.gateway.stop();
      } finally {
        if (state.db) await state.db.drop();
      }
    },
  };
}

/** POSTs one GraphQL request with Node's fetch; answers the parsed body. */
export async function graphql(gateway, query, variables, { headers = gateway.headers() } = {}) {
  const response = await fetch(gateway.graphqlUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

/** Whether the served schema has a field on Query (asked by introspection). */
export async function queryHasField(gateway, field) {
  const body = await graphql(gateway, '{ __type(name: "Query") { fields { name } } }');
  return (body.data?.__type?.fields ?? []).some((f) => f.name === field);
}

/** Writes a file in a fresh temporary folder; answers the folder. */
export async function tempDir(prefix = 'inbox-clients-') {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export { writeFile };
