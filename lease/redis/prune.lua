-- Drop tokens from the index whose hold record is gone. The check and the
-- removal are one step, so a token leased again meanwhile stays listed.
-- KEYS[1] index set of tokens, KEYS[2..] hold records.
-- ARGV[i] the token of KEYS[i + 1].
-- Returns how many tokens were dropped.
local dropped = 0
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    dropped = dropped + redis.call('SREM', KEYS[1], ARGV[i - 1])
  end
end
return dropped
