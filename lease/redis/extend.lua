-- Move a live lease's deadline: its record and every seat key it still holds.
-- KEYS[1] hold record, KEYS[2] index set of tokens, KEYS[3..] the seats the
-- caller believes the lease holds.
-- ARGV[1] token, ARGV[2] new deadline (unix ms), ARGV[3] seat key prefix.
-- Returns 1 when moved, 0 when the lease is gone, or (writing nothing) the
-- record when it names a seat whose key is not in KEYS.
local token, deadline, prefix = ARGV[1], ARGV[2], ARGV[3]
local rec = redis.call('GET', KEYS[1])
if not rec then
  return 0
end
local ms, seats = string.match(rec, '^(%d+)|([%d,]*)|')
local declared = {}
for i = 3, #KEYS do
  declared[KEYS[i]] = true
end
local keys = {}
for seat in string.gmatch(seats or '', '%d+') do
  local key = prefix .. seat
  if not declared[key] then
    return rec
  end
  keys[#keys + 1] = key
end
if #keys > 0 then
  local holders = redis.call('MGET', unpack(keys))
  for i = 1, #keys do
    if holders[i] == token then
      redis.call('PEXPIREAT', keys[i], deadline)
    end
  end
end
redis.call('SET', KEYS[1], deadline .. string.sub(rec, #ms + 1), 'PXAT', deadline)
redis.call('SADD', KEYS[2], token)
if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(deadline) then
  redis.call('PEXPIREAT', KEYS[2], deadline)
end
return 1
