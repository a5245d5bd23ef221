# Service Coach: `coachbot serve` in a small, non-root image.
# Build: docker build -t coachbot .    Run: docker compose up (see compose.yaml)
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY playbooks ./playbooks
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    COACHBOT_DATA_DIR=/var/lib/coachbot
RUN useradd --system --uid 10001 --home-dir /var/lib/coachbot --create-home coachbot
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER coachbot
WORKDIR /var/lib/coachbot
EXPOSE 3000
# Liveness only: readiness (/readyz) checks the database and Redis for the load balancer.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2).status == 200 else 1)"
ENTRYPOINT ["coachbot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
