-- wrk script: POST a refund with a fresh X-Request-Id each time.
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"id":"01978d4f-1a2b-7c3d-8e4f-0123456789ab","amount":100}'

request = function()
  counter = counter + 1
  local id = string.format("00000000-0000-4000-8000-%012x", counter + math.random(0, 2^30) * 4096)
  return wrk.format(nil, nil, { ["X-Request-Id"] = id })
end
