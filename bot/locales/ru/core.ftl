## Onboarding and home

welcome = 👋 Привет! Я помогаю понять, окупается ли работа в соцсетях: выберем цель и 3–5 KPI, вы раз в неделю присылаете цифры, а я считаю динамику, рисую графики и предупреждаю, когда что-то проседает.
onboarding-ask-name = Как назовём проект? Например, «Кофейня на Ленина» или «Instagram клиента». Не длиннее 64 символов.
onboarding-bad-name = Название должно быть от 1 до { $limit } символов и не начинаться с «/». Попробуйте ещё раз.
onboarding-ask-goal = Проект <b>{ $name }</b>. Какая главная цель продвижения?
goal-awareness = 📣 Узнаваемость
goal-engagement = 💬 Вовлечённость
goal-leads = 🎯 Лиды и трафик
goal-sales = 💰 Продажи
goal-loyalty = ❤️ Лояльность
onboarding-ask-kpis = Цель: { $goal }. Я отметил KPI, которые обычно под неё берут. Нажмите, чтобы добавить или убрать; лучше всего 3–5 штук.
kpis-edit = KPI проекта <b>{ $name }</b>. Нажмите, чтобы добавить или убрать, затем «Готово».
kpis-custom-button = ➕ Своя метрика
kpis-done-button = ✔️ Готово
kpis-ask-custom = Напишите название своей метрики (до { $limit } символов), например «звонки» или «записи на пробное».
kpis-custom-bad-length = Название метрики должно быть от 1 до { $limit } символов.
kpis-custom-no-letters = В названии метрики должна быть хотя бы одна буква.
kpis-too-many = Слишком много метрик. Уберите лишние и попробуйте снова.
kpis-pick-more = Добавил. Выберите ещё или нажмите «Готово».
kpis-none-selected = Выберите хотя бы один KPI.
kpis-too-many-hint = Выбрано { $count } KPI. Работать можно, но за 3–5 показателями следить проще.
kpis-chosen = KPI: { $kpis }.
targets-ask = Цель для «{ $metric }» на неделю ({ $direction }). Сейчас: { $current }. Напишите число или пропустите.
direction-higher_is_better = чем больше, тем лучше
direction-lower_is_better = чем меньше, тем лучше
direction-neutral = без оценки
targets-bad-number = Не понял число. Напишите, например, 12 500 или 4,5% — или нажмите «Пропустить».
targets-skip-button = Пропустить
targets-skip-all-button = Без целей
onboarding-ask-timezone = Последний шаг: часовой пояс проекта — по нему я считаю недели и отправляю отчёты. Выберите кнопку или напишите название (Europe/Moscow) или смещение (UTC+3).
tz-kaliningrad = Калининград (UTC+2)
tz-moscow = Москва (UTC+3)
tz-samara = Самара (UTC+4)
tz-yekaterinburg = Екатеринбург (UTC+5)
tz-omsk = Омск (UTC+6)
tz-novosibirsk = Новосибирск (UTC+7)
tz-irkutsk = Иркутск (UTC+8)
tz-vladivostok = Владивосток (UTC+10)
tz-utc = UTC
timezone-bad = Не знаю такой часовой пояс. Напишите, например, Europe/Moscow или UTC+3, или выберите кнопку.
onboarding-done =
    🎉 Проект <b>{ $name }</b> готов. Часовой пояс: { $timezone }. KPI: { $kpis }.

    Теперь просто присылайте цифры за неделю одним сообщением, например:
    <code>охват 12 500, подписчики 3 400, лиды 17, бюджет 15 000 ₽</code>
    или <code>прошлая неделя: охват 11 200</code>. Можно по шагам: /add. Справка: /help.
kpis-saved = ✅ KPI сохранены: { $kpis }.
home =
    📊 Активный проект: <b>{ $name }</b> ({ $role })
    Цель: { $goal }
    KPI: { $kpis }
    Последние данные: { $last_week }

    Пришлите цифры за неделю сообщением или через /add. Отчёт: /report, история: /history, все проекты: /projects.
