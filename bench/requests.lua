-- wrk script for every scenario: `wrk ... -s requests.lua URL -- FILE THREADS`.
-- FILE holds one request a line: METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY (token and body may be
-- empty). Thread k of THREADS sends lines k, k + THREADS, ... in turn and starts over at the
-- end, so with enough lines no two requests of a run share a line (confirm needs that: each
-- request books its own preview); with fewer lines than threads, every thread sends them all.
-- done() prints one line, "BENCH_JSON {...}": latency percentiles, every status code counted,
-- and how many 409s were SLOT_UNAVAILABLE.

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

local requests, position = {}, 0
counts, slot_taken = {}, 0

local function parse(line)
  local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = {}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
  return wrk.format(method, path, headers, body)
end

function init(args)
  local file, stride = args[1], tonumber(args[2])
  local lines = {}
  for line in io.lines(file) do table.insert(lines, line) end
  if #lines == 0 then error("no requests in " .. file) end
  for number = index + 1, #lines, stride do
    table.insert(requests, parse(lines[number]))
  end
  if #requests == 0 then -- fewer lines than threads: every thread sends them all
    for _, line in ipairs(lines) do table.insert(requests, parse(line)) end
  end
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if status == 409 and body and body:find("SLOT_UNAVAILABLE", 1, true) then
    slot_taken = slot_taken + 1
  end
end

function done(summary, latency, _)
  local status, taken = {}, 0
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("counts")) do
      status[code] = (status[code] or 0) + n
    end
    taken = taken + thread:get("slot_taken")
  end
  local codes = {}
  for code, n in pairs(status) do
    table.insert(codes, string.format('"%d": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"status": {%s}, "slot_unavailable": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, e.connect, e.read, e.write, e.timeout, table.concat(codes, ", "), taken))
end
