## File import: problems (import-error-<code>) and notes for the preview

import-error-not_table = Это не таблица, которую я умею читать. Пришлите CSV (через запятую, точку с запятой или табуляцию) или книгу Excel .xlsx.
import-error-too_large = Файл больше 5 МБ. Разделите его на части или удалите ненужные столбцы.
import-error-too_many_rows = В файле больше { $limit } строк. Разделите его на части.
import-error-undecodable = Не получается прочитать кодировку файла. Сохраните его как «CSV UTF-8» и пришлите снова.
import-error-empty = В файле нет чисел для загрузки: заполните хотя бы одну неделю.
import-error-no_date_column = Не нахожу столбец с датой. Назовите его «неделя», «дата» или «период» (или week_start, date).
import-error-no_metric_columns = Ни один столбец не назван как известная мне метрика. Столбцы в файле: { $columns }. Используйте названия вроде «охват», «подписчики», «лайки» или названия своих метрик.
import-error-bad_number = Строка { $row }, столбец «{ $column }»: «{ $value }» — не число.
import-error-bad_date = Строка { $row }: «{ $value }» — не дата. Пишите 17.11.2026, 2026-11-17 или 2026-W47.
import-error-future_date = Строка { $row }: { $value } — неделя ещё не началась.
import-error-rates_only = В файле дневные строки только с коэффициентами (ER, CTR…). Их нельзя складывать по дням: пришлите числа, из которых они считаются (охват, лайки, клики…).

import-layout-wide = по столбцу на метрику
import-layout-long = дата, метрика, значение
import-layout-meta = выгрузка публикаций Meta Business Suite, суммы по неделям публикации
import-daily-note = Дневные строки сведены в недели: счётчики сложены, подписчики — на последний день недели, охват отмечен как приблизительный.
import-reason-empty = нет чисел
import-reason-no_date = нет даты
import-reason-total = строка итогов
import-reason-duplicate = та же дата повторяется ниже
import-reason-formula = формула без сохранённого значения (откройте и сохраните файл в Excel)
import-reason-unknown_metric = неизвестная метрика
import-reason-rate_from_daily = коэффициент в дневных строках, считается из счётчиков
import-reason-unknown = не метрика
import-reason-meta_info = не метрика
import-ignored-row-line = строка { $row }: { $reason }

## File import: the preview before saving

import-summary-head = 📄 <b>{ $name }</b>: { $count } { $count ->
        [one] значение
        [few] значения
       *[many] значений
    } за { $weeks } нед. ({ $first } — { $last }).
import-summary-layout = Формат: { $layout }.
import-summary-columns = Столбцы → метрики:
import-summary-approx-mark = ≈ приблизительно
import-summary-skipped-columns = Пропущены столбцы: { $columns }.
import-summary-skipped-column = «{ $column }» ({ $reason })
import-summary-skipped-rows = Пропущено строк: { $count }
import-summary-no-skipped-rows = Пропущенных строк нет.
import-summary-more = …и ещё { $count }
import-summary-approximate = ≈ Недельный охват — сумма охватов публикаций: человек, увидевший несколько постов, посчитан несколько раз, поэтому охват сохранится с пометкой «приблизительно».
import-summary-replaced = ⚠️ Будет заменено уже сохранённых значений: { $count }
import-summary-replaced-line = • { $week }, { $metric }: { $old } → { $new }
import-summary-no-replaced = Сохранённые значения не заменяются.
import-summary-unchanged = Уже сохранено с тем же числом: { $count }.
import-summary-ask = Пока вы не нажмёте «Сохранить», ничего не записывается. Сохранить?
import-error-download = Не удалось скачать «{ $name }» из Telegram. Пришлите файл ещё раз.
