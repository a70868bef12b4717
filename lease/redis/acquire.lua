-- Lease every seat asked for or none; a lease of the same token is replaced.
-- KEYS[1] hold record, KEYS[2] index set of tokens, KEYS[3 .. ARGV[4]+2] the
-- seats asked for, the KEYS after them seats the caller believes the token's
-- current lease holds.
-- ARGV[1] token, ARGV[2] deadline (unix ms), ARGV[3] new record, ARGV[4] number
-- of seats asked for, ARGV[5] seat key prefix.
-- Returns 0 when leased; else writes nothing and returns the 0-based positions
-- of the seats another token holds, or the current record when it names a seat
-- whose key is not in KEYS (the caller retries declaring them).
local token, deadline, n, prefix = ARGV[1], ARGV[2], tonumber(ARGV[4]), ARGV[5]
local holders = redis.call('MGET', unpack(KEYS, 3, n + 2))
local taken = {}
for i = 1, n do
  if holders[i] and holders[i] ~= token then
    taken[#taken + 1] = i - 1
  end
end
if #taken > 0 then
  return taken
end
local old = redis.call('GET', KEYS[1])
if old then
  local asked = {}
  for i = 3, #KEYS do
    asked[KEYS[i]] = i <= n + 2
  end
  local drop = {}
  for seat in string.gmatch(string.match(old, '^%d+|([%d,]*)|') or '', '%d+') do
    local key = prefix .. seat
    local new = asked[key]
    if new == nil then
      return old
    end
    if not new then
      drop[#drop + 1] = key
    end
  end
  if #drop > 0 then
    local was = redis.call('MGET', unpack(drop))
    for i = 1, #drop do
      if was[i] == token then
        redis.call('DEL', drop[i])
      end
    end
  end
end
for i = 3, n + 2 do
  redis.call('SET', KEYS[i], token, 'PXAT', deadline)
end
redis.call('SET', KEYS[1], ARGV[3], 'PXAT', deadline)
redis.call('SADD', KEYS[2], token)
-- The index lives as long as its longest lease (-1: no expiry yet).
if redis.call('PEXPIRETIME', KEYS[2]) < tonumber(deadline) then
  redis.call('PEXPIREAT', KEYS[2], deadline)
end
return 0
