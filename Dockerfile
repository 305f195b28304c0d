# B12 CDS Hooks service: production image.
#
#   docker build -t b12-cds-hooks:0.1.0 .
#   docker run --rm -p 3000:3000 \
#     -e CDS_PUBLIC_URL=https://cds.example.org \
#     -e CDS_TRUSTED_CLIENTS=/run/b12-cds/trusted-clients.json \
#     -v "$PWD/trusted-clients.json:/run/b12-cds/trusted-clients.json:ro" \
#     b12-cds-hooks:0.1.0
#
# NODE_ENV=production makes CDS_AUTH default to required, FHIR_ALLOW_HTTP to false and DEMO_PAGE to
# off (src/config.ts). Every variable is described in docs/configuration.md; the Kubernetes
# manifests are in deploy/ (docs/integration.md). test/deploy/manifests.test.ts checks this file.

# ---- build: install from the lockfile, compile better-sqlite3, then drop the dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles its native addon with node-gyp when no prebuilt binary is reachable.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
# tsx (which runs the TypeScript sources) is a production dependency, so it survives the prune.
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production node_modules and the sources the service reads, as a non-root user ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    FEEDBACK_DB_PATH=/app/data/feedback.sqlite
WORKDIR /app
# A numeric UID, so Kubernetes can verify runAsNonRoot. The code stays root-owned (read-only to the
# service); only the data directory of the SQLite fallback store is writable.
RUN groupadd --system --gid 10001 b12cds \
  && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
     --shell /usr/sbin/nologin b12cds \
  && mkdir -p /app/data \
  && chown 10001:10001 /app/data \
  && chmod 0750 /app/data
COPY --from=build /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY cds-services ./cds-services
COPY demo ./demo
COPY fixtures ./fixtures
COPY config ./config
USER 10001:10001
EXPOSE 3000
# slim has no curl: node's own fetch asks /healthz (no authentication, no patient data).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
# The server stops accepting on SIGTERM, finishes in-flight calls (10 s grace) and exits.
STOPSIGNAL SIGTERM
# node directly (not npm), so SIGTERM reaches the service.
CMD ["node", "--import", "tsx", "src/server.ts"]
