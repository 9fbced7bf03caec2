-- wrk script for benchmarks/booking_load.py: each request line sent exactly once, then stop.
--
--   wrk -t2 -c32 -d600s --timeout 30s -s benchmarks/booking_load.lua http://127.0.0.1:8602 -- requests.tsv 2
--
-- requests.tsv has one request a line: method, path, Idempotency-Key (or "-") and JSON body (or "-"), tab
-- separated; the last argument is wrk's thread count. Thread i of n sends lines i, i+n, i+2n …; a connection
-- with nothing left to send waits, and a thread stops once every answer to its lines is in and leaves a marker
-- file (requests.tsv.done.<i>); the driver then ends wrk with SIGINT, as wrk's main thread would otherwise
-- sleep for the whole -d duration. The duration is measured here, from the first request sent to the last
-- answer received, so every endpoint is measured over exactly the same requests. done() prints one line of
-- key=value pairs for the Python driver (times in microseconds).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } timeval;
  int gettimeofday(timeval *tv, void *tz);
]]
local tv = ffi.new("timeval")

local function now_us()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000000 + tonumber(tv.tv_usec)
end

local threads = {}
local counter = 0

-- Runs in wrk's main Lua state, just before init() runs in that thread's own state.
function setup(thread)
  thread:set("index", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  nthreads = tonumber(args[2])
  marker = args[1] .. ".done."
  lines = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == index then
      table.insert(lines, line)
    end
    n = n + 1
  end
  sent, answered, statuses, first_us, last_us = 0, 0, {}, 0, 0
  -- wrk calls request() once in thread 0 to check it before any connection opens: that one is not sent.
  probe = index == 0
end

local function format(line)
  local method, path, key, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
  local headers = { ["Content-Type"] = "application/json" }
  if key ~= "-" then
    headers["Idempotency-Key"] = key
  end
  if body == "-" then
    body = nil
  end
  return wrk.format(method, path, headers, body)
end

function finished()
  last_us = now_us()
  io.open(marker .. index, "w"):close()
  wrk.thread:stop()
end

function delay()
  if sent >= #lines then
    return 600000 -- nothing left to send: this connection idles until its thread stops
  end
  return 0
end

function request()
  if probe then
    probe = false
    return format(lines[1])
  end
  sent = sent + 1
  if sent == 1 then
    first_us = now_us()
  end
  if sent > #lines then
    return wrk.format("GET", "/healthz") -- only when there are fewer lines than connections
  end
  return format(lines[sent])
end

function response(status, headers, body)
  answered = answered + 1
  local s = tostring(status)
  statuses[s] = (statuses[s] or 0) + 1
  if answered == #lines then
    finished()
  end
end

function done(summary, latency, requests)
  local parts, first, last = {}, math.huge, 0
  for _, t in ipairs(threads) do
    first = math.min(first, t:get("first_us"))
    last = math.max(last, t:get("last_us"))
    for code, n in pairs(t:get("statuses")) do
      table.insert(parts, code .. ":" .. n)
    end
  end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d errors=%d timeouts=%d statuses=%s\n",
    summary.requests, last - first, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status,
    summary.errors.timeout, table.concat(parts, ",")))
end
