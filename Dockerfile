# syntax=docker/dockerfile:1
# Build stage: compile TypeScript and build better-sqlite3's native addon.
FROM node:20-bookworm-slim AS build
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
RUN npm run build && npm prune --omit=dev

# Runtime stage: compiled code and production dependencies only, as a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    SCANNER_API_SERVER_ADDR=:8080 \
    SCANNER_DATA_DIR=/var/lib/harbor-scanner-models
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
RUN mkdir -p /var/lib/harbor-scanner-models && chown node:node /var/lib/harbor-scanner-models
USER node
EXPOSE 8080
VOLUME ["/var/lib/harbor-scanner-models"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/server/health/healthcheck.js"]
ENTRYPOINT ["node", "dist/server/main.js"]
