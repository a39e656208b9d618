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

## Issue 16: падение, которое держится, малые числа, пропуски; на что посмотреть.
alert-level_shift = { $metric } всё ещё на { $change } ниже уровня до { $since }: { $value } против { $before } (уже { $count } { $count ->
        [one] неделю
        [few] недели
       *[many] недель
    })
alert-count_drop = { $metric }: { $value } за неделю — { $side ->
        [above] выше
       *[below] ниже
    } обычных { $low }–{ $high } в неделю (случайно такая неделя бывает реже раза из { $chance })
alert-usual-range = в пределах обычных { $low }–{ $high }
alert-gap = { " " }(нет данных за { $weeks }, сравнение через пропуск)
alert-next = Что проверить: { $step }.
alert-next-cause-posts = план публикаций на следующую неделю
alert-next-cause-spend = рекламный бюджет и его расписание
alert-next-cause-reach = какая новая аудитория пришла и на что она реагирует
alert-next-reach = какие посты и форматы охватили меньше людей
alert-next-engagement = посты недели в сравнении с лучшими
alert-next-audience = что приводило подписчиков в прошлые недели
alert-next-traffic = креативы, ссылки и площадки размещения
alert-next-sales = посадочную страницу, оффер и ответы на заявки
alert-next-other = что изменилось в работе на этой неделе
digest-more-details = Подробнее по каждому KPI: /report details
digest-details-header = <b>{ $name }: все сигналы за { $week }</b>
alerts-shifts-title = <b>Падения, которые держатся</b> (повторяются в каждом отчёте, пока не восстановятся или вы их не отметите):
alerts-shift-line = • { $metric }: ниже с { $week }
alerts-ack-button = ✔️ Принято: { $metric } (с { $week })
alerts-acked = { $metric }: падение с { $week } отмечено — отчёт перестанет его повторять, пока не начнётся новое.
