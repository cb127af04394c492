# Receivables back office: one image for the web server (gunicorn), the Celery worker and beat.
FROM python:3.11-slim

# PYTHONPATH: the source tree in /app must win over the copy pip installs into site-packages,
# since the settings derive BASE_DIR (templates/, static/) from config/settings.py's location.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings \
    VAR_DIR=/app/var

# WeasyPrint renders the printable documents (invoices, statements, letters) with Pango, which
# it loads at run time: Pango and its FreeType backend, HarfBuzz's subsetter (fonts embedded in
# the PDFs are subset), fontconfig and a font family to lay the text out with.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, from the project metadata alone, so this layer is reused until
# pyproject.toml or constraints.txt change (no packages are found yet: only the deps install).
COPY pyproject.toml constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt . \
    && rm -rf build ./*.egg-info

# Then the source (see .dockerignore), owned by root and read-only for the app user.
COPY . .
RUN pip install --no-cache-dir --no-deps -c constraints.txt . \
    && rm -rf build ./*.egg-info

# Static files are collected at build time into $VAR_DIR/static and served by whitenoise.
# The key below exists only for this RUN step; it is never set as ENV in the image.
ARG COLLECTSTATIC_SECRET_KEY=collectstatic-build-only-not-a-real-secret
# $VAR_DIR/exports holds the files export jobs write (a volume shared by web and worker).
RUN SECRET_KEY="$COLLECTSTATIC_SECRET_KEY" DEBUG=false python manage.py collectstatic --noinput \
    && mkdir -p "$VAR_DIR/exports" \
    && chown app:app "$VAR_DIR" "$VAR_DIR/exports"

USER app

EXPOSE 8000

ENTRYPOINT ["/bin/sh", "/app/docker/entrypoint.sh"]
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
