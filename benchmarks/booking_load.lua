-- wrk script for benchmarks/booking_load.py: each prepared request sent at most once, for a fixed duration.
--
--   wrk -t1 -c32 -d5s --timeout 30s -s benchmarks/booking_load.lua http://127.0.0.1:8602 -- requests.tsv 1
--
-- requests.tsv has one request a line: method, path, Idempotency-Key (or "-"), Authorization (or "-") and JSON
-- body (or "-"), tab
-- separated; then wrk's thread count, and optionally one header sent with every request ("Name: value", for
-- example an Authorization header). Thread i of n takes lines i, i+n, i+2n … in order, so
-- no booking is sent twice. A thread that runs out of lines sends GET /healthz instead and says so in the
-- result (the driver then refuses the run: seed more). done() prints one line of key=value pairs for the
-- Python driver (times in microseconds).

local threads = {}
local counter = 0

-- Runs in wrk's main Lua state, just before init() runs in that thread's own state.
function setup(thread)
  thread:set("index", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local nthreads = tonumber(args[2])
  lines = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == index then
      table.insert(lines, line)
    end
    n = n + 1
  end
  sent, exhausted, statuses = 0, 0, {}
  extra_name, extra_value = nil, nil
  if args[3] ~= nil and args[3] ~= "" then
    extra_name, extra_value = args[3]:match("^([^:]+):%s*(.*)$")
  end
end

function request()
  sent = sent + 1
  local line = lines[sent]
  if line == nil then
    exhausted = 1
    return wrk.format("GET", "/healthz")
  end
  local method, path, key, auth, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = { ["Content-Type"] = "application/json" }
  if key ~= "-" then
    headers["Idempotency-Key"] = key
  end
  if auth ~= "-" then
    headers["Authorization"] = auth
  end
  if extra_name ~= nil then
    headers[extra_name] = extra_value
  end
  if body == "-" then
    body = nil
  end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  local s = tostring(status)
  statuses[s] = (statuses[s] or 0) + 1
end

function done(summary, latency, requests)
  local parts, exhausted_any = {}, 0
  for _, t in ipairs(threads) do
    exhausted_any = math.max(exhausted_any, t:get("exhausted"))
    for code, n in pairs(t:get("statuses")) do
      table.insert(parts, code .. ":" .. n)
    end
  end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d errors=%d timeouts=%d exhausted=%d statuses=%s\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status,
    summary.errors.timeout, exhausted_any, table.concat(parts, ",")))
end
