-- Drop a lease and free the seats it still holds.
-- KEYS[1] hold record, KEYS[2] index set of tokens, KEYS[3..] the seats the
-- caller believes the lease holds.
-- ARGV[1] token, ARGV[2] seat key prefix.
-- Returns 1 when dropped, 0 when there was no lease, or (writing nothing) the
-- record when it names a seat whose key is not in KEYS.
local token, prefix = ARGV[1], ARGV[2]
local rec = redis.call('GET', KEYS[1])
if not rec then
  redis.call('SREM', KEYS[2], token)
  return 0
end
local declared = {}
for i = 3, #KEYS do
  declared[KEYS[i]] = true
end
local keys = {}
for seat in string.gmatch(string.match(rec, '^%d+|([%d,]*)|') or '', '%d+') do
  local key = prefix .. seat
  if not declared[key] then
    return rec
  end
  keys[#keys + 1] = key
end
local free = {KEYS[1]}
if #keys > 0 then
  local holders = redis.call('MGET', unpack(keys))
  for i = 1, #keys do
    if holders[i] == token then
      free[#free + 1] = keys[i]
    end
  end
end
redis.call('DEL', unpack(free))
redis.call('SREM', KEYS[2], token)
return 1
