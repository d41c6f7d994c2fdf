# gatherbot in a container: `docker build -t gatherbot .`, then
#   docker run -d --name gatherbot -v gatherbot-data:/data \
#     -v "$PWD/config.toml:/config/config.toml:ro" -e GATHERBOT_TELEGRAM_TOKEN=... gatherbot
# The config's database_url should point into the volume: "sqlite+aiosqlite:////data/gatherbot.db"
# (or at PostgreSQL), and it needs [web] or [health] for the HEALTHCHECK. See docs/deploy.md.
#
# tests/e2e/test_dockerfile.py runs this file's install and run steps in a clean virtualenv:
# keep each step a single RUN / CMD line it can read.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
COPY migrations ./migrations
# The same install as the README's, into a virtualenv that the final stage copies whole.
RUN python -m venv /opt/gatherbot && /opt/gatherbot/bin/pip install --no-cache-dir .

FROM python:3.11-slim
COPY --from=build /opt/gatherbot /opt/gatherbot
RUN useradd --system --home-dir /data --shell /usr/sbin/nologin gatherbot && install -d -o gatherbot -g gatherbot /data
ENV PATH=/opt/gatherbot/bin:$PATH PYTHONUNBUFFERED=1
USER gatherbot
WORKDIR /data
# The SQLite database (and nothing else) lives here.
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 CMD ["gatherbot", "health", "--config", "/config/config.toml"]
CMD ["gatherbot", "run", "--config", "/config/config.toml"]
