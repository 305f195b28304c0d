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
# off (src/main/config.ts). Every variable is described in docs/configuration.md; the Kubernetes
# manifests are in deploy/ (docs/integration.md). test/deploy/manifests.test.ts checks this file.

# ---- build: install from the lockfile, build the release, then drop the dev dependencies ----
# No native addon is built (the SQLite store is Node's own node:sqlite): no compilers are installed.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY scripts ./scripts
COPY src ./src
COPY cds-services ./cds-services
COPY demo ./demo
COPY fixtures ./fixtures
RUN npm run build
# The image has its own Node 24: the pinned Node binary (an optional dependency) is dropped too.
RUN npm prune --omit=dev --omit=optional --no-audit --no-fund

# ---- runtime: built JavaScript, production node_modules and data files, as a non-root user ----
FROM node:24-bookworm-slim AS runtime
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
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
USER 10001:10001
EXPOSE 3000
# slim has no curl: node's own fetch asks /healthz (no authentication, no patient data).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
# The server stops accepting on SIGTERM, finishes in-flight calls (10 s grace) and exits.
STOPSIGNAL SIGTERM
# node directly (not npm), so SIGTERM reaches the service; plain JavaScript, no compiler at run time.
CMD ["node", "dist/src/main/server.js"]
