## Заметки, эксперименты и KPI по формуле (issue 14)

cmd-note = отметить, что изменилось на этой неделе
cmd-experiment = эксперименты и сработали ли они
cmd-formula = добавить свой KPI по формуле
note-usage = Напишите после команды, что изменилось, до { $limit } символов: <code>/note запустили рилсы</code>
note-saved = 📝 Отмечено для недели { $week }: { $text }
experiment-usage =
    Начать: <code>/experiment название → метрика вверх|вниз [с 2026-W40] [по 2026-W52]</code>
    например <code>/experiment Рилсы 3 раза в неделю → er_reach вверх</code>. Без аргументов — список с итогами.
experiment-none = Экспериментов пока нет.
experiment-list = 🧪 Эксперименты проекта <b>{ $name }</b>:
experiment-bad-format = Нужны название, стрелка и метрика с направлением.
experiment-name-too-long = Название — не длиннее { $limit } символов.
experiment-bad-week = Не понимаю неделю «{ $text }». Напишите 2026-W47 или 17.11.2026.
experiment-no-direction = Укажите, куда должна двигаться метрика: вверх или вниз.
experiment-unknown-metric = Не знаю метрику «{ $name }».
experiment-end-before-start = Неделя окончания раньше недели начала.
experiment-line-head = <b>{ $name }</b> ({ $metric } { $arrow }, с { $start }):
experiment-waiting = пока { $weeks } из { $needed } недель — рано для вывода.
experiment-no-history = до старта только { $weeks } нед. с цифрами; для вывода нужно { $needed }.
experiment-verdict-worked = ✅ сработало: { $before } → { $after }, { $change } сверх тренда (95% интервал { $low } … { $high }, недель: { $weeks }).
experiment-verdict-no_effect = ➖ явного эффекта нет: { $before } → { $after }, { $change } сверх тренда (95% интервал { $low } … { $high }, недель: { $weeks }).
experiment-verdict-worse = 🔻 стало хуже: { $before } → { $after }, { $change } сверх тренда (95% интервал { $low } … { $high }, недель: { $weeks }).
digest-experiments-header = 🧪 Эксперименты:
formula-ask-name = ➕ KPI по формуле. Как он называется? До { $limit } символов, например «Взвешенный ER».
formula-bad-name = Название — от 1 до { $limit } символов.
formula-name-taken = «{ $name }» — уже существующая метрика. Выберите другое название.
formula-ask-formula =
    Формула для <b>{ $name }</b>: метрики, числа, + − × ÷, скобки, min(…; …), max(…; …).
    Например <code>(лайки + комментарии*2 + репосты*3) / охват * 100</code> или <code>выручка / продажи</code>
formula-invalid =
    ❌ { $reason }
    { $marker }
    Исправьте и пришлите формулу ещё раз или /cancel.
formula-ask-direction = Понял: <code>{ $formula }</code>. Что лучше?
formula-ask-unit = Единица после значения (до { $limit } символов, например % или ₽) — или нажмите «Без единицы».
formula-no-unit-button = Без единицы
formula-bad-unit = Единица — не длиннее { $limit } символов.
formula-saved = ✅ KPI по формуле <b>{ $name }</b> = <code>{ $formula }</code> ({ $direction }) сохранён. Он будет в /history, в ответе на цифры и в дайджесте.
expr-empty = Формула пустая.
expr-too-long = Формула длиннее { $limit } символов.
expr-too-deep = Слишком много вложенных скобок (не больше { $limit }).
expr-bad-char = Символ «{ $char }» здесь нельзя.
expr-bad-number = «{ $text }» — не число, которое можно использовать.
expr-expected = Здесь ожидается { $expected }, а стоит «{ $found }».
expr-expected-end = Формула обрывается: ожидается { $expected }.
expr-unclosed-paren = Эта скобка не закрыта.
expr-unopened-paren = У этой закрывающей скобки нет открывающей.
expr-unknown-name = Не знаю метрику «{ $name }».
expr-function-args = { $func } нужны хотя бы два значения через «; » (или «, » с пробелом).
expr-what-operand = число, метрика или «(»
expr-what-operator = знак действия (+ − × ÷)
expr-what-close-paren = «)»
export-notes-caption = 📝 Заметки по неделям: { $count }.
formula-button = ➕ KPI по формуле
