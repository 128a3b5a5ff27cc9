# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# Runtime stage: production dependencies only. The embedded PostgreSQL binaries are optional
# dependencies and are left out, because the compose file supplies a PostgreSQL service.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# Inside a container the default 127.0.0.1 would be unreachable through a published port.
ENV HOST=0.0.0.0
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund
COPY --from=build /app/dist ./dist
EXPOSE 4242
CMD ["node", "dist/src/main.js"]
