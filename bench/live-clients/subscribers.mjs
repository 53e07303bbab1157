// Live-update subscribers for bench/live: one process per gateway, each holding its share
// of the subscribers with the real npm `graphql-ws` client (graphql-transport-ws) over `ws`.
//
//   node subscribers.mjs CONFIG.json
//
// CONFIG: {url, key, workspace, perSocket, query, connectConcurrency,
//          subscribers: [{index, filterName, filter}]}
// Talks to bench/lib/live.py on stdin and stdout, one line each:
//   out: CONNECTED <sockets> <subscriptions>   every socket acknowledged, every subscription sent
//   in:  DRAIN <expectations.json> <timeout_s> <results.json>
//        expectations: {"<filterName>": [positions in commit order], ...}; waits until each
//        subscriber has received the last position its filter expects (or the timeout),
//        checks what each received, writes the results and closes every socket
//   out: DONE
// A subscription the gateway ends (4429 for a subscriber too slow, or any close) is
// resumed on a new socket with `after` = the last cursor received, as the contract says
// a client should; such resumptions are counted.
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const now = () => performance.timeOrigin + performance.now(); // ms since the epoch, sub-ms precision

// Lag histogram: log buckets of 1% from 0.01 ms; mergeable across processes.
const LAG_MIN_MS = 0.01;
const LAG_GROWTH = 1.01;
const LAG_BUCKETS = 2000; // up to ~4e6 ms
const lagCounts = new Array(LAG_BUCKETS).fill(0);
let lagMax = 0;
let lagSum = 0;
let lagN = 0;
let lagNegative = 0;
function observeLag(ms) {
  if (ms < 0) {
    lagNegative += 1;
    ms = 0;
  }
  lagN += 1;
  lagSum += ms;
  if (ms > lagMax) lagMax = ms;
  const i = ms <= LAG_MIN_MS ? 0 : Math.min(LAG_BUCKETS - 1, Math.floor(Math.log(ms / LAG_MIN_MS) / Math.log(LAG_GROWTH)) + 1);
  lagCounts[i] += 1;
}

// "2026-01-02T03:04:05.123456Z" -> ms since the epoch with the microseconds kept.
function parseAt(at) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(at);
  if (!m) return NaN;
  const whole = Date.parse(m[1] + m[3]);
  const frac = m[2] ? Number('0.' + m[2]) * 1000 : 0;
  return whole + frac;
}

// A cursor is "e" and the event's position in 16 hex digits (the gateway's own format,
// read here only to check the order and completeness of what arrived).
function position(cursor) {
  return /^e[0-9a-f]{16}$/.test(cursor) ? Number.parseInt(cursor.slice(1), 16) : NaN;
}

const problems = [];
function problem(text) {
  if (problems.length < 200) problems.push(text);
}

const closeCodes = {};
let socketsOpened = 0;

class Subscriber {
  constructor(spec) {
    this.index = spec.index;
    this.filterName = spec.filterName;
    this.filter = spec.filter;
    this.positions = [];
    this.lastCursor = null;
    this.lastPosition = -1;
    this.notIncreasing = 0;
    this.resumed = 0;
    this.errors = 0;
    this.badAt = 0;
    this.matchesFalse = 0;
    this.socket = null;
    this.dispose = null;
  }

  onEvent(payload) {
    const received = now();
    if (payload.errors) {
      this.errors += 1;
      problem(`subscriber ${this.index}: errors ${JSON.stringify(payload.errors).slice(0, 300)}`);
      return;
    }
    const ev = payload.data.conversationEvents;
    const pos = position(ev.cursor);
    if (!(pos > this.lastPosition)) {
      this.notIncreasing += 1;
      problem(`subscriber ${this.index}: position ${pos} after ${this.lastPosition}`);
    }
    this.lastPosition = Math.max(this.lastPosition, pos);
    this.lastCursor = ev.cursor;
    this.positions.push(pos);
    if (!ev.matches) this.matchesFalse += 1;
    const at = parseAt(ev.event.at);
    if (Number.isNaN(at)) {
      this.badAt += 1;
    } else {
      observeLag(received - at);
    }
  }

  start(socket) {
    this.socket = socket;
    const variables = { filter: this.filter };
    if (this.lastCursor) variables.after = this.lastCursor;
    this.dispose = socket.client.subscribe({ query: config.query, variables }, {
      next: (payload) => this.onEvent(payload),
      error: (err) => this.ended(err),
      complete: () => this.ended(null),
    });
  }

  ended(err) {
    if (draining) return;
    // The gateway ended it (closed the socket, or completed the operation): resume after
    // the last cursor on a socket of its own.
    this.resumed += 1;
    const why = err && typeof err === 'object' && 'code' in err ? `close ${err.code} ${err.reason || ''}` : String(err);
    problem(`subscriber ${this.index}: ended (${why}); resuming after position ${this.lastPosition}`);
    const socket = openSocket();
    socket.ready.then(() => this.start(socket), (e) => {
      this.errors += 1;
      problem(`subscriber ${this.index}: could not resume: ${e}`);
    });
  }
}

