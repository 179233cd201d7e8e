-- wrk script for the fixed-rate scenario: every connection waits BENCH_DELAY_MS milliseconds
-- (default 1) before each request, so the rate is about connections x 1000 / (delay + latency),
-- well below saturation. wrk's timers have millisecond resolution: the scenario reports the rate
-- it actually got.
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "1")

function delay()
  return delay_ms
end
