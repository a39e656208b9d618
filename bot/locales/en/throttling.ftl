# Refusals of bot/throttling.py: { $seconds } is when the same action would go through.
throttled = ⏳ Not so fast: the chart was drawn a moment ago. Try again in { $seconds } s.
throttled-budget = ⏳ That's a lot at once: I skipped what you sent just now. Send it again in { $seconds } s.
