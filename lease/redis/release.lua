-- Drop a lease and free the seats it still holds.
-- KEYS[1] hold record, KEYS[2] index set of tokens, KEYS[3..] the seats the
-- caller believes the lease holds.
-- ARGV[1] token, ARGV[2] seat key prefix.
-- Returns 1 when dropped, 0 when there was no lease, or (writing nothing) the
-- record when it names a seat whose key is not in KEYS.
local token, prefix = ARGV[1], ARGV[2]
-- Fencing (issue 18): with a token in ARGV[3] (0: none) the last KEY is the
-- performance's owner record "<node>|<token>|<addr>", and nothing is written
-- unless it names that token: an owner that lost the performance gets -2.
local fence = tonumber(ARGV[3]) or 0
local last = #KEYS
if fence > 0 then
  local owner = redis.call('GET', KEYS[last])
  last = last - 1
  if not owner or tonumber(string.match(owner, '^[^|]*|(%d+)|') or '0') ~= fence then
    return -2
  end
end

-- One read for everything: got[1] is the record, got[i - 1] the holder of
-- KEYS[i] for i >= 3.
local got = redis.call('MGET', KEYS[1], unpack(KEYS, 3, last))
local rec = got[1]
if not rec then
  redis.call('SREM', KEYS[2], token)
  return 0
end
local at = {}
for i = 3, last do
  at[KEYS[i]] = i
end
local free = {KEYS[1]}
for seat in string.gmatch(string.match(rec, '^%d+|([%d,]*)|') or '', '%d+') do
  local i = at[prefix .. seat]
  if i == nil then
    return rec
  end
  if got[i - 1] == token then
    free[#free + 1] = KEYS[i]
  end
end
redis.call('DEL', unpack(free))
redis.call('SREM', KEYS[2], token)
return 1
