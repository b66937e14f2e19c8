-- wrk script for bench/social.py: one wrk thread per user, one connection each, so a thread's Lua state is that
-- user's and every response answers the request just sent. Each user toggles likes, comments (paced under the
-- comment rate limit) and toggles follows, remembering what the server confirmed. done() writes, for the checker:
--   D <duration us> <connect> <read> <write> <timeout> errors
--   L <action> <latency us> <status>  one line per answered request
--   E <action> <status> <text>       first error per user and action
--   LIKE <user> <video> / FOLLOW <user> <creator> / COMMENTS <user> <n>     confirmed state at the end
--   PENDING <user> <action> <target>  a request still unanswered when wrk stopped (either outcome is right)
-- Input: the file named by SOCIAL_BENCH_SETUP (line 1: videos, line 2: creators, comma-separated; then one
-- API token per line); output: the file named by SOCIAL_BENCH_OUT.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } rb_timespec;
int clock_gettime(int clk_id, rb_timespec *tp);
]]
local ts = ffi.new("rb_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local COMMENT_EVERY_S = 2.1

local function split(s)
  local out = {}
  for item in string.gmatch(s or "", "[^,]+") do out[#out + 1] = item end
  return out
end

-- Main state --------------------------------------------------------------------------------------------

local threads = {}
local setup_lines = nil

function setup(thread)
  if not setup_lines then
    setup_lines = {}
    for line in io.lines(os.getenv("SOCIAL_BENCH_SETUP")) do setup_lines[#setup_lines + 1] = line end
  end
  local index = #threads
  thread:set("user_index", index)
  thread:set("token", setup_lines[3 + index])
  thread:set("videos_csv", setup_lines[1])
  thread:set("creators_csv", setup_lines[2])
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local out = assert(io.open(os.getenv("SOCIAL_BENCH_OUT"), "w"))
  local e = summary.errors
  out:write(string.format("D %d %d %d %d %d\n", summary.duration, e.connect, e.read, e.write, e.timeout))
  for _, thread in ipairs(threads) do
    local user = "fan" .. thread:get("user_index")
    for _, row in ipairs(thread:get("latencies")) do out:write("L ", row, "\n") end
    for _, row in ipairs(thread:get("errors")) do out:write("E ", row, "\n") end
    for video, on in pairs(thread:get("liked")) do if on then out:write("LIKE ", user, " ", video, "\n") end end
    for creator, on in pairs(thread:get("following")) do
      if on then out:write("FOLLOW ", user, " ", creator, "\n") end
    end
    out:write("COMMENTS ", user, " ", thread:get("comments"), "\n")
    local pending = thread:get("pending")
    if pending ~= "" then out:write("PENDING ", user, " ", pending, "\n") end
  end
  out:close()
end

-- Per thread (one user) -----------------------------------------------------------------------------------

local videos, creators, headers, name
liked, following, latencies, errors, comments, pending = {}, {}, {}, {}, 0, ""
local seen_error = {}
local next_comment, action, target, started = 0, nil, nil, 0

function init(args)
  videos, creators = split(videos_csv), split(creators_csv)
  name = "fan" .. user_index
  headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
  math.randomseed(user_index + 1)
end

function request()
  local t = now()
  local roll = math.random()
  local req
  if t >= next_comment and roll < 0.25 then
    action, target = "comment", videos[math.random(#videos)]
    local body = '{"text": "bench comment from ' .. name .. ' @' .. creators[math.random(#creators)] .. '"}'
    next_comment = t + COMMENT_EVERY_S
    req = wrk.format("POST", "/api/v1/videos/" .. target .. "/comments", headers, body)
  elseif roll < 0.7 then
    target = videos[math.random(#videos)]
    action = liked[target] and "unlike" or "like"
    req = wrk.format(liked[target] and "DELETE" or "POST", "/api/v1/videos/" .. target .. "/like", headers)
  else
    target = creators[math.random(#creators)]
    action = following[target] and "unfollow" or "follow"
    req = wrk.format(following[target] and "DELETE" or "POST", "/api/v1/users/" .. target .. "/follow", headers)
  end
  pending = action .. " " .. target
  started = now()
  return req
end

function response(status, resp_headers, body)
  latencies[#latencies + 1] = string.format("%s %d %d", action, (now() - started) * 1e6, status)
  pending = ""
  if status >= 400 then
    if not seen_error[action] then
      seen_error[action] = true
      errors[#errors + 1] = string.format("%s %d %s", action, status, string.gsub(string.sub(body or "", 1, 200), "\n", " "))
    end
    return
  end
  -- Only what the server confirmed counts as written.
  if action == "like" then liked[target] = true
  elseif action == "unlike" then liked[target] = false
  elseif action == "follow" then following[target] = true
  elseif action == "unfollow" then following[target] = false
  else comments = comments + 1 end
end
