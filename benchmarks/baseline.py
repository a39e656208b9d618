"""The straightforward digest renderer the real one is compared with: matplotlib.pyplot, a new
figure per digest with one subplot per KPI, tight_layout, savefig to PNG. (pyplot is imported
only here, inside benchmarks/.)

`install` is a process-pool initializer: it swaps it in for `render_chart` inside
`bot.services.digest`, so the baseline runs exactly the same analysis and caption code.
"""

from __future__ import annotations

import io
import math

from charts.model import DigestChart


def render_pyplot(chart: DigestChart) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(chart.panels[:6])
    rows = max(1, math.ceil(len(panels) / 2))
    fig, axes = plt.subplots(rows, 2, figsize=(10.8, 1.3 + 3.74 * rows), dpi=100,
                             squeeze=False)
    fig.suptitle(f"{chart.title}\n{chart.subtitle}", x=0.02, ha="left", fontsize=18)
    flat = list(axes.flat)
    for ax, panel in zip(flat, panels, strict=False):
        pairs = sorted(zip(panel.weeks, panel.values, strict=False))[-12:]
        labels = [f"{w.day:02d}.{w.month:02d}" for w, _ in pairs]
        values = [v if v is not None else float("nan") for _, v in pairs]
        ax.plot(labels, values, marker="o", color="#1C5FC7", linewidth=2.5)
        if panel.target is not None:
            ax.axhline(panel.target, color="#6F42C1", linestyle="--")
        ax.set_title(panel.title, loc="left", fontweight="bold")
        ax.grid(axis="y", color="#E3E6EA")
        ax.tick_params(axis="x", labelrotation=45)
        if values and not math.isnan(values[-1]):
            change = "" if panel.change_pct is None else f"  {panel.change_pct:+.1f}%"
            ax.annotate(f"{values[-1]:,.0f}{change}", xy=(0.98, 0.95),
                        xycoords="axes fraction", ha="right", va="top", fontweight="bold")
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def install() -> None:
    import bot.services.digest as digest

    digest.render_chart = render_pyplot
