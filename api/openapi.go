package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v5"
)

// OpenAPI is the API description, served at /api/v1/openapi.yaml and checked
// against real responses in the tests.
//
//go:embed openapi.yaml
var OpenAPI []byte

func serveOpenAPI(c *echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", OpenAPI)
}
