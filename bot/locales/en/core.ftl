## Onboarding and home

welcome = 👋 Hi! I help you see whether your social media work pays off: we pick a goal and 3–5 KPIs, you send me the numbers once a week, and I track the dynamics, draw charts and warn you when something declines.
onboarding-ask-name = What shall we call the project? For example "Downtown coffee shop" or "Client's Instagram". Up to 64 characters.
onboarding-bad-name = A name must be 1 to { $limit } characters and not start with "/". Please try again.
onboarding-ask-goal = Project <b>{ $name }</b>. What is the main goal?
goal-awareness = 📣 Awareness
goal-engagement = 💬 Engagement
goal-leads = 🎯 Leads and traffic
goal-sales = 💰 Sales
goal-loyalty = ❤️ Loyalty
onboarding-ask-kpis = Goal: { $goal }. I have ticked the KPIs that usually fit it. Tap to add or remove; 3–5 work best.
kpis-edit = KPIs of <b>{ $name }</b>. Tap to add or remove, then "Done".
kpis-custom-button = ➕ Custom metric
kpis-done-button = ✔️ Done
kpis-ask-custom = Type the name of your metric (up to { $limit } characters), e.g. "calls" or "trial bookings".
kpis-custom-bad-length = A metric name must be 1 to { $limit } characters.
kpis-custom-no-letters = A metric name needs at least one letter.
kpis-too-many = Too many metrics. Remove some and try again.
kpis-pick-more = Added. Pick more or tap "Done".
kpis-none-selected = Pick at least one KPI.
kpis-too-many-hint = { $count } KPIs selected. That works, but 3–5 are easier to follow.
kpis-chosen = KPIs: { $kpis }.
targets-ask = Weekly target for "{ $metric }" ({ $direction }). Now: { $current }. Type a number or skip.
direction-higher_is_better = higher is better
direction-lower_is_better = lower is better
direction-neutral = not judged
targets-bad-number = That is not a number I understand. Type e.g. 12,500 or 4.5% — or tap "Skip".
targets-skip-button = Skip
targets-skip-all-button = No targets
onboarding-ask-timezone = Last step: the project's time zone — weeks and report times follow it. Tap a button or type a zone name (Europe/London) or an offset (UTC+3).
tz-kaliningrad = Kaliningrad (UTC+2)
tz-moscow = Moscow (UTC+3)
tz-samara = Samara (UTC+4)
tz-yekaterinburg = Yekaterinburg (UTC+5)
tz-omsk = Omsk (UTC+6)
tz-novosibirsk = Novosibirsk (UTC+7)
tz-irkutsk = Irkutsk (UTC+8)
tz-vladivostok = Vladivostok (UTC+10)
tz-utc = UTC
timezone-bad = I don't know that time zone. Type e.g. Europe/London or UTC+3, or tap a button.
onboarding-done =
    🎉 Project <b>{ $name }</b> is ready. Time zone: { $timezone }. KPIs: { $kpis }.

    Now just send the week's numbers in one message, for example:
    <code>reach 12500, followers 3400, leads 17, spend 300</code>
    or <code>last week: reach 11.2k</code>. Step by step: /add. Help: /help.
kpis-saved = ✅ KPIs saved: { $kpis }.
home =
    📊 Active project: <b>{ $name }</b> ({ $role })
    Goal: { $goal }
    KPIs: { $kpis }
    Latest data: { $last_week }

    Send the week's numbers as a message or with /add. Report: /report, history: /history, all projects: /projects.
home-no-data = none yet — send your first numbers
role-owner = owner
role-editor = editor
role-viewer = viewer
no-project = You have no project yet. Create one with /new — it takes a minute.
access-denied = ⛔ You have no access to this project.
access-denied-edit = ⛔ You are a viewer in this project: you can look but not change. Ask the owner for editor rights.
stale-button = This button is out of date. Start again with the command.

## Common commands

help =
    <b>What I can do</b>
    Send the week's numbers as a plain message:
    <code>reach 12500, followers 3400, leads 17, spend 300</code>
    <code>last week: reach 12.5k ER 4.2%</code>
    A period may come first: "last week", "this week", 2026-W47 or a date 2026-11-17.

    /add — enter numbers step by step
    /undo — undo the last entry
    /history [metric] — recent weeks as a table
    /report — the digest now (and a monthly comparison)
    /export — all data as CSV or XLSX
    /template — a table to fill in; send a CSV/XLSX back and I import it
    /kpis — KPIs and targets · /alerts — alert thresholds
    /channel — where digests go · /schedule — when · /timezone — time zone
    /members — team and invites
    /projects — projects and switching · /new — a new project
    /language — language · /cancel — leave a dialog
    /delete — delete the project · /forget — delete my data
