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

dofile("bench/report.lua")
