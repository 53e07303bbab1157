-- wrk script of bench/lib/load-graphql: POSTs the JSON body of the file $BODY, with the
-- extra headers of $HEADERS (one "Name: value" a line); a response is an error unless it
-- is HTTP 200 with "data" and without "errors". Ends with one line:
--   LOAD requests=N seconds=S rps=R avg_ms=A p50_ms=P p99_ms=Q errors=E
local file = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
for line in (os.getenv("HEADERS") or ""):gmatch("[^\r\n]+") do
  local name, value = line:match("^%s*([^:]-)%s*:%s*(.-)%s*$")
  if name and name ~= "" then wrk.headers[name] = value end
end

local all = {}
function setup(thread) all[#all + 1] = thread end
function init(args) failed = 0 end
function response(status, headers, body)
  local ok = status == 200 and body ~= nil and body:find('"data"', 1, true) and not body:find('"errors"', 1, true)
  if not ok then failed = failed + 1 end
end
function done(summary, latency, requests)
  local failed_total = 0
  for _, thread in ipairs(all) do failed_total = failed_total + thread:get("failed") end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format("LOAD requests=%d seconds=%.2f rps=%.1f avg_ms=%.2f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency.mean / 1000, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, failed_total + e.connect + e.read + e.write + e.timeout))
end
