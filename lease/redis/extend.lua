-- Move a live lease's deadline: its record and every seat key it still holds.
-- KEYS[1] hold record, KEYS[2] index set of tokens, KEYS[3..] the seats the
-- caller believes the lease holds.
-- ARGV[1] token, ARGV[2] new deadline (unix ms), ARGV[3] seat key prefix.
-- Returns 1 when moved, 0 when the lease is gone, or (writing nothing) the
-- record when it names a seat whose key is not in KEYS.
local token, deadline, prefix = ARGV[1], ARGV[2], ARGV[3]
-- Fencing (issue 18): with a token in ARGV[4] (0: none) the last KEY is the
-- performance's owner record "<node>|<token>|<addr>", and nothing is written
-- unless it names that token: an owner that lost the performance gets -2.
local fence = tonumber(ARGV[4]) or 0
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
  return 0
end
local ms, seats = string.match(rec, '^(%d+)|([%d,]*)|')
local at = {}
for i = 3, last do
  at[KEYS[i]] = i
end
local mine = {}
for seat in string.gmatch(seats or '', '%d+') do
  local i = at[prefix .. seat]
  if i == nil then
    return rec
  end
  if got[i - 1] == token then
    mine[#mine + 1] = KEYS[i]
  end
end
for _, key in ipairs(mine) do
  redis.call('PEXPIREAT', key, deadline)
end
redis.call('SET', KEYS[1], deadline .. string.sub(rec, #ms + 1), 'PXAT', deadline)
redis.call('SADD', KEYS[2], token)
if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(deadline) then
  redis.call('PEXPIREAT', KEYS[2], deadline)
end
return 1
