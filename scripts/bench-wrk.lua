-- wrk script of scripts/bench (and scripts/bench-stores.sh): POSTs signups with unique ids (so every request is
-- a new, durably stored event, not a duplicate) to the benchmark pipeline.
--   wrk ... -s scripts/bench-wrk.lua URL -- RUN BASIC_AUTH [PACE_MS] [LIMIT]
-- RUN makes the ids unique across runs; BASIC_AUTH is base64 of user:password; with PACE_MS each connection
-- waits that long between requests (a fixed offered rate); with LIMIT each thread stops after that many answers.
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local counter = 0
local answered = 0
local run, auth, pace, limit = "0", "", 0, 0
function init(args)
  run = args[1] or "0"
  auth = args[2] or ""
  pace = tonumber(args[3] or "0")
  limit = tonumber(args[4] or "0")
end

function delay()
  return pace
end

function request()
  counter = counter + 1
  local id = string.format("bench-%s-%d-%d", run, tid, counter)
  local body = string.format('{"id":"%s","email":"%s@bench.example","name":"Bench","n":%d}', id, id, counter)
  return wrk.format("POST", "/hooks/signup",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Basic " .. auth }, body)
end

function response(status, headers, body)
  answered = answered + 1
  if limit > 0 and answered >= limit then wrk.thread:stop() end
end
