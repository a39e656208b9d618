history-more-metrics = Не поместились: { $metrics }. Посмотреть одну: /history название, например /history охват.
history-network-chart-hint = График: { $command }
