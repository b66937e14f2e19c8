-- wrk script: each connection walks the For You feed page after page, as a viewer swiping would.
local cursor = nil
request = function()
  local path = "/api/v1/feed/foryou"
  if cursor then path = path .. "?cursor=" .. cursor end
  return wrk.format("GET", path)
end
response = function(status, headers, body)
  if status ~= 200 then cursor = nil return end
  cursor = string.match(body, '"next_cursor": ?"([^"]+)"')
end
