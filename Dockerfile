# Production image: gunicorn serves the web app and admin; run the same image with
# `python manage.py qcluster` for the worker, and `python manage.py migrate` once per release.
# Not built in this project's CI (no Docker engine there): keep it simple.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 app

COPY pyproject.toml README.md ./
COPY settings ./settings
COPY testimonials ./testimonials
COPY webhooks ./webhooks
COPY manage.py gunicorn.conf.py ./
RUN pip install .

ENV DJANGO_DEBUG=false \
    DATA_DIR=/data \
    STATIC_ROOT=/app/staticfiles

# collectstatic needs settings that start; these build-time values are never used at run time.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-0123456789-abcdefghijklmnopqrstuvwxyz \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    WEBHOOKS_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --noinput \
 && mkdir -p /data \
 && chown -R app:app /data

USER app
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"

CMD ["gunicorn", "settings.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
