-- wrk script: POST the public case-status lookup for cases sampled by generate_cases (bench/targets.csv).
local targets = {}
for line in io.lines("bench/targets.csv") do
  local number, suffix = line:match("([^,]+),([^,\r]+)")
  if number then targets[#targets + 1] = {number, suffix} end
end
math.randomseed(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  local t = targets[math.random(#targets)]
  return wrk.format(nil, "/api/public/case-status/", nil,
    string.format('{"number": "%s", "id_suffix": "%s"}', t[1], t[2]))
end


done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  requests/s %.1f  non-2xx %d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.errors.status or 0))
end
