# syntax=docker/dockerfile:1
# Amparo API image. Node 20: the major the project is tested on (.ci/run, engines ">=20.19").
# Debian bookworm slim (glibc): argon2 loads its shipped linux x64/arm64 glibc prebuild, nothing compiles.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full install from the lockfile, compile TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: compiling needs no native module, and no package's install script runs in the build.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
RUN npm run build

# ---- prod-deps: runtime dependencies only ----
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional drops the @embedded-postgres/* server binaries (~60 MB; the container uses the db service) and
# pg-cloudflare. argon2 needs no install script: node-gyp-build picks the prebuild at load time.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
# Owned by root and not writable by the app user: the process cannot alter its own code or data.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY data ./data
# The image's built-in unprivileged user (uid 1000).
USER node
EXPOSE 3000
# No curl in slim images: node asks /health itself. 200 only when the database answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "require('node:http').get({host:'127.0.0.1',port:process.env.PORT||3000,path:'/health',timeout:4000},(r)=>process.exit(r.statusCode===200?0:1)).on('timeout',()=>process.exit(1)).on('error',()=>process.exit(1))"]
# node directly (not npm start): SIGTERM reaches the app, which closes the HTTP server and the pool.
CMD ["node", "dist/apps/api/src/main.js"]
