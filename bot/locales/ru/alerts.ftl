## Alerts of the weekly analysis (kpi/alerts_text.py). Numbers arrive pre-formatted.
## $gender: m | f | n | pl — Russian verbs agree with the metric's name.

alert-verb-down =
    { $gender ->
        [f] упала
        [n] упало
        [pl] упали
       *[m] упал
    }
alert-verb-up =
    { $gender ->
        [f] выросла
        [n] выросло
        [pl] выросли
       *[m] вырос
    }
alert-verb-down-steadily =
    { $gender ->
        [pl] снижаются
       *[other] снижается
    }
alert-verb-up-steadily =
    { $gender ->
        [pl] растут
       *[other] растёт
    }
alert-wow_drop =
    { $metric } { $verb } на { $change } за неделю ({ $value } против { $previous }) и на { $baseline_change } { $move ->
        [up] выше
       *[down] ниже
    } медианы 4 недель ({ $baseline })
alert-below_baseline =
    { $metric } на { $baseline_change } { $move ->
        [up] выше
       *[down] ниже
    } медианы 4 недель: { $value } против { $baseline }
alert-streak =
    { $metric } { $verb } { $count } { $count ->
        [one] неделю
        [few] недели
       *[many] недель
    } подряд: { $start } → { $value } ({ $change })
alert-outlier = { $metric }: необычное для проекта значение { $value } при обычных { $median } ({ $change })
alert-trend =
    { $metric } устойчиво { $verb } последние { $count } { $count ->
        [one] неделю
        [few] недели
       *[many] недель
    }: в среднем { $slope } в неделю (тест Манна — Кендалла, p { $p })
alert-below_target =
    { $ceiling ->
        [yes] { $metric }: { $value } — выше допустимого уровня { $target }
       *[no] { $metric }: { $value } — ниже цели { $target } ({ $progress } плана)
    }
alert-missing =
    { $entered ->
        [no] «{ $metric }» за неделю с { $week } не посчитать: не хватает исходных цифр
       *[yes] Нет цифр за неделю с { $week }: «{ $metric }» — пришлите их, чтобы отчёт был полным
    }
alert-rate_denominator = { $metric } { $verb } до { $value } (было { $previous }), но только потому, что { $cause } — это не улучшение
alert-generic = { $metric }: { $kind }
alert-because = { " — " }похоже, из-за того, что { $causes }
alert-and = и
alert-cause-posts-down = постов стало меньше ({ $value } против { $previous })
alert-cause-posts-up = постов стало больше ({ $value } против { $previous })
alert-cause-spend-down = бюджет сократился ({ $value } против { $previous })
alert-cause-spend-up = бюджет вырос ({ $value } против { $previous })
alert-cause-reach-up = охват вырос ({ $value } против { $previous }) и новая аудитория вовлекается слабее
alert-cause-generic = { $metric } { $verb } ({ $value } против { $previous })
