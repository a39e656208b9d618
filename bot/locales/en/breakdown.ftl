# Networks and campaigns (issue 13).
breakdown-network-vk = VK
breakdown-network-instagram = Instagram
breakdown-network-telegram = Telegram
breakdown-network-youtube = YouTube
breakdown-network-tiktok = TikTok
breakdown-network-website = Website
breakdown-network-other = Other
breakdown-campaign = campaign “{ $name }”
breakdown-entry-segment = <b>{ $segment }</b>:
breakdown-entry-total = Σ { $metric } for the whole project: <b>{ $value }</b>
breakdown-entry-total-typed = Σ { $metric } for the whole project stays <b>{ $value }</b>, as entered for the whole project (the breakdown adds up to { $parts })
breakdown-entry-total-rate = { $metric } is not added up over networks: the project's is computed from the summed counts
breakdown-import-segments = Networks and campaigns: { $segments }
import-error-network_and_campaign = Row { $row } names both a network and a campaign. A value belongs to one of them (or, with both empty, to the whole project).
import-error-segment_too_long = Row { $row }: the network or campaign name "{ $value }…" is too long (64 characters at most).
