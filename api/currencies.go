package api

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/money"
)

// currencyJSON is a currency and the decimals of its amounts.
type currencyJSON struct {
	Code     string `json:"code"`
	Decimals int    `json:"decimals"`
}

// currencyList is every currency the server knows, with its decimals: the
// answer of /currencies and part of every page's boot data.
var currencyList = sync.OnceValue(func() []currencyJSON {
	list := money.Currencies()
	out := make([]currencyJSON, len(list))
	for i, c := range list {
		out[i] = currencyJSON(c)
	}
	return out
})

// currenciesJSON is the answer of /currencies, the same for every request.
var currenciesJSON = sync.OnceValue(func() []byte {
	out := struct {
		Items []currencyJSON `json:"items"`
		Next  *string        `json:"next"`
	}{Items: currencyList()}
	b, err := json.Marshal(out)
	if err != nil {
		panic(err) // a slice of two plain fields always encodes
	}
	return b
})

// listCurrencies tells clients how many decimals each currency's amounts have:
// minor units are what every amount counts, and the browser app formats and
// parses them by this list rather than by its own data, which differs for a
// few currencies.
func listCurrencies(c *echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=3600")
	return c.JSONBlob(http.StatusOK, currenciesJSON())
}
