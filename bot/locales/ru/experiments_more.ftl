## KPI по формуле, заметки и эксперименты: список, правка, удаление; analyze --formula (issue 14)

import-reason-computed = KPI по формуле, посчитанный экспортом бота (не данные)
analyze-formula-usage = пишите так: имя=формула, в конце можно :up, :down или :neutral
analyze-formula-position = символ { $position }