home-no-data = пока нет — пришлите первые цифры
role-owner = владелец
role-editor = редактор
role-viewer = наблюдатель
no-project = У вас пока нет проекта. Создайте его командой /new — это займёт минуту.
access-denied = ⛔ У вас нет доступа к этому проекту.
access-denied-edit = ⛔ Вы наблюдатель в этом проекте: смотреть можно, менять — нет. Попросите владельца дать права редактора.
stale-button = Эта кнопка устарела. Начните заново командой.

## Common commands

help =
    <b>Что я умею</b>
    Присылайте цифры за неделю обычным сообщением:
    <code>охват 12 500, подписчики 3 400, лиды 17, бюджет 15 000 ₽</code>
    <code>прошлая неделя: охват 12,5к ER 4,2%</code>
    Период можно указать в начале: «прошлая неделя», «эта неделя», 2026-W47 или дата 17.11.2026.

    /add — ввести цифры по шагам
    /undo — отменить последний ввод
    /history [метрика] — последние недели таблицей
    /report — отчёт сейчас (и сравнение за месяц)
    /export — выгрузить данные в CSV или XLSX
    /template — таблица для заполнения; присланный CSV/XLSX я загружу
    /kpis — KPI и цели · /alerts — пороги оповещений
    /channel — канал для отчётов · /schedule — когда отправлять · /timezone — часовой пояс
    /members — команда и приглашения
    /projects — проекты и переключение · /new — новый проект
    /language — язык · /cancel — выйти из диалога
    /delete — удалить проект · /forget — удалить мои данные
cancelled = Хорошо, отменил. Что дальше — /help.
nothing-to-cancel = Нечего отменять: сейчас нет начатого диалога.
language-set = Язык: русский 🇷🇺
language-unknown = Такого языка нет. Доступны: ru, en.
language-ask = Выберите язык:
projects-list = <b>Ваши проекты</b> (нажмите, чтобы сделать активным):
projects-line = { $active }{ $name } — { $role }
projects-switched = Активный проект: <b>{ $name }</b>.
projects-not-found = Проект «{ $name }» не найден. Список: /projects.

## Entering numbers

entry-saved-header = ✅ Записал за неделю { $week } ({ $iso }):
entry-line = • { $metric }: <b>{ $value }</b>
entry-change = ({ $change } к прошлой неделе, было { $previous })
entry-replaced = — заменил прежнее { $old }
entry-derived-header = Посчитал:
entry-derived-line = • { $metric }: <b>{ $value }</b> = { $formula }
entry-unknown = ❓ Не знаю метрику «{ $name }».
entry-unknown-suggest = ❓ Не знаю метрику «{ $name }». Может быть: { $suggestions }?
entry-refused-future_week = Эта неделя ещё не наступила — не могу записать цифры в будущее. Проверьте дату.
entry-refused-percent_for_count = Проценты подходят только для ставок вроде ER или CTR. Для охвата, лидов и денег напишите само число.
entry-refused-negative = Отрицательные значения не записываю — проверьте цифры.
entry-help =
    Я не нашёл в сообщении цифр. Пишите так: название и число, через запятую:
    <code>охват 12 500, подписчики 3 400, лиды 17</code>
    Период можно указать в начале: <code>прошлая неделя: охват 11 200</code>. Или по шагам: /add.
undo-button = ↩️ Отменить
undo-done = ↩️ Отменено: { $metrics } (неделя { $weeks }). Прежние значения восстановлены.
undo-nothing = Нечего отменять.
undo-not-possible = Этот ввод уже отменён или его перекрыли более новые данные.
add-no-kpis = В проекте нет KPI. Выберите их: /kpis.
add-intro = Заполняем неделю { $week }. Спрошу { $count ->
    [one] { $count } показатель
    [few] { $count } показателя
   *[many] { $count } показателей
}. Пропустить — кнопкой, закончить — «Сохранить».
add-ask = ({ $step }/{ $total }) { $metric }?
add-skip-button = Пропустить
add-stop-button = Сохранить
add-bad-number = Не понял число. Напишите, например, 12 500, 12,5к или 4,2%.
add-nothing = Ничего не введено — ничего не сохранил.

