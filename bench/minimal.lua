-- wrk script: GET the yardstick view for random primary keys of the generated cases.
math.randomseed(os.time())
local max_id = tonumber(os.getenv("MAX_ID") or "1000000")
request = function()
  return wrk.format("GET", "/bench/minimal/" .. math.random(max_id) .. "/")
end

dofile("bench/report.lua")
