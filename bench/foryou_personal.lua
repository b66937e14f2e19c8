-- wrk script: viewers with a watch history (device cookies seeded by bench/feed.py --personal), each walking
-- their own For You pages; every request picks one of the seeded devices at random.
local devices = tonumber(os.getenv("BENCH_DEVICES") or "200")
local cursors = {}
local current = 0
request = function()
  current = math.random(0, devices - 1)
  local path = "/api/v1/feed/foryou"
  if cursors[current] then path = path .. "?cursor=" .. cursors[current] end
  return wrk.format("GET", path, {Cookie = string.format("rb_device=benchdevice%06d", current)})
end
response = function(status, headers, body)
  if status ~= 200 then cursors[current] = nil return end
  cursors[current] = string.match(body, '"next_cursor": ?"([^"]+)"')
end
