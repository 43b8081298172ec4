# Hotline Assist server image (docs/cluster.md). Build: docker build -t hotline-assist .
# Stage 1 installs every dependency and builds the agent desktop; stage 2 keeps production
# dependencies and the built assets only, and runs as an unprivileged user.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
# UV_THREADPOOL_SIZE: the archive's durable writes (O_SYNC/O_DSYNC, folder fsyncs) each hold a
# libuv thread for a disk flush; with the default 4, a few hundred calls queue their speech_end
# behind them (docs/benchmarks.md, full). It must be set before Node starts, not from code.
ENV NODE_ENV=production \
    UV_THREADPOOL_SIZE=16 \
    HOTLINE_HOST=0.0.0.0 \
    HOTLINE_PORT=8080 \
    HOTLINE_DATA_DIR=/var/lib/hotline
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /var/lib/hotline && chown node:node /var/lib/hotline
USER node
EXPOSE 8080
VOLUME ["/var/lib/hotline"]
# /readyz turns 503 while the node drains (SIGTERM) or its storage fails.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.HOTLINE_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# The drain (calls told `resume_elsewhere`, finals flushed) needs the shutdown timeout plus a margin.
STOPSIGNAL SIGTERM
CMD ["node", "bin/hotline-assist.js", "serve"]
