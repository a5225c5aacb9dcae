# syntax=docker/dockerfile:1
# Node.js 24 LTS on Debian 12. Pin the base by digest for reproducible builds: resolve the tag with
# `docker buildx imagetools inspect node:24-bookworm-slim` and build with
# `--build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest>`; release pipelines pass the digest they
# resolved, so the Dockerfile names the line it follows rather than a digest that goes stale.
ARG NODE_IMAGE=node:24-bookworm-slim

# Build stage: compile TypeScript and build better-sqlite3's native addon.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY analyzers ./analyzers
COPY server ./server
COPY spec ./spec
COPY cli ./cli
# Production dependencies only; the addon's sources, object files and test extension stay behind.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
      node_modules/better-sqlite3/build/Release/obj node_modules/better-sqlite3/build/Release/obj.target \
      node_modules/better-sqlite3/build/Release/test_extension.node node_modules/better-sqlite3/build/Release/*.a \
 && find node_modules -name '*.map' -delete

# Runtime stage: compiled code and production dependencies, as the non-root `node` user.
FROM ${NODE_IMAGE}
# Re-declared: an ARG before the first FROM is visible to FROM lines only, and the base.name label was empty.
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="harbor-scanner-models" \
      org.opencontainers.image.description="Harbor pluggable scanner adapter and CLI for AI model artifacts: pickle code risk, format integrity, licences" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production \
    SCANNER_API_SERVER_ADDR=:8080 \
    SCANNER_DATA_DIR=/var/lib/harbor-scanner-models
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY docs/rules.md ./docs/rules.md
RUN mkdir -p /var/lib/harbor-scanner-models && chown node:node /var/lib/harbor-scanner-models
USER node
EXPOSE 8080
VOLUME ["/var/lib/harbor-scanner-models"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/server/health/healthcheck.js"]
# No arguments: the scanner service. `scan …`, `backfill …`, `--help`, `--version`: the CLI
# (docker run --rm -v "$PWD:/models" IMAGE scan /models).
ENTRYPOINT ["/app/bin/docker-entrypoint.sh"]
