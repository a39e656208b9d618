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