cancelled = OK, cancelled. What next — /help.
nothing-to-cancel = Nothing to cancel: no dialog is open.
language-set = Language: English 🇬🇧
language-unknown = No such language. Available: ru, en.
language-ask = Choose a language:
projects-list = <b>Your projects</b> (tap to make one active):
projects-line = { $active }{ $name } — { $role }
projects-switched = Active project: <b>{ $name }</b>.
projects-not-found = Project "{ $name }" not found. See /projects.

## Entering numbers

entry-saved-header = ✅ Saved for the week { $week } ({ $iso }):
entry-line = • { $metric }: <b>{ $value }</b>
entry-change = ({ $change } vs last week, was { $previous })
entry-replaced = — replaced the earlier { $old }
entry-derived-header = Computed:
entry-derived-line = • { $metric }: <b>{ $value }</b> = { $formula }
entry-unknown = ❓ I don't know the metric "{ $name }".
entry-unknown-suggest = ❓ I don't know the metric "{ $name }". Did you mean: { $suggestions }?
entry-refused-future_week = That week has not come yet — I can't record numbers in the future. Please check the date.
entry-refused-percent_for_count = Percentages only fit rates such as ER or CTR. For reach, leads or money, type the number itself.
entry-refused-negative = I don't record negative values — please check the numbers.
entry-help =
    I found no numbers in that message. Write a name and a number, separated by commas:
    <code>reach 12500, followers 3400, leads 17</code>
    A period may come first: <code>last week: reach 11200</code>. Or step by step: /add.
undo-button = ↩️ Undo
undo-done = ↩️ Undone: { $metrics } (week { $weeks }). Earlier values are back.
undo-nothing = Nothing to undo.
undo-not-possible = This entry is already undone or newer data replaced it.
add-no-kpis = The project has no KPIs. Pick them: /kpis.
add-intro = Filling in the week { $week }. I will ask for { $count ->
    [one] { $count } metric
   *[other] { $count } metrics
}. Skip with the button, finish with "Save".
add-ask = ({ $step }/{ $total }) { $metric }?
add-skip-button = Skip
add-stop-button = Save
add-bad-number = That is not a number I understand. Type e.g. 12500, 12.5k or 4.2%.
add-nothing = Nothing entered — nothing saved.

## History and export

history-title = <b>{ $name }</b> — recent weeks ({ $weeks }):
history-empty = No data yet. Send the week's numbers as a message.
history-unknown-metric = I don't know the metric "{ $name }". Try /history reach.
export-caption = Data of { $name }: { $count } values.
export-empty = The project has no data to export yet.
export-xlsx-button = 📗 Same as XLSX
error-generic = 😔 Something went wrong; I have logged the error. Please try again in a minute; if it happens again, /cancel and start over.

## Command menu

cmd-start = Main menu
cmd-add = Enter numbers step by step
cmd-history = Weekly history
cmd-report = Digest now
cmd-kpis = KPIs and targets
cmd-projects = Projects
cmd-new = New project
cmd-undo = Undo the last entry
cmd-export = Export data
cmd-template = Spreadsheet template
cmd-channel = Channel for digests
cmd-schedule = Digest schedule
cmd-timezone = Time zone
cmd-alerts = Alert thresholds
cmd-members = Team and invites
cmd-language = Language
cmd-help = Help
cmd-cancel = Leave a dialog
cmd-delete = Delete the project
cmd-forget = Delete my data

## Digest

digest-header = 📊 <b>{ $name }</b> — week { $week }
digest-subtitle = Week { $week }
digest-alerts-header = <b>Worth a look:</b>
digest-all-good = Nothing declined — keep it up 👍
delivery-paused-forbidden = ⚠️ I can't post the digest of <b>{ $name }</b> to { $chat }: I was removed or lost the right to post. Delivery is paused — restore my rights and link the chat again with /channel.

## Schedule and time zone

weekday-0 = Monday
weekday-1 = Tuesday
weekday-2 = Wednesday
weekday-3 = Thursday
weekday-4 = Friday
weekday-5 = Saturday
weekday-6 = Sunday
schedule-now = The digest of <b>{ $name }</b> goes out every week: { $day }, { $time } ({ $timezone }).
schedule-off-now = The weekly digest of <b>{ $name }</b> is off.
schedule-usage = Change: <code>/schedule mon 10:00</code>, turn off: <code>/schedule off</code>.
schedule-bad = I didn't understand the schedule "{ $text }".
access-denied-owner = ⛔ Only the project's owner can do that.
timezone-now = Project time zone: { $timezone }.
timezone-set = ✅ Project time zone: { $timezone }. Weeks and the digest time follow it.

