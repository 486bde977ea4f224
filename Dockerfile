# syntax=docker/dockerfile:1

# Build a static binary with the module and build caches kept between
# builds, with the Go release named by go.mod's toolchain line (the one
# govulncheck in CI passes).
FROM golang:1.27.3 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/mentorbot ./cmd/mentorbot

# Distroless: CA certificates and tzdata for time zones (the programme's
# time_zone), no shell, a non-root user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mentorbot /mentorbot
USER nonroot:nonroot
ENV LISTEN_ADDR=:8080
EXPOSE 8080
# No shell or curl in the image: the binary probes its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/mentorbot", "-healthcheck"]
ENTRYPOINT ["/mentorbot"]
