-- wrk script: GET the yardstick view for random primary keys of the generated cases.
math.randomseed(os.time())
local max_id = tonumber(os.getenv("MAX_ID") or "1000000")
request = function()
  return wrk.format("GET", "/bench/minimal/" .. math.random(max_id) .. "/")
end

done = function(summary, latency, requests)
  io.write(string.format("p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  requests/s %.1f  non-2xx %d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), summary.errors.status or 0))
end
