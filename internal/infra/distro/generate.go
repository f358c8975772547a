package distro

//go:generate go run ./internal/gen/gendistro
