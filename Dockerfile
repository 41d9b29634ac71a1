# syntax=docker/dockerfile:1

# Build: a static binary (pure Go, no cgo: the embedded store is
# modernc.org/sqlite), without local paths in it.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/scoreboard ./cmd/scoreboard \
	&& mkdir -p /out/data

# Run: no shell, no package manager, a non-root user (65532, "nonroot").
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/scoreboard /usr/local/bin/scoreboard
# The embedded store's default home; owned by the user so that it can
# create the database there. Mount a volume to keep it.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
WORKDIR /data
USER 65532:65532
ENV SCOREBOARD_ADDR=:8080 \
	DATABASE_URL=sqlite:/data/scoreboard.db
EXPOSE 8080
# distroless has no curl or wget: the binary probes its own GET /readyz.
# Orchestrators may probe GET /healthz (liveness) and /readyz over HTTP.
HEALTHCHECK --interval=10s --timeout=6s --start-period=20s --retries=3 \
	CMD ["/usr/local/bin/scoreboard", "health"]
ENTRYPOINT ["/usr/local/bin/scoreboard"]
CMD ["serve"]
