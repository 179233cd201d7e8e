-- wrk script for the memory scenario: every request has a path never sent before, made of
-- letters only (/<BENCH_PREFIX>/<thread letter>/<counter in base 26>/), so the agent's route heuristic cannot
-- template it to {id}: each is a new route until the per-service cap sends it to __other__.
-- Each thread stops after BENCH_PATHS / threads requests; wrk prints how many it made.
local total = tonumber(os.getenv("BENCH_PATHS") or "1000000")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
local limit = math.ceil(total / threads)
local prefix = os.getenv("BENCH_PREFIX") or "u"
local id = 0
local sent = 0
local received = 0
local counter = 0

function setup(thread)
  thread:set("id", id)
  id = id + 1
end

local function letters(n)
  local s = ""
  repeat
    s = string.char(97 + n % 26) .. s
    n = math.floor(n / 26)
  until n == 0
  return s
end

function request()
  counter = counter + 1
  return wrk.format("GET", "/" .. prefix .. "/" .. string.char(97 + id) .. "/" .. letters(counter) .. "/")
end

function response(status, headers, body)
  received = received + 1
  if received >= limit then
    wrk.thread:stop()
  end
end
