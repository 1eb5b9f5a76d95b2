-- wrk script for tests/bench/bench_webhook.py: signed WeChat posts from a pool built before
-- the run (LINLI_WRK_POOL: a Lua file returning {{path, body}, ...}); each of the
-- LINLI_WRK_THREADS threads takes every n-th entry, so no message is sent twice unless the
-- pool runs out (then it wraps: WeChat's retries, answered from the replay ledger).
-- Without a pool it only reports (the bare endpoint). Prints one "LINLI ..." line at the end.
local pool_file = os.getenv("LINLI_WRK_POOL") or ""
local step = tonumber(os.getenv("LINLI_WRK_THREADS") or "1")
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

if pool_file ~= "" then
  local pool = dofile(pool_file)
  local mine, next_index, wrapped = {}, 1, 0

  function init(args)
    for index = id + 1, #pool, step do
      local entry = pool[index]
      mine[#mine + 1] = wrk.format("POST", entry[1], {["Content-Type"] = "text/xml"}, entry[2])
    end
    sent = 0
    wrapped = 0
  end

  function request()
    local r = mine[next_index]
    next_index = next_index + 1
    if next_index > #mine then
      next_index = 1
      wrapped = wrapped + 1
    end
    sent = sent + 1
    return r
  end
end

function done(summary, latency, requests)
  local sent = 0
  for _, thread in ipairs(threads) do
    sent = sent + (tonumber(thread:get("sent")) or 0)
  end
  local e = summary.errors
  io.write(string.format("LINLI requests=%d sent=%d duration_us=%d errors=%d non2xx=%d " ..
    "p50_us=%d p99_us=%d max_us=%d\n", summary.requests, sent, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50),
    latency:percentile(99), latency.max))
end
