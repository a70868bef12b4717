-- Drop a lease and free its seats.
-- KEYS[1] hold record, KEYS[2] index set
-- ARGV[1] token, ARGV[2] seat key prefix
local token = ARGV[1]
local rec = redis.call('GET', KEYS[1])
if rec then
  local seats = string.match(rec, '^%d+|([%d,]*)|')
  for seat in string.gmatch(seats or '', '%d+') do
    local key = ARGV[2] .. seat
    if redis.call('GET', key) == token then
      redis.call('DEL', key)
    end
  end
  redis.call('DEL', KEYS[1])
end
redis.call('SREM', KEYS[2], token)
return 1
