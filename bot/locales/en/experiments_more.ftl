## Formula KPIs, notes and experiments: listing, editing, deleting; analyze --formula (issue 14)

import-reason-computed = a formula KPI computed by the bot's export (not data)
analyze-formula-usage = write it as name=formula, optionally ending with :up, :down or :neutral
analyze-formula-position = at character { $position }
cmd-formulas = your formula KPIs: direction, unit, delete
cmd-notes = notes and experiments: list and delete
formulas-list-button = 🧮 My formula KPIs
formulas-none = <b>{ $name }</b> has no formula KPIs yet. Add one: /formula
formulas-title = 🧮 Formula KPIs of <b>{ $name }</b>:
formulas-line = • <b>{ $kpi }</b> = <code>{ $formula }</code> — { $direction }, unit: { $unit }
formulas-hint = Tap a KPI to change its direction or unit, or to delete it.
formulas-open-button = ⚙️ { $kpi }
formulas-card =
    { $line }
    Choose the direction, change the unit, or delete it.
formulas-unit-button = ✏️ Unit
formulas-delete-button = 🗑 Delete
formulas-direction-set = { $kpi }: { $direction }.
formulas-ask-unit = The new unit of <b>{ $kpi }</b> (up to { $limit } characters, e.g. % or ₽), or "-" for none.
formulas-unit-set = ✅ The unit of <b>{ $kpi }</b> is now: { $unit }
formulas-deleted = 🗑 Formula KPI { $kpi } deleted.
notes-none = <b>{ $name }</b> has no notes or experiments yet. /note marks a week, /experiment starts one.
notes-title = 📝 Notes of <b>{ $name }</b> (newest first):
notes-no-notes = No notes yet.
notes-line = • { $week }: { $text }
notes-experiments-title = 🧪 Experiments:
notes-experiment-line = • <b>{ $name }</b> ({ $metric } { $arrow }, since { $start })
notes-hint = 🗑 deletes a note or an experiment (its numbers stay).
notes-delete-note-button = 🗑 📝 { $text }
notes-delete-experiment-button = 🗑 🧪 { $name }
notes-deleted-note = Note deleted.
notes-deleted-experiment = Experiment deleted.
formula-name-taken-formula = There is already a formula KPI "{ $name }". Choose another name, or change that one in /formulas.
formula-tap-direction = Tap one of the buttons above: which way is better?