## History and export

history-title = <b>{ $name }</b> — последние недели ({ $weeks }):
history-empty = Данных пока нет. Пришлите цифры за неделю сообщением.
history-unknown-metric = Не знаю метрику «{ $name }». Попробуйте /history охват.
export-caption = Данные проекта { $name }: { $count } значений.
export-empty = В проекте пока нет данных для выгрузки.
export-xlsx-button = 📗 То же в XLSX
error-generic = 😔 Что-то пошло не так, я уже записал ошибку. Попробуйте ещё раз через минуту; если повторится — /cancel и начните заново.

## Command menu

cmd-start = Главное меню
cmd-add = Ввести цифры по шагам
cmd-history = История по неделям
cmd-report = Отчёт сейчас
cmd-kpis = KPI и цели
cmd-projects = Проекты
cmd-new = Новый проект
cmd-undo = Отменить последний ввод
cmd-export = Выгрузить данные
cmd-template = Шаблон таблицы
cmd-channel = Канал для отчётов
cmd-schedule = Расписание отчётов
cmd-timezone = Часовой пояс
cmd-alerts = Пороги оповещений
cmd-members = Команда и приглашения
cmd-language = Язык
cmd-help = Справка
cmd-cancel = Отменить диалог
cmd-delete = Удалить проект
cmd-forget = Удалить мои данные

## Digest

digest-header = 📊 <b>{ $name }</b> — неделя { $week }
digest-subtitle = Неделя { $week }
digest-alerts-header = <b>Обратите внимание:</b>
digest-all-good = Ничего не просело — так держать 👍
delivery-paused-forbidden = ⚠️ Не могу отправить отчёт проекта <b>{ $name }</b> в { $chat }: меня удалили или лишили права публиковать. Отправка на паузе — верните права и снова привяжите чат командой /channel.

## Schedule and time zone

weekday-0 = понедельник
weekday-1 = вторник
weekday-2 = среда
weekday-3 = четверг
weekday-4 = пятница
weekday-5 = суббота
weekday-6 = воскресенье
schedule-now = Отчёт проекта <b>{ $name }</b> выходит каждую неделю: { $day }, { $time } ({ $timezone }).
schedule-off-now = Еженедельный отчёт проекта <b>{ $name }</b> выключен.
schedule-usage = Изменить: <code>/schedule пн 10:00</code>, выключить: <code>/schedule off</code>.
schedule-bad = Не понял расписание «{ $text }».
access-denied-owner = ⛔ Это может сделать только владелец проекта.
timezone-now = Часовой пояс проекта: { $timezone }.
timezone-set = ✅ Часовой пояс проекта: { $timezone }. Недели и время отчёта считаются по нему.

## Channel

channel-none = Отчёты сейчас приходят вам в личные сообщения.
channel-current = Отчёты публикуются в «{ $chat }».
channel-how = Чтобы публиковать отчёты в канал или группу: добавьте меня туда администратором с правом публикации, затем перешлите сюда любой пост оттуда или пришлите @username канала. Отвязать: <code>/channel off</code>.
channel-linked = ✅ Отчёты проекта <b>{ $name }</b> будут публиковаться в «{ $chat }».
channel-unlinked = Канал отвязан: отчёты проекта <b>{ $name }</b> будут приходить вам в личку.
channel-refused-not-found = Не нашёл чат «{ $chat }». Проверьте @username и что я добавлен туда.
channel-refused-private = Это личный чат, а нужен канал или группа.
channel-refused-bot-not-member = Меня нет в «{ $chat }». Добавьте меня администратором и повторите.
channel-refused-bot-cannot-post = В «{ $chat }» у меня нет права публиковать сообщения. Дайте мне права администратора с публикацией и повторите.
channel-refused-user-not-admin = Привязать «{ $chat }» может только его администратор, а вы им не являетесь.
channel-offer = Меня добавили в «{ $chat }». Публиковать туда еженедельные отчёты активного проекта?
channel-offer-button = Да, публиковать сюда

