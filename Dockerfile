# Waybill: one image for every service, and the REPL (moleculer-repl is a runtime dependency;
# `node --import tsx bin/start.ts --repl`). Which services a pod hosts is chosen at run time with
# the SERVICES environment variable (see k8s/README.md). TypeScript runs through tsx, so there is
# no build step: the image carries the sources and the production dependencies only.

FROM node:24-slim AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# --omit=dev: tsx is a runtime dependency; typescript, @types and the `node` npm package are not
# needed (the latter would otherwise download a second Node binary at install time).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root and are read-only for the process user; the pods also mount the root
# filesystem read-only and give the process a writable /tmp (tsx keeps its cache there).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json moleculer.config.ts ./
COPY canonical ./canonical
COPY services ./services
COPY mixins ./mixins
COPY config ./config
COPY mappings ./mappings
COPY simulators ./simulators
COPY bin ./bin
# The `node` user of the base image, by number so that Kubernetes can verify runAsNonRoot.
USER 1000:1000
# 3000: gateway HTTP (PORT); 3001: /health/live and /health/ready of every process (HEALTH_PORT);
# 3030: Prometheus metrics (METRICS=true).
EXPOSE 3000 3001 3030
STOPSIGNAL SIGTERM
# Node directly, not `npm start`: npm would be PID 1 and not pass SIGTERM on reliably, and the
# process drains its streams and in-flight requests on SIGTERM.
CMD ["node", "--import", "tsx", "bin/start.ts"]
