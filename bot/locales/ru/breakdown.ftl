# Сети и кампании (issue 13).
breakdown-network-vk = ВК
breakdown-network-instagram = Instagram
breakdown-network-telegram = Telegram
breakdown-network-youtube = YouTube
breakdown-network-tiktok = TikTok
breakdown-network-website = Сайт
breakdown-network-other = Другое
breakdown-campaign = кампания «{ $name }»
breakdown-entry-segment = <b>{ $segment }</b>:
breakdown-entry-total = Σ { $metric } по проекту: <b>{ $value }</b>
breakdown-entry-total-typed = Σ { $metric } по проекту остаётся <b>{ $value }</b>, как введено для всего проекта (по разбивке выходит { $parts })
breakdown-entry-total-rate = { $metric } по сетям не складывается: для проекта считается из суммы счётчиков
breakdown-import-segments = Сети и кампании: { $segments }
import-error-network_and_campaign = В строке { $row } указаны и сеть, и кампания. Значение относится к чему-то одному (или, если оба пусты, ко всему проекту).
import-error-segment_too_long = Строка { $row }: название сети или кампании «{ $value }…» слишком длинное (не больше 64 символов).
