-- Anxin Auto load scenario for wrk: each request picks one of the paths given after "--" at random.
--   wrk -t4 -c32 -d60s --timeout 10s -s bench/load/browse.lua http://127.0.0.1:8107 -- / /cars/ /cars/12/
-- A signed-in run adds -H "Cookie: sessionid=...". The summary line is JSON; "bad" counts every answer
-- that is not 2xx/3xx, "login" counts redirects to the sign-in page (a lost session), both must be 0.
local paths = {}
counts = {}

threads_ = {}
setup = function(thread)
  table.insert(threads_, thread)
  thread:set("seed", #threads_)
end

init = function(args)
  for _, a in ipairs(args) do table.insert(paths, a) end
  counts = { ok = 0, redirect = 0, login = 0, bad = 0 }
  math.randomseed(os.time() * 100 + (seed or 0))
end

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end

response = function(status, headers, body)
  if status >= 200 and status < 300 then
    counts.ok = counts.ok + 1
  elseif status >= 300 and status < 400 then
    counts.redirect = counts.redirect + 1
    local location = headers["Location"] or headers["location"] or ""
    if location:find("/accounts/login/", 1, true) then counts.login = counts.login + 1 end
  else
    counts.bad = counts.bad + 1
  end
end

done = function(summary, latency, requests)
  local ok, redirect, login, bad = 0, 0, 0, 0
  for _, t in ipairs(threads_) do
    local c = t:get("counts")
    ok, redirect, login, bad = ok + c.ok, redirect + c.redirect, login + c.login, bad + c.bad
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.1f, "rps": %.1f, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, ' ..
    '"ok": %d, "redirect": %d, "login": %d, "bad": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    ok, redirect, login, bad, e.connect + e.read + e.write + e.timeout))
end
