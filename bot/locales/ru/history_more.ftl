history-more-metrics = Не поместились: { $metrics }. Посмотреть одну: /history название, например /history охват.