function openSocket() {
  socketsOpened += 1;
  const socket = {};
  socket.ready = new Promise((resolve, reject) => {
    socket.client = createClient({
      url: config.url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { Authorization: `Bearer ${config.key}`, 'X-Workspace-ID': config.workspace },
      onNonLazyError: (e) => reject(e && e.code ? `close ${e.code} ${e.reason || ''}` : e),
      on: {
        connected: () => resolve(),
        closed: (event) => {
          const code = event && event.code !== undefined ? event.code : 'unknown';
          closeCodes[code] = (closeCodes[code] || 0) + 1;
        },
      },
    });
  });
  return socket;
}

const subscribers = config.subscribers.map((s) => new Subscriber(s));
const sockets = [];
let draining = false;

async function connectAll() {
  const perSocket = Math.max(1, config.perSocket || 1);
  const groups = [];
  for (let i = 0; i < subscribers.length; i += perSocket) groups.push(subscribers.slice(i, i + perSocket));
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++];
      const socket = openSocket();
      sockets.push(socket);
      await socket.ready;
      for (const sub of group) sub.start(socket);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, config.connectConcurrency || 50) }, worker));
  return groups.length;
}

function sameAs(received, expected) {
  if (received.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (received[i] !== expected[i]) return false;
  return true;
}

async function drain(expectationsPath, timeoutS, resultsPath) {
  const expectations = JSON.parse(readFileSync(expectationsPath, 'utf8'));
  const target = (sub) => {
    const list = expectations[sub.filterName] || [];
    return list.length ? list[list.length - 1] : -1;
  };
  const started = now();
  const deadline = started + timeoutS * 1000;
  while (now() < deadline && subscribers.some((s) => s.lastPosition < target(s))) {
    await new Promise((r) => setTimeout(r, 50));
  }
  // Anything beyond the expected last event would be a surprise; give stragglers a moment.
  await new Promise((r) => setTimeout(r, 300));
  draining = true;
  const drainMs = now() - started;

  const perFilter = {};
  let missing = 0;
  let extra = 0;
  let duplicates = 0;
  let incomplete = 0;
  for (const sub of subscribers) {
    const expected = expectations[sub.filterName] || [];
    const f = (perFilter[sub.filterName] ||= { subscribers: 0, expectedEach: expected.length, delivered: 0, exact: 0, matchesFalse: 0 });
    f.subscribers += 1;
    f.delivered += sub.positions.length;
    f.matchesFalse += sub.matchesFalse;
    if (sameAs(sub.positions, expected)) {
      f.exact += 1;
      continue;
    }
    incomplete += 1;
    const want = new Set(expected);
    const seen = new Set();
    let dup = 0;
    let ext = 0;
    for (const p of sub.positions) {
      if (seen.has(p)) dup += 1;
      else if (!want.has(p)) ext += 1;
      seen.add(p);
    }
    let miss = 0;
    const firstMissing = [];
    for (const p of expected) {
      if (!seen.has(p)) {
        miss += 1;
        if (firstMissing.length < 5) firstMissing.push(p);
      }
    }
    missing += miss;
    extra += ext;
    duplicates += dup;
    problem(`subscriber ${sub.index} (${sub.filterName}): received ${sub.positions.length}, expected ${expected.length}: `
      + `${miss} missing (first ${firstMissing.join(',')}), ${dup} twice, ${ext} unexpected, ${sub.notIncreasing} out of order`);
  }
  const results = {
    subscribers: subscribers.length,
    socketsOpened,
    perFilter,
    delivered: subscribers.reduce((n, s) => n + s.positions.length, 0),
    missing,
    duplicates,
    extra,
    incomplete,
    notIncreasing: subscribers.reduce((n, s) => n + s.notIncreasing, 0),
    resumed: subscribers.reduce((n, s) => n + s.resumed, 0),
    errors: subscribers.reduce((n, s) => n + s.errors, 0),
    badAt: subscribers.reduce((n, s) => n + s.badAt, 0),
    drainMs,
    closeCodes,
    lag: { minMs: LAG_MIN_MS, growth: LAG_GROWTH, counts: lagCounts, maxMs: lagMax, sumMs: lagSum, n: lagN, negative: lagNegative },
    problems,
  };
  writeFileSync(resultsPath, JSON.stringify(results));
  for (const s of subscribers) if (s.dispose) s.dispose();
  await Promise.all(sockets.map((s) => s.client.dispose()));
  process.stdout.write('DONE\n');
  process.exit(0);
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const [cmd, ...args] = line.trim().split(/\s+/);
  if (cmd === 'DRAIN') {
    drain(args[0], Number(args[1]), args[2]).catch((e) => {
      process.stderr.write(`drain failed: ${e && e.stack ? e.stack : e}\n`);
      process.exit(3);
    });
  }
});
input.on('close', () => {
  if (!draining) process.exit(4);
});

connectAll().then(
  (n) => process.stdout.write(`CONNECTED ${n} ${subscribers.length}\n`),
  (e) => {
    process.stderr.write(`connecting failed: ${e && e.stack ? e.stack : e}\n`);
    process.exit(2);
  },
);
