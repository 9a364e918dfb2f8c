# Train Data as a single container: web + worker in one process, embedded Postgres on a volume
# unless DATABASE_URL points at another Postgres.

# The same Node major the project pins for its scripts (package.json devDependencies "node": "^24").
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# Postgres refuses to run as root: the app (and the embedded Postgres it starts) run as "app".
RUN groupadd --system app && useradd --system --gid app --home-dir /app app \
 && mkdir -p /data && chown app:app /data
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY views ./views
COPY public ./public
COPY migrations ./migrations
COPY tasks ./tasks
USER app
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Node itself is PID 1 so SIGTERM reaches the app, which drains jobs and stops Postgres cleanly.
# The heap limits keep a worker's memory flat while it streams large exports (see npm start).
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=192", "--import", "tsx", "src/main.ts", "start"]
