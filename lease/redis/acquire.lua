-- Acquire a lease on every seat or none.
-- KEYS[1] hold record, KEYS[2] index set of tokens, KEYS[3..] seat keys
-- ARGV[1] token, ARGV[2] deadline (unix ms), ARGV[3] record, ARGV[4] seat key prefix
-- Returns {0} on success, {1, i, ...} with the 0-based positions of seats leased
-- by another token.
local token, deadline = ARGV[1], tonumber(ARGV[2])
local conflicts = {1}
for i = 3, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if owner and owner ~= token then
    conflicts[#conflicts + 1] = i - 3
  end
end
if #conflicts > 1 then
  return conflicts
end
-- Re-acquiring with the same token replaces that lease: drop seats it gives up.
local old = redis.call('GET', KEYS[1])
if old then
  local seats = string.match(old, '^%d+|([%d,]*)|')
  for seat in string.gmatch(seats or '', '%d+') do
    local key = ARGV[4] .. seat
    if redis.call('GET', key) == token then
      redis.call('DEL', key)
    end
  end
end
for i = 3, #KEYS do
  redis.call('SET', KEYS[i], token, 'PXAT', deadline)
end
redis.call('SET', KEYS[1], ARGV[3], 'PXAT', deadline)
redis.call('SADD', KEYS[2], token)
local t = redis.call('PEXPIRETIME', KEYS[2])
if t >= 0 and t < deadline or t == -1 then
  redis.call('PEXPIREAT', KEYS[2], deadline)
end
return {0}
