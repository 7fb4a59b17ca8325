# One image for the API, the worker and the migrations (docker-compose.yml builds it once and
# runs each role with its own command). The build stage compiles with every dependency; the
# runtime stage has the production dependencies and dist/ only: no tsx, no test tools.
#
# Node 24 is an LTS line (maintained to April 2028; Node 20 reached its end in April 2026),
# and 24.21.0 its newest release when pinned. A full version, not `24` or `lts`: the image
# changes only when this line does. bookworm-slim: glibc, which the Temporal SDK's native
# core (and its prebuilt binaries) expects.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# tsc to dist/, the migrations and static files beside it, the workflow bundle prebuilt.
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# Owned by root and read-only to the app's user: the running process cannot change its code.
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 9465
# Exec form, node itself: SIGTERM from `docker stop` reaches the process that drains the
# worker (compose adds `init: true` to reap children and forward signals).
CMD ["node", "dist/scripts/api.js"]
