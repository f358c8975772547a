package results

//go:generate go run ./internal/gendocs
