-- wrk script: POST a refund with a fresh X-Request-Id each time. wrk.format takes the
-- whole header table, so Content-Type is set here rather than in wrk.headers.
local counter = 0
local body = '{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}'

request = function()
  counter = counter + 1
  local id = string.format("00000000-0000-4000-8000-%012x", counter + math.random(0, 2^30) * 4096)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["X-Request-Id"] = id }, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("non-2xx/3xx: see above; socket errors: connect %d read %d write %d status %d timeout %d\n",
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
