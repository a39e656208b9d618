## KPI по формуле, заметки и эксперименты: список, правка, удаление; analyze --formula (issue 14)

import-reason-computed = KPI по формуле, посчитанный экспортом бота (не данные)
analyze-formula-usage = пишите так: имя=формула, в конце можно :up, :down или :neutral
analyze-formula-position = символ { $position }
cmd-formulas = ваши KPI по формуле: направление, единица, удаление
cmd-notes = заметки и эксперименты: список и удаление
formulas-list-button = 🧮 Мои KPI по формуле
formulas-none = У <b>{ $name }</b> пока нет KPI по формуле. Добавить: /formula
formulas-title = 🧮 KPI по формуле — <b>{ $name }</b>:
formulas-line = • <b>{ $kpi }</b> = <code>{ $formula }</code> — { $direction }, единица: { $unit }
formulas-hint = Нажмите на KPI, чтобы сменить направление или единицу либо удалить его.
formulas-open-button = ⚙️ { $kpi }
formulas-card =
    { $line }
    Выберите направление, смените единицу или удалите KPI.
formulas-unit-button = ✏️ Единица
formulas-delete-button = 🗑 Удалить
formulas-direction-set = { $kpi }: { $direction }.
formulas-ask-unit = Новая единица для <b>{ $kpi }</b> (до { $limit } символов, например % или ₽) или «-», чтобы убрать.
formulas-unit-set = ✅ Единица <b>{ $kpi }</b> теперь: { $unit }
formulas-deleted = 🗑 KPI по формуле { $kpi } удалён.
notes-none = У <b>{ $name }</b> пока нет заметок и экспериментов. /note отмечает неделю, /experiment запускает эксперимент.
notes-title = 📝 Заметки — <b>{ $name }</b> (сначала новые):
notes-no-notes = Заметок пока нет.
notes-line = • { $week }: { $text }
notes-experiments-title = 🧪 Эксперименты:
notes-experiment-line = • <b>{ $name }</b> ({ $metric } { $arrow }, с { $start })
notes-hint = 🗑 удаляет заметку или эксперимент (цифры остаются).
notes-delete-note-button = 🗑 📝 { $text }
notes-delete-experiment-button = 🗑 🧪 { $name }
notes-deleted-note = Заметка удалена.
notes-deleted-experiment = Эксперимент удалён.
formula-name-taken-formula = KPI по формуле «{ $name }» уже есть. Выберите другое название или измените тот в /formulas.
formula-tap-direction = Нажмите одну из кнопок выше: в какую сторону лучше?
