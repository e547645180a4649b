# syntax=docker/dockerfile:1
# Amparo API image. Node 22 LTS: Node 20 is past its end of life, and some dependencies (nestjs-pino 5, commander 15)
# declare Node >= 22.12. The test suite runs on Node 20.20 on the project's CI machines (engines ">=20.19");
# NODE_VERSION=20 builds the image on the tested major.
# Builder stages use the full Debian bookworm image (compilers, node headers); the runtime is bookworm-slim.
ARG NODE_VERSION=22

# ---- build: full install from the lockfile, compile TypeScript to dist/ ----
FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: compiling TypeScript needs no native module, and no install script runs.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
RUN npm run build

# ---- prod-deps: runtime dependencies only ----
FROM node:${NODE_VERSION}-bookworm AS prod-deps
WORKDIR /app
# Local headers for node-gyp instead of a download.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# --omit=optional drops the @embedded-postgres/* server binaries (~60 MB; the container uses the db service) and
# pg-cloudflare. Install scripts stay off except argon2's: its shipped prebuilds declare Node-API 10, which Node 20
# lacks (the load crashes), so its script compiles it here; on a Node with Node-API 10 it keeps the prebuild.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
    && npm rebuild argon2

# ---- runtime ----
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# MALLOC_ARENA_MAX: fewer glibc malloc arenas, so less native memory held per thread. --max-old-space-size: a
# heap limit of 1 GiB makes V8 collect at a small multiple of the live heap (~55 MiB) instead of letting garbage grow
# to ~180 MiB under load (docs/performance.md). Setting NODE_OPTIONS at run time replaces it.
ENV NODE_ENV=production \
    PORT=3000 \
    MALLOC_ARENA_MAX=2 \
    NODE_OPTIONS=--max-old-space-size=1024
WORKDIR /app
# Owned by root and not writable by the app user: the process cannot alter its own code or data.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY data ./data
# Fail the build, not the first login, if the native module does not load on this platform.
RUN node -e "require('argon2').hash('image-check').then(() => process.exit(0), () => process.exit(1))"
# The image's built-in unprivileged user (uid 1000).
USER node
EXPOSE 3000
# No curl in slim images: node asks /health itself. 200 only when the database answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "require('node:http').get({host:'127.0.0.1',port:process.env.PORT||3000,path:'/health',timeout:4000},(r)=>process.exit(r.statusCode===200?0:1)).on('timeout',()=>process.exit(1)).on('error',()=>process.exit(1))"]
# node directly (not npm start): SIGTERM reaches the app, which closes the HTTP server and the pool.
CMD ["node", "dist/apps/api/src/main.js"]
