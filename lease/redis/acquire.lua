-- Lease every seat asked for or none; a lease of the same token is replaced.
-- KEYS[1] hold record, KEYS[2] index set of tokens, KEYS[3 .. ARGV[4]+2] the
-- seats asked for, the KEYS after them seats the caller believes the token's
-- current lease holds.
-- ARGV[1] token, ARGV[2] deadline (unix ms), ARGV[3] new record, ARGV[4] number
-- of seats asked for, ARGV[5] seat key prefix.
-- Returns 0 when leased; else writes nothing and returns, for each seat another
-- token holds, its 0-based position and that token (a flat list of pairs), or
-- the current record when it names a seat whose key is not in KEYS (the caller
-- retries declaring them).
local token, deadline, n, prefix = ARGV[1], ARGV[2], tonumber(ARGV[4]), ARGV[5]
-- Fencing (issue 18): with a token in ARGV[6] (0: none) the last KEY is the
-- performance's owner record "<node>|<token>|<addr>", and nothing is written
-- unless it names that token: an owner that lost the performance gets -2.
local fence = tonumber(ARGV[6]) or 0
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
local taken = {}
for i = 1, n do
  local holder = got[i + 1]
  if holder and holder ~= token then
    taken[#taken + 1] = i - 1
    taken[#taken + 1] = holder
  end
end
if #taken > 0 then
  return taken
end
local old = got[1]
if old then
  local at = {}
  for i = 3, last do
    at[KEYS[i]] = i
  end
  local drop = {}
  for seat in string.gmatch(string.match(old, '^%d+|([%d,]*)|') or '', '%d+') do
    local i = at[prefix .. seat]
    if i == nil then
      return old
    end
    -- A seat of the old lease that the new one gives up, if still the token's.
    if i > n + 2 and got[i - 1] == token then
      drop[#drop + 1] = KEYS[i]
    end
  end
  if #drop > 0 then
    redis.call('DEL', unpack(drop))
  end
end
for i = 3, n + 2 do
  redis.call('SET', KEYS[i], token, 'PXAT', deadline)
end
redis.call('SET', KEYS[1], ARGV[3], 'PXAT', deadline)
redis.call('SADD', KEYS[2], token)
-- The index lives as long as its longest lease (-1: no expiry yet). Reading
-- first costs one call for the many leases of a busy performance that share a
-- deadline, where PEXPIREAT GT would need a second call for each.
if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(deadline) then
  redis.call('PEXPIREAT', KEYS[2], deadline)
end
return 0
