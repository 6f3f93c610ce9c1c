# The production image: gunicorn serves the web app, the admin and the API; run the same
# image with `python manage.py qcluster` for the workers, and `python manage.py migrate`
# once per release. Built and smoke-tested in CI (`make image-test`, README "Deployment").
#
# Debian's Python 3.11 in a virtualenv, on debian:bookworm-slim. Behind a TLS-inspecting
# proxy, give pip the proxy's CA for the build without baking it in, with docker or podman:
#   docker build --secret id=pip-ca,src=/etc/ssl/certs/ca-certificates.crt .
# (PIP_INDEX_URL, a build argument, picks a mirror.)

FROM debian:bookworm-slim AS build
ARG PIP_CERT=""
ARG PIP_INDEX_URL=""
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY settings ./settings
COPY testimonials ./testimonials
COPY testimonial_events ./testimonial_events
COPY webhooks ./webhooks
COPY http_api ./http_api
COPY runtime ./runtime
# A CA given as the build secret "pip-ca" (docker and podman: --secret id=pip-ca,src=…)
# or mounted and named by PIP_CERT is read by pip during this step only.
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then PIP_CERT=/run/secrets/pip-ca; fi; \
    PIP_CERT="${PIP_CERT}" PIP_INDEX_URL="${PIP_INDEX_URL:-https://pypi.org/simple}" \
    /opt/venv/bin/pip install . \
 && /opt/venv/bin/pip uninstall -y -q setuptools pip \
 && find /opt/venv -name '__pycache__' -prune -exec rm -rf {} + \
 && find /opt/venv -name '*.po' -delete
COPY manage.py gunicorn.conf.py ./
# collectstatic needs settings that start: throwaway values, made here and never kept.
RUN DJANGO_DEBUG=false DATA_DIR=/tmp/build-data STATIC_ROOT=/opt/static \
    DJANGO_SECRET_KEY="$(/opt/venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    WEBHOOKS_ENCRYPTION_KEYS="$(/opt/venv/bin/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    /opt/venv/bin/python manage.py collectstatic --noinput -v0 \
 && rm -rf /tmp/build-data

FROM debian:bookworm-slim
# apt's indexes and the downloaded packages go in the same layer (95 MB otherwise).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 ca-certificates \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* \
 && useradd --create-home --uid 10001 app \
 && mkdir -p /data \
 && chown app:app /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/static /app/staticfiles
COPY manage.py gunicorn.conf.py /app/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_DEBUG=false \
    DATA_DIR=/data \
    STATIC_ROOT=/app/staticfiles
WORKDIR /app
USER app
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

# gunicorn handles SIGTERM itself as PID 1 (so does qcluster): `docker stop` is quick.
# Two worker processes (gunicorn.conf.py); WEB_CONCURRENCY=N for N.
CMD ["gunicorn", "settings.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
