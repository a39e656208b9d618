## Formula KPIs, notes and experiments: listing, editing, deleting; analyze --formula (issue 14)

import-reason-computed = a formula KPI computed by the bot's export (not data)
analyze-formula-usage = write it as name=formula, optionally ending with :up, :down or :neutral
analyze-formula-position = at character { $position }
