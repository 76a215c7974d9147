-- wrk script: the counter devices' poll (GET /device/prompt/), each request as one of the paired
-- devices of bench/devices.txt, saying the idle screen is shown (so an idle device gets its 204).
local tokens = {}
for line in io.lines("bench/devices.txt") do tokens[#tokens + 1] = line end
math.randomseed(os.time())
request = function()
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", "/device/prompt/?shown=idle", { ["Cookie"] = "evaluations_device=" .. token })
end

dofile("bench/report.lua")
