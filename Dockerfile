# zhibu production image, two stages on the current Node LTS (24):
# 1. build: every dependency, TypeScript compiled to dist/ (src, config, scripts);
# 2. run: runtime dependencies only, dist/ only, as the unprivileged user `node`.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY config ./config
COPY src ./src
COPY scripts ./scripts
RUN npm run build

FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
# Dependencies first, so the layer is reused while only the source changes. No package needs an
# install script.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist

USER node
EXPOSE 3000
# /healthz answers 200 while the database is reachable, 503 otherwise.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# Plain node, not `npm start`: npm does not pass SIGTERM on reliably, so `docker stop` would kill
# the bot instead of letting it finish the work in hand and close the database (graceful stop).
# The ledger export in the image: docker compose exec bot node dist/scripts/export.js …
CMD ["node", "dist/src/main.js"]
