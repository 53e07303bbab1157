// A fetch that records every request a client library sends, as the server sees it.

/**
 * Answers `{ fetch, requests }`: `fetch` forwards to Node's fetch; `requests` gets one
 * entry per call: `method`, `url` (a URL), `headers` (lower-cased names) and `body`
 * (the parsed JSON body, or null for a GET), and `response`, a promise of the parsed
 * answer.
 */
export function recordingFetch() {
  const requests = [];
  const recorded = async (input, init = {}) => {
    const url = new URL(typeof input === 'string' ? input : input.url ?? String(input));
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(new Headers(init.headers ?? {}));
    let body = null;
    if (typeof init.body === 'string') {
      body = JSON.parse(init.body);
    }
    const entry = { method, url, headers, body, response: null };
    requests.push(entry);
    const response = await fetch(input, init);
    // What the server answered, parsed (a promise: the client reads the original).
    entry.response = response
      .clone()
      .json()
      .catch(() => null);
    return response;
  };
  return { fetch: recorded, requests };
}

/** The GraphQL request(s) of a recorded entry: the body, or the GET's query parameters. */
export function operationsOf(request) {
  if (request.body) return Array.isArray(request.body) ? request.body : [request.body];
  const params = request.url.searchParams;
  const parse = (name) => (params.has(name) ? JSON.parse(params.get(name)) : undefined);
  return [
    {
      query: params.get('query') ?? undefined,
      operationName: params.get('operationName') ?? undefined,
      variables: parse('variables'),
      extensions: parse('extensions'),
    },
  ];
}
