# One image for every Parley service (Node 24 LTS); each Deployment starts its own entry point,
# e.g. `node -r ./tools/register.cjs apps/tenant/src/main.ts` (see helm/parley).
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY apps/ apps/
COPY libs/ libs/
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng sox tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY package.json tsconfig.base.json tsconfig.json ./
COPY tools/register.cjs tools/register.cjs
COPY tools/types tools/types
COPY apps/ apps/
COPY libs/ libs/
USER 1000
ENV NODE_ENV=production
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "-r", "./tools/register.cjs", "apps/tenant/src/main.ts"]
