## Alerts of the weekly analysis (kpi/alerts_text.py). Numbers arrive pre-formatted.
## $gender: m, f (Russian only) or pl, which English verbs agree with ("Leads are").

alert-verb-down = fell
alert-verb-up = rose
alert-verb-down-steadily = { $gender ->
    [pl] are falling
   *[other] is falling
}
alert-verb-up-steadily = { $gender ->
    [pl] are rising
   *[other] is rising
}
alert-wow_drop =
    { $metric } { $verb } { $change } week over week ({ $value } vs { $previous }) and { $gender ->
        [pl] are
       *[other] is
    } { $baseline_change } { $move ->
        [up] above
       *[down] below
    } the 4-week median ({ $baseline })
alert-below_baseline =
    { $metric } { $gender ->
        [pl] are
       *[other] is
    } { $baseline_change } { $move ->
        [up] above
       *[down] below
    } the 4-week median: { $value } vs { $baseline }
alert-streak =
    { $metric } went { $move ->
        [up] up
       *[down] down
    } { $count } weeks in a row: { $start } → { $value } ({ $change })
alert-outlier = { $metric } { $gender ->
        [pl] are
       *[other] is
    } unusual for this project: { $value } against a typical { $median } ({ $change })
alert-trend =
    { $metric }: a steady { $move ->
        [up] upward
       *[down] downward
    } trend over the last { $count } weeks, { $slope } a week on average (Mann–Kendall p { $p })
alert-below_target =
    { $ceiling ->
        [yes] { $metric } { $gender ->
            [pl] are
           *[other] is
        } above its ceiling: { $value } vs at most { $target }
       *[no] { $metric } { $gender ->
            [pl] are
           *[other] is
        } below target: { $value } vs { $target } ({ $progress } of the goal)
    }
alert-missing =
    { $entered ->
        [no] { $metric } for the week of { $week } can't be computed: its source numbers are missing
       *[yes] No numbers for the week of { $week }: { $metric } — send them to keep the report complete
    }
alert-rate_denominator = { $metric } { $verb } to { $value } (from { $previous }), but only because { $cause } — that is not an improvement
alert-generic = { $metric }: { $kind }
alert-because = { " — " }likely because { $causes }
alert-and = and
alert-cause-posts-down = fewer posts were published ({ $value } vs { $previous })
alert-cause-posts-up = more posts were published ({ $value } vs { $previous })
alert-cause-spend-down = the budget was cut ({ $value } vs { $previous })
alert-cause-spend-up = the budget grew ({ $value } vs { $previous })
alert-cause-reach-up = reach grew ({ $value } vs { $previous }) and the new audience engages less
alert-cause-generic = { $metric } { $verb } ({ $value } vs { $previous })

## Issue 16: a fall that stays, small counts, gaps; what to look at next.
alert-level_shift = { $metric } { $gender ->
        [pl] are
       *[other] is
    } still { $change } below the level before { $since }: { $value } vs { $before } (for { $count } weeks now)
alert-count_drop = { $metric }: { $value } last week, { $side ->
        [above] above
       *[below] below
    } the usual { $low }–{ $high } a week (chance explains a week like this less than once in { $chance })
alert-usual-range = within the usual { $low }–{ $high }
alert-gap = { " " }({ $weeks } missing, bridged)
alert-next = Look at: { $step }.
alert-next-cause-posts = the posting plan for the coming week
alert-next-cause-spend = the ad budget and its schedule
alert-next-cause-reach = which new audience came and what it reacts to
alert-next-reach = which posts and formats reached fewer people
alert-next-engagement = the week's posts against your best ones
alert-next-audience = what brought followers in earlier weeks
alert-next-traffic = the creatives, links and placements
alert-next-sales = the landing page, the offer and replies to enquiries
alert-next-other = what changed in your work that week
digest-more-details = More on each KPI: /report details
digest-details-header = <b>{ $name }: every alert for { $week }</b>
alerts-shifts-title = <b>Falls that stay</b> (repeated in every digest until they recover or you acknowledge them):
alerts-shift-line = • { $metric }: lower since { $week }
alerts-ack-button = ✔️ Acknowledge: { $metric } (since { $week })
alerts-acked = { $metric }: the fall since { $week } is acknowledged — the digest stops repeating it until a new one starts.
