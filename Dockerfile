# Missed Block Monitor: `mbm watch` in a container. Two stages: the build stage bundles the CLI and
# packs the npm tarball; the runtime stage installs that tarball the way `npm install -g` does for a
# user, and runs as a non-root user with the config and the logs on volumes.
#   docker build -t missed-block-monitor .
#   docker run -v ./mbm.toml:/config/mbm.toml:ro -v mbm-logs:/logs missed-block-monitor watch --rpc ws://node:8546 …
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && mkdir /pkg && npm pack --pack-destination /pkg

FROM node:22-bookworm-slim
RUN groupadd --system mbm && useradd --system --gid mbm --home-dir /var/lib/mbm --create-home mbm \
 && mkdir -p /config /logs && chown mbm:mbm /logs
COPY --from=build /pkg/ /tmp/pkg/
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/pkg/missed-block-monitor-*.tgz \
 && rm -rf /tmp/pkg /root/.npm \
 && mbm --version
USER mbm
WORKDIR /var/lib/mbm
VOLUME ["/config", "/logs"]
EXPOSE 9400
# The HTTP API's /health: 200 while the node is followed, 503 when it is not.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9400/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["mbm"]
# Inside a container the API listens on all interfaces of the container's own network; publish the
# port to 127.0.0.1 on the host (compose.yaml does), and set MBM_API_TOKEN if others can reach it.
CMD ["watch", "--config", "/config/mbm.toml", "--log", "/logs/missed_blocks.jsonl", "--listen", "0.0.0.0:9400"]
