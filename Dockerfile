# syntax=docker/dockerfile:1
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/seatd ./cmd/seatd

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/seatd /seatd
ENV SEATD_ADDR=0.0.0.0:8080 SEATD_DATA=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/seatd"]
