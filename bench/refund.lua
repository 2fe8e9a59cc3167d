-- wrk script: POST a refund with a fresh X-Request-Id each time. wrk.format takes the
-- whole header table, so Content-Type is set here rather than in wrk.headers.
local counter = 0
local body = '{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}'

request = function()
  counter = counter + 1
  local id = string.format("00000000-0000-4000-8000-%012x", counter + math.random(0, 2^30) * 4096)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["X-Request-Id"] = id }, body)
end

-- One line for bench/bench.py to parse. "status" counts answers with a status above 399.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("bench-errors connect=%d read=%d write=%d status=%d timeout=%d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
end
