# syntax=docker/dockerfile:1
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/seatd ./cmd/seatd && mkdir -p /out/data/outbox

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/seatd /seatd
# /data belongs to the nonroot user, so seatd can write its e-mails (and, on
# the embedded default, its database) there; a new volume starts as a copy.
COPY --from=build --chown=65532:65532 /out/data /data
ENV SEATD_ADDR=0.0.0.0:8080 SEATD_DATA=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/seatd"]