## Channel

channel-none = Digests now come to you in private messages.
channel-current = Digests are posted to "{ $chat }".
channel-how = To post digests to a channel or group: add me there as an administrator allowed to post, then forward any post from it here or send the channel's @username. Unlink: <code>/channel off</code>.
channel-linked = ✅ Digests of <b>{ $name }</b> will be posted to "{ $chat }".
channel-unlinked = Channel unlinked: digests of <b>{ $name }</b> will come to your private chat.
channel-refused-not-found = I could not find the chat "{ $chat }". Check the @username and that I was added there.
channel-refused-private = That is a private chat; a channel or group is needed.
channel-refused-bot-not-member = I am not in "{ $chat }". Add me as an administrator and try again.
channel-refused-bot-cannot-post = I may not post in "{ $chat }". Make me an administrator allowed to post and try again.
channel-refused-user-not-admin = Only an administrator of "{ $chat }" can link it, and you are not one.
channel-offer = I was added to "{ $chat }". Post the active project's weekly digests there?
channel-offer-button = Yes, post here

## analyze CLI

analyze-weeks = Weeks { $first } — { $last } ({ $count })
status-ok = ok
status-warning = warning
status-critical = critical
status-no_data = no data

## Team

members-title = <b>Team of { $name }</b>:
members-line = • { $user } — { $role }
members-invite-editor = ➕ Invite an editor
members-invite-viewer = ➕ Invite a viewer
members-make-editor = { $user }: make editor
members-make-viewer = { $user }: make viewer
members-remove = { $user }: remove
members-invite-created = Invite link ({ $role }), valid for { $days } days, single use:
    { $link }
invite-invalid = This invite is not valid: it expired, was already used, or the link is wrong. Ask the project's owner for a new one.
invite-joined = ✅ You joined <b>{ $name }</b> as { $role }. It is now your active project; help: /help.

## Deleting

delete-ask = Delete the project <b>{ $name }</b> with all its numbers, team and schedule? This cannot be undone.
delete-confirm-button = 🗑 Yes, delete
forget-ask = Delete all your data? Projects you alone own are deleted entirely; you leave the others. This cannot be undone.
forget-confirm-button = 🗑 Yes, delete everything
keep-button = No, keep it
delete-done = Project "{ $name }" deleted.
forget-done = Your data is deleted ({ $count } projects removed). To start again: /start.
kept = OK, nothing deleted.

## File import

import-failed = I can't import "{ $name }":
import-mapping-line = • "{ $column }" → { $metric }
import-confirm-button = ✅ Save
import-cancel-button = ✖️ Cancel
import-saved = ✅ Saved { $count } values. Undo the whole import with the button or /undo.
import-cancelled = Import cancelled; nothing saved.
template-caption = A template for the project's KPIs: fill in the weeks and send the file back.
reminder = 🔔 The digest of <b>{ $name }</b> is due soon, and there are no numbers for the week { $week } yet. Send them as a message or tap the button.
reminder-button = ✍️ Enter numbers

## Alert thresholds

alerts-title = <b>Alert thresholds — { $name }</b> (weekly drop confirmed by the 4-week median):
alerts-line = • { $metric }: warning from −{ $warning }%, critical from −{ $critical }%
alerts-usage = Change: <code>/alerts reach 15 30</code> (warning and critical, %), back to defaults: <code>/alerts reach reset</code>.
alerts-unknown = "{ $name }" is not a KPI of this project.
alerts-bad-numbers = Two numbers are needed: the warning threshold below the critical one, both between 0 and 100.
alerts-set = ✅ { $metric }: warning from −{ $warning }%, critical from −{ $critical }%.
alerts-reset = ✅ { $metric }: default thresholds.
entry-refused-bad_period = I didn't understand the period at the start — no such date or week. Write e.g. "2026-11-17:", "2026-W47:" or "last week:".

## Monthly view

monthly-button = 📅 Month: last 4 weeks vs the 4 before
monthly-title = 📅 <b>{ $name }</b>: { $first } — { $last } vs the 4 weeks before
monthly-line = • { $metric }: <b>{ $current }</b> (was { $previous }) { $change }
monthly-footnote = <i>Totals over 4 weeks; followers at the end of the period; rates (ER, CPL…) recomputed from the totals.</i>