## analyze CLI

analyze-weeks = Недели { $first } — { $last } ({ $count })
status-ok = норма
status-warning = внимание
status-critical = критично
status-no_data = нет данных

## Team

members-title = <b>Команда проекта { $name }</b>:
members-line = • { $user } — { $role }
members-invite-editor = ➕ Пригласить редактора
members-invite-viewer = ➕ Пригласить наблюдателя
members-make-editor = { $user }: сделать редактором
members-make-viewer = { $user }: сделать наблюдателем
members-remove = { $user }: удалить
members-invite-created = Ссылка-приглашение ({ $role }), действует { $days } дн. и один раз:
    { $link }
invite-invalid = Это приглашение недействительно: оно истекло, уже использовано или ссылка неверна. Попросите владельца проекта прислать новое.
invite-joined = ✅ Вы в проекте <b>{ $name }</b> как { $role }. Он стал активным; справка — /help.

## Deleting

delete-ask = Удалить проект <b>{ $name }</b> со всеми цифрами, командой и расписанием? Это нельзя отменить.
delete-confirm-button = 🗑 Да, удалить
forget-ask = Удалить все ваши данные? Проекты, где вы единственный владелец, будут удалены целиком, из остальных вы выйдете. Это нельзя отменить.
forget-confirm-button = 🗑 Да, удалить всё
keep-button = Нет, оставить
delete-done = Проект «{ $name }» удалён.
forget-done = Ваши данные удалены (проектов удалено: { $count }). Чтобы начать заново — /start.
kept = Хорошо, ничего не удаляю.

## File import

import-failed = Не могу загрузить «{ $name }»:
import-mapping-line = • «{ $column }» → { $metric }
import-confirm-button = ✅ Сохранить
import-cancel-button = ✖️ Отмена
import-saved = ✅ Сохранено значений: { $count }. Отменить всю загрузку можно кнопкой или /undo.
import-cancelled = Загрузка отменена, ничего не сохранено.
template-caption = Шаблон для KPI проекта: заполните недели и пришлите файл обратно.
reminder = 🔔 Скоро отчёт по проекту <b>{ $name }</b>, а цифр за неделю { $week } ещё нет. Пришлите их сообщением или нажмите кнопку.
reminder-button = ✍️ Ввести цифры

## Alert thresholds

alerts-title = <b>Пороги оповещений — { $name }</b> (падение за неделю, подтверждённое медианой 4 недель):
alerts-line = • { $metric }: внимание от −{ $warning } %, критично от −{ $critical } %
alerts-usage = Изменить: <code>/alerts охват 15 30</code> (внимание и критично, %), вернуть по умолчанию: <code>/alerts охват сброс</code>.
alerts-unknown = «{ $name }» — не KPI этого проекта.
alerts-bad-numbers = Нужны два числа: порог «внимание» меньше порога «критично», оба от 0 до 100.
alerts-set = ✅ { $metric }: внимание от −{ $warning } %, критично от −{ $critical } %.
alerts-reset = ✅ { $metric }: пороги по умолчанию.
entry-refused-bad_period = Не понял период в начале сообщения — такой даты или недели нет. Напишите, например, «17.11.2026:», «2026-W47:» или «прошлая неделя:».

## Monthly view

monthly-button = 📅 Месяц: 4 недели против 4 предыдущих
monthly-title = 📅 <b>{ $name }</b>: { $first } — { $last } против 4 недель до этого
monthly-line = • { $metric }: <b>{ $current }</b> (было { $previous }) { $change }
monthly-footnote = <i>Суммы за 4 недели; подписчики — на конец периода; ставки (ER, CPL…) пересчитаны из сумм.</i>
