-- wrk script: POST a refund with a fresh Idempotency-Key each time, the documented path (a
-- refund without a key or X-Request-Id is a 428, and the sidecar derives the X-Request-Id
-- from the key). wrk.format takes the whole header table, so Content-Type is set here
-- rather than in wrk.headers. nginx, the baseline, passes the key through unused.
local counter = 0
local body = '{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}'
local prefix = "bench-"

-- Each wrk thread has its own Lua state: number them so that no two share a key.
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

init = function(args)
  prefix = string.format("bench-%d-%d-", os.time(), thread_number or 0)
end

request = function()
  counter = counter + 1
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["Idempotency-Key"] = prefix .. counter }, body)
end

-- One line for bench/bench.py to parse. "status" counts answers with a status above 399.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("bench-errors connect=%d read=%d write=%d status=%d timeout=%d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
end
