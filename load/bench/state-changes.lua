-- wrk script: state-change PUTs rotating over signed-in agents 1000..(1000+AGENTS-1) of MRD 5000,
-- each agent alternating READY and NOT_READY (so no READY-while-READY no-ops), Basic auth per agent.
local agents = tonumber(os.getenv("AGENTS") or "1000")
local requests = {}
local b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local function b64(data)
  return ((data:gsub('.', function(x)
    local r, b = '', x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end

local bodies = {
  "<Media><state>READY</state></Media>",
  "<Media><state>NOT_READY</state><reasonCodeId>1001</reasonCodeId></Media>",
}

init = function(args)
  for i = 0, agents - 1 do
    local id = tostring(1000 + i)
    local headers = {
      ["Authorization"] = "Basic " .. b64(id .. ":password"),
      ["Content-Type"] = "application/xml",
    }
    for k = 1, 2 do
      requests[#requests + 1] = wrk.format("PUT", "/finesse/api/User/" .. id .. "/Media/5000", headers, bodies[k])
    end
  end
  counter = 0
end

-- Walk agents in order; each pass flips every agent once (READY on odd passes, NOT_READY on even).
request = function()
  local agent = counter % agents
  local pass = math.floor(counter / agents) % 2
  counter = counter + 1
  return requests[agent * 2 + pass + 1]
end

statuses = {}
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
