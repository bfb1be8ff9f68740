-- wrk script: unauthenticated CCP task submissions of about BODY_BYTES (default 60 KB) each, POSTed to feed 100,
-- rotating over the script selectors in SELECTORS (comma-separated; an unknown one is accepted and discarded).
-- Each body carries ten 40-character call variables and as many 1,000-character extension fields as fit.
-- At the end it prints how many answers each status got, over all threads.
local selectors = {}
for s in string.gmatch(os.getenv("SELECTORS") or "Chat_SS", "[^,]+") do
  selectors[#selectors + 1] = s
end
local size = tonumber(os.getenv("BODY_BYTES") or "61440")
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  requests = {}
  statuses = {}
  counter = 0
  local headers = { ["Content-Type"] = "application/xml" }
  for _, selector in ipairs(selectors) do
    local parts = { "<Task><name>Flood</name><title>Flood of 60 KB tasks</title><scriptSelector>", selector, "</scriptSelector><variables>" }
    for i = 1, 10 do
      parts[#parts + 1] = "<variable><name>cv_" .. i .. "</name><value>" .. string.rep("c", 40) .. "</value></variable>"
    end
    local length = #table.concat(parts)
    local n = 0
    while length + 1100 < size and n < 89 do
      n = n + 1
      local field = "<variable><name>note_" .. n .. "</name><value>" .. string.rep("n", 1000) .. "</value></variable>"
      parts[#parts + 1] = field
      length = length + #field
    end
    parts[#parts + 1] = "</variables></Task>"
    requests[#requests + 1] = wrk.format("POST", "/ccp/task/feed/100", headers, table.concat(parts))
  end
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("answers %d: %d\n", status, count))
  end
end
