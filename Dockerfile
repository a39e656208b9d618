FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MPLCONFIGDIR=/home/bot/.cache/matplotlib \
    DATABASE_URL=sqlite:////data/smm-kpi-bot.db

RUN useradd --create-home --uid 10001 bot && mkdir -p /data && chown bot:bot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY charts ./charts
COPY kpi ./kpi
COPY webapp ./webapp
RUN pip install .
# Fail the build, not the first chat, if the installed package lacks its messages.
RUN cd / && python -c "from bot.i18n import check_catalogues; check_catalogues()"

USER bot
# Build matplotlib's font cache now, not on the first digest.
RUN python -c "from matplotlib import font_manager; font_manager.findfont('DejaVu Sans')"

VOLUME ["/data"]
STOPSIGNAL SIGTERM
CMD ["smm-kpi-bot", "run"]
