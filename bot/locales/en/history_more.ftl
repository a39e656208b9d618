history-more-metrics = Not shown here for lack of room: { $metrics }. See one with /history name, e.g. /history reach.
history-network-chart-hint = Chart: { $command }
