## Публикации из загруженных выгрузок постов (issue 13)

cmd-posts = Посты недели, лучшие сверху
import-layout-vk = статистика записей ВКонтакте, суммы по неделям публикации
import-layout-telegram = статистика постов Telegram, суммы по неделям публикации
import-layout-posts = список публикаций, суммы по неделям публикации
import-reason-post_info = сохранится у поста
posts-import-kept = 📝 { $count ->
        [one] { $count } публикация сохранится
        [few] { $count } публикации сохранятся
       *[many] { $count } публикаций сохранятся
    } и как посты: /posts покажет их, дайджест назовёт лучший и худший пост недели.
posts-import-saved = 📝 Сохранено публикаций: { $count }.
posts-kpi-interactions = взаимодействия
posts-untitled = (без текста)
posts-line = { $day } { $title } — { $kpi } <b>{ $value }</b> ({ $numbers })
posts-sorted-by = Лучшие сверху по метрике «{ $kpi }».
posts-more = …и ещё { $count }: весь список — в /export.
posts-header = 📝 Публикации <b>{ $name }</b>, неделя { $week }: { $count }
posts-none = За неделю { $week } публикаций нет. Загрузите выгрузку постов (Meta Business Suite, статистика записей ВКонтакте или постов Telegram, или таблицу «дата, пост, охват, лайки…») — и они появятся здесь.
posts-bad-week = Не понимаю неделю «{ $text }». Напишите <code>/posts 2026-W47</code> или <code>/posts 17.11.2026</code>; без недели — последняя полная.
posts-future-week = Эта неделя ещё не началась.
digest-posts-header = 📝 Публикации недели:
digest-post-best = 🏆 лучшая: { $title } — { $kpi } { $value }
digest-post-worst = 🐢 слабейшая: { $title } — { $kpi } { $value }
export-posts-caption = 📝 Публикации: { $count }.
