-- wrk script for scripts/bench-intake.sh: POSTs signups with unique ids (so every request is a new,
-- durably stored event, not a duplicate) to the benchmark pipeline.
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local counter = 0
local run = "0"
local auth = ""
local pace = 0
function init(args)
  run = args[1] or "0"
  auth = args[2] or ""
  pace = tonumber(args[3] or "0")
end

-- With a pace (ms), each connection waits that long between requests: a fixed offered rate.
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
