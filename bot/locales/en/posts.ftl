## Posts from uploaded post lists (issue 13)

cmd-posts = A week's posts, best first
import-layout-vk = VK post statistics, summed by publication week
import-layout-telegram = Telegram post statistics, summed by publication week
import-layout-posts = a list of posts, summed by publication week
import-reason-post_info = kept with the post
posts-import-kept = 📝 { $count ->
        [one] { $count } post is
       *[other] { $count } posts are
    } kept as posts too: /posts lists them, the digest names the week's best and worst.
posts-import-saved = 📝 Posts kept: { $count }.
posts-kpi-interactions = interactions
posts-untitled = (no text)
posts-line = { $day } { $title } — { $kpi } <b>{ $value }</b> ({ $numbers })
posts-sorted-by = Best first by { $kpi }.
posts-more = …and { $count } more: the whole list is in /export.
posts-header = 📝 Posts of <b>{ $name }</b>, week { $week }: { $count }
posts-none = No posts for the week { $week }. Upload a post list (Meta Business Suite, VK or Telegram post statistics, or a table with date, post, reach, likes…) and they appear here.
posts-bad-week = I don't understand the week "{ $text }". Write <code>/posts 2026-W47</code> or <code>/posts 17.11.2026</code>; without a week: the last complete one.
posts-future-week = That week has not started yet.
digest-posts-header = 📝 Posts of the week:
digest-post-best = 🏆 best: { $title } — { $kpi } { $value }
digest-post-worst = 🐢 weakest: { $title } — { $kpi } { $value }
export-posts-caption = 📝 Posts: { $count }.
