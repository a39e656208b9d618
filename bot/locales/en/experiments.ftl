## Notes, experiments and formula KPIs (issue 14)

cmd-note = mark this week with what changed
cmd-experiment = experiments and whether they worked
cmd-formula = add your own KPI by formula
note-usage = Write what changed after the command, up to { $limit } characters: <code>/note started Reels</code>
note-saved = 📝 Noted for the week { $week }: { $text }
experiment-usage =
    Start one: <code>/experiment name → metric up|down [from 2026-W40] [to 2026-W52]</code>
    e.g. <code>/experiment Reels 3×/week → er_reach up</code>. Without arguments: the list with verdicts.
experiment-none = No experiments yet.
experiment-list = 🧪 Experiments of <b>{ $name }</b>:
experiment-bad-format = I need a name, an arrow and the metric with its direction.
experiment-name-too-long = The name may have at most { $limit } characters.
experiment-bad-week = I don't understand the week "{ $text }". Write 2026-W47 or 2026-11-17.
experiment-no-direction = Say which way the metric should move: up or down.
experiment-unknown-metric = I don't know the metric "{ $name }".
experiment-end-before-start = The end week is before the start week.
experiment-line-head = <b>{ $name }</b> ({ $metric } { $arrow }, since { $start }):
experiment-waiting = { $weeks } of { $needed } weeks so far — too early for a verdict.
experiment-no-history = only { $weeks } weeks of numbers before the start; a verdict needs { $needed }.
experiment-verdict-worked = ✅ worked: { $before } → { $after }, { $change } beyond the trend (95% interval { $low } … { $high }, { $weeks } weeks).
experiment-verdict-no_effect = ➖ no clear effect: { $before } → { $after }, { $change } beyond the trend (95% interval { $low } … { $high }, { $weeks } weeks).
experiment-verdict-worse = 🔻 made it worse: { $before } → { $after }, { $change } beyond the trend (95% interval { $low } … { $high }, { $weeks } weeks).
digest-experiments-header = 🧪 Experiments:
formula-ask-name = ➕ Formula KPI. What is its name? Up to { $limit } characters, e.g. "Weighted ER".
formula-bad-name = A name must be 1 to { $limit } characters.
formula-name-taken = "{ $name }" is already a metric. Choose another name.
formula-ask-formula =
    The formula for <b>{ $name }</b>: metrics, numbers, + − × ÷, parentheses, min(…; …), max(…; …).
    e.g. <code>(likes + comments*2 + shares*3) / reach * 100</code> or <code>revenue / orders</code>
formula-invalid =
    ❌ { $reason }
    { $marker }
    Fix it and send the formula again, or /cancel.
formula-ask-direction = Understood: <code>{ $formula }</code>. Which way is better?
formula-ask-unit = The unit to show after the value (up to { $limit } characters, e.g. % or ₽) — or tap "No unit".
formula-no-unit-button = No unit
formula-bad-unit = A unit may have at most { $limit } characters.
formula-saved = ✅ Formula KPI <b>{ $name }</b> = <code>{ $formula }</code> ({ $direction }) saved. It appears in /history, the entry reply and the digest.
expr-empty = The formula is empty.
expr-too-long = The formula is longer than { $limit } characters.
expr-too-deep = Too many nested parentheses (at most { $limit }).
expr-bad-char = "{ $char }" is not allowed here.
expr-bad-number = "{ $text }" is not a number I can use.
expr-expected = Expected { $expected } here, found "{ $found }".
expr-expected-end = The formula ends too early: expected { $expected }.
expr-unclosed-paren = This parenthesis is never closed.
expr-unopened-paren = This closing parenthesis has no opening one.
expr-unknown-name = I don't know the metric "{ $name }".
expr-function-args = { $func } needs at least two values separated by "; " (or ", " with a space).
expr-what-operand = a number, a metric or "("
expr-what-operator = an operator (+ − × ÷)
expr-what-close-paren = ")"
export-notes-caption = 📝 Notes on weeks: { $count }.
formula-button = ➕ Formula KPI
