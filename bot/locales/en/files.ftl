## File import: problems (import-error-<code>) and notes for the preview

import-error-not_table = This is not a table I can read. Send a CSV file (comma, semicolon or tab separated) or an Excel .xlsx workbook.
import-error-too_large = The file is larger than 5 MB. Split it into smaller files or remove columns you do not need.
import-error-too_many_rows = The file has more than { $limit } rows. Split it into smaller files.
import-error-undecodable = I can't read the file's text encoding. Save it as "CSV UTF-8" and send it again.
import-error-empty = The file has no numbers to import: fill in at least one week.
import-error-no_date_column = I can't find the date column. Name it "week_start", "week", "date" or "period" (ru: "неделя", "дата").
import-error-no_metric_columns = No column is named after a metric I know. Columns found: { $columns }. Use names like "reach", "followers", "likes" or your custom metrics' names.
import-error-bad_number = Row { $row }, column "{ $column }": "{ $value }" is not a number.
import-error-bad_date = Row { $row }: "{ $value }" is not a date. Use 2026-11-17, 17.11.2026 or 2026-W47.
import-error-future_date = Row { $row }: { $value } is in a week that has not started yet.
import-error-rates_only = The file has daily rows with rates only (ER, CTR…). Rates can't be added up over days: send the counts they are computed from (reach, likes, clicks…).

import-layout-wide = one column per metric
import-layout-long = date, metric, value
import-layout-meta = Meta Business Suite posts export, summed by publish week
import-daily-note = Daily rows were combined into weeks: counts summed, followers from the last day of each week, reach marked approximate.
import-reason-empty = no numbers
import-reason-no_date = no date
import-reason-total = total row
import-reason-duplicate = same date repeated below
import-reason-formula = formula without a saved value (open and save the file in Excel)
import-reason-unknown_metric = unknown metric
import-reason-rate_from_daily = rate in daily rows, computed from counts instead
import-reason-unknown = not a metric
import-reason-meta_info = not a metric
import-ignored-row-line = row { $row }: { $reason }

## File import: the preview before saving

import-summary-head = 📄 <b>{ $name }</b>: { $count } { $count ->
        [one] value
       *[other] values
    } over { $weeks } { $weeks ->
        [one] week
       *[other] weeks
    } ({ $first } — { $last }).
import-summary-layout = Recognised as: { $layout }.
import-summary-columns = Columns → metrics:
import-summary-approx-mark = ≈ approximate
import-summary-skipped-columns = Columns skipped: { $columns }.
import-summary-skipped-column = "{ $column }" ({ $reason })
import-summary-skipped-rows = Rows skipped: { $count }
import-summary-no-skipped-rows = Rows skipped: none.
import-summary-more = …and { $count } more
import-summary-approximate = ≈ Weekly reach is the sum of the posts' reach: people who saw several posts are counted more than once, so it is saved marked as approximate.
import-summary-replaced = ⚠️ Stored values to be replaced: { $count }
import-summary-replaced-line = • { $week }, { $metric }: { $old } → { $new }
import-summary-no-replaced = Stored values to be replaced: none.
import-summary-unchanged = Already stored with the same number: { $count }.
import-summary-ask = Nothing is saved until you tap Save. Save?
import-error-download = I couldn't download "{ $name }" from Telegram. Please send it again.
