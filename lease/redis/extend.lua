-- Move a live lease's deadline.
-- KEYS[1] hold record, KEYS[2] index set
-- ARGV[1] token, ARGV[2] new deadline (unix ms), ARGV[3] seat key prefix
-- Returns 1, or 0 when the lease is gone.
local token, deadline = ARGV[1], tonumber(ARGV[2])
local rec = redis.call('GET', KEYS[1])
if not rec then
  return 0
end
local seats, owner = string.match(rec, '^%d+|([%d,]*)|(.*)$')
for seat in string.gmatch(seats, '%d+') do
  local key = ARGV[3] .. seat
  if redis.call('GET', key) == token then
    redis.call('PEXPIREAT', key, deadline)
  end
end
redis.call('SET', KEYS[1], deadline .. '|' .. seats .. '|' .. owner, 'PXAT', deadline)
local t = redis.call('PEXPIRETIME', KEYS[2])
if t >= 0 and t < deadline then
  redis.call('PEXPIREAT', KEYS[2], deadline)
end
return 1
