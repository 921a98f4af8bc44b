# zhibu production image: node 20, runtime dependencies only, run with tsx (a runtime dependency).
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so the layer is reused while only the source changes.
# npm 10 (node 20) runs install scripts; esbuild's only checks its platform binary.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY config ./config
COPY src ./src

# Run as the image's unprivileged user.
USER node

EXPOSE 3000
# /healthz answers 200 while the database is reachable, 503 otherwise.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# tsx (a runtime dependency) runs the TypeScript source. Started as one node process, not through
# `npx tsx` or `npm start`: npx does not pass SIGTERM on, so `docker stop` would kill the bot
# instead of letting it finish the work in hand and close the database (graceful stop).
CMD ["node", "--import", "tsx", "src/main.ts"]
