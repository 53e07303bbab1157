-- wrk script of bench/live: the mutation mix, each request a real change that records an
-- event. Thread i sends to the gateway port MIX_PORTS[i mod n] (wrk's URL only names the
-- first); each thread owns the conversations of MIX_FILE at the lines i, i + MIX_THREADS,
-- ... and takes them in turn, so a conversation is touched again only after all the
-- thread's others (hundreds of requests later: the previous one has long finished).
--
-- MIX_FILE lines, tab-separated: kind, conversation id, start
--   note    <id>  -            addConversationNote (always records NOTE_ADDED)
--   tag     <id>  0|1          add MIX_TAG, then remove it, ...; 1: it is there, remove first
--   status  <id>  OPEN|PENDING its status now; moved to the other one, then back, ...
--   assign  <id>  <user>       the first assignee (not the current one); then MIX_USERS' other
-- Env: MIX_FILE, MIX_PORTS (comma-separated), MIX_THREADS, MIX_TAG, MIX_USERS (two user
-- ids, comma-separated), HEADERS (one "Name: value" a line).
-- Ends with one line:
--   MIX requests=N seconds=S rps=R avg_ms=A p50_ms=P p90_ms= p99_ms=Q max_ms= errors=E
--       per_thread=tid:port:requests:errors,... first_error=...
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
for line in (os.getenv("HEADERS") or ""):gmatch("[^\r\n]+") do
  local name, value = line:match("^%s*([^:]-)%s*:%s*(.-)%s*$")
  if name and name ~= "" then wrk.headers[name] = value end
end

local function split(text, sep)
  local out = {}
  for part in (text or ""):gmatch("[^" .. sep .. "]+") do out[#out + 1] = part end
  return out
end

local ports = split(os.getenv("MIX_PORTS"), ",")
local all = {}
local counter = 0
function setup(thread)
  local port = ports[counter % #ports + 1]
  thread.addr = wrk.lookup("127.0.0.1", port)[1]
  thread:set("tid", counter)
  thread:set("port", port)
  counter = counter + 1
  all[#all + 1] = thread
end

local items = {}
local users = split(os.getenv("MIX_USERS"), ",")
local tag = os.getenv("MIX_TAG")
local n = 0

function init(args)
  failed = 0
  done_requests = 0
  first_error = ""
  local threads = tonumber(os.getenv("MIX_THREADS"))
  local i = 0
  for line in io.lines(os.getenv("MIX_FILE")) do
    local f = split(line, "\t")
    if #f == 3 and i % threads == tid then items[#items + 1] = f end
    i = i + 1
  end
  assert(#items > 0, "no conversations for thread " .. tid)
end

local NOTE = '{"query":"mutation($i: AddConversationNoteInput!) { addConversationNote(input: $i) { note { id } } }",'
  .. '"variables":{"i":{"conversationId":"%s","content":"Live bench: called back, round %d"}}}'
local ADD = '{"query":"mutation($i: ConversationTagsInput!) { addConversationTags(input: $i) { conversation { id } } }",'
  .. '"variables":{"i":{"conversationId":"%s","tags":["%s"]}}}'
local REMOVE = '{"query":"mutation($i: ConversationTagsInput!) { removeConversationTags(input: $i) { conversation { id } } }",'
  .. '"variables":{"i":{"conversationId":"%s","tags":["%s"]}}}'
local STATUS = '{"query":"mutation($i: UpdateConversationStatusInput!) { updateConversationStatus(input: $i) { conversation { id } } }",'
  .. '"variables":{"i":{"conversationId":"%s","status":"%s"}}}'
local ASSIGN = '{"query":"mutation($i: AssignConversationInput!) { assignConversation(input: $i) { conversation { id } } }",'
  .. '"variables":{"i":{"conversationId":"%s","assigneeId":"%s"}}}'

function request()
  local item = items[n % #items + 1]
  local round = math.floor(n / #items)
  n = n + 1
  local kind, id, start = item[1], item[2], item[3]
  local body
  if kind == "note" then
    body = string.format(NOTE, id, round)
  elseif kind == "tag" then
    local add = (round + tonumber(start)) % 2 == 0
    body = string.format(add and ADD or REMOVE, id, tag)
  elseif kind == "status" then
    local other = start == "OPEN" and "PENDING" or "OPEN"
    body = string.format(STATUS, id, round % 2 == 0 and other or start)
  else
    local other = start == users[1] and users[2] or users[1]
    body = string.format(ASSIGN, id, round % 2 == 0 and start or other)
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  done_requests = done_requests + 1
  local ok = status == 200 and body ~= nil and body:find('"data"', 1, true) and not body:find('"errors"', 1, true)
  if not ok then
    failed = failed + 1
    if first_error == "" then first_error = tostring(status) .. " " .. (body or ""):sub(1, 200):gsub("%s", "_") end
  end
end

function done(summary, latency, requests)
  local failed_total, per, first = 0, {}, ""
  for _, thread in ipairs(all) do
    failed_total = failed_total + thread:get("failed")
    per[#per + 1] = string.format("%d:%s:%d:%d", thread:get("tid"), thread:get("port"), thread:get("done_requests"),
      thread:get("failed"))
    if first == "" then first = thread:get("first_error") end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "MIX requests=%d seconds=%.2f rps=%.1f avg_ms=%.2f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d per_thread=%s first_error=%s\n",
    summary.requests, seconds, summary.requests / seconds, latency.mean / 1000, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    failed_total + e.connect + e.read + e.write + e.timeout, table.concat(per, ","), first))
end
