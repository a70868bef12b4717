package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/seatmap/seatmap/"

// rule forbids packages (by path below the module, a trailing / for a tree)
// to import any of others, directly or not.
type rule struct {
	pkgs, forbidden []string
	why             string
}

var rules = []rule{
	{[]string{"hall"}, []string{module}, "hall is geometry: it imports nothing of seatmap"},
	{[]string{"engine"}, []string{"net/http", "database/sql", "github.com/jackc/", "github.com/redis/", "github.com/labstack/", "github.com/coder/websocket", module + "store", module + "lease", module + "seating"},
		"the engine is pure: no I/O, SQL, HTTP or WebSocket"},
	{[]string{"money", "input", "outbox"}, []string{module}, "leaves import nothing of seatmap"},
	{[]string{"payment"}, []string{module}, "payment is the provider's contract: it knows no orders or seats"},
	{[]string{"catalog", "order", "voucher", "staff", "report", "pricing"},
		[]string{module + "seating", module + "checkout", module + "api", module + "store/postgres", module + "store/sqlite", module + "store/backend", module + "engine", "net/http"},
		"domain packages know no services, adapters or HTTP"},
	{[]string{"pass"}, []string{module + "seating", module + "checkout", module + "api", module + "store/postgres", module + "store/sqlite",
		module + "store/backend", module + "engine", module + "order", module + "voucher", module + "staff", "net/http", "database/sql", "github.com/jackc/"},
		"pass holds domain rules: it imports only leaves (money, input) and the store sentinels"},
	{[]string{"gate"}, []string{module + "seating", module + "checkout", module + "api", module + "store/postgres", module + "store/sqlite",
		module + "store/backend", module + "engine", "net/http", "database/sql", "github.com/jackc/"},
		"gate decides by domain rules: it imports domain packages (pass, order) and the store sentinels, no services, adapters or HTTP"},
	{[]string{"store", "store/backend", "store/postgres", "store/sqlite"}, []string{module + "seating", module + "checkout", module + "api", module + "engine"},
		"stores persist domain types; they know no services"},
	{[]string{"lease/"}, []string{module + "store", module + "seating", module + "api"}, "leases know no store or services"},
	{[]string{"seating"}, []string{module + "checkout", module + "api", "net/http", "github.com/labstack/"}, "seating knows no checkout and no HTTP"},
	{[]string{"checkout"}, []string{module + "api", "net/http", "github.com/labstack/"}, "checkout knows no HTTP"},
	{[]string{"notify"}, []string{module + "seating", module + "checkout", module + "api", module + "engine"}, "notify sends what the outbox holds"},
	{[]string{"payment", "payment/stripe"}, []string{module + "store", module + "seating", module + "checkout", module + "api", module + "engine"},
		"a payment provider knows no orders or seats: checkout decides what a payment does"},
	{[]string{"documents"}, []string{module + "store/postgres", module + "store/sqlite", module + "store/backend", module + "seating", module + "checkout", module + "api", "net/http", "database/sql", "github.com/jackc/"},
		"documents render what they are given: no stores, services or HTTP"},
	{[]string{"realtime"}, []string{module + "store", module + "seating", module + "checkout", module + "api"}, "the hub takes shards through an interface"},
	{[]string{"cluster"}, []string{module + "store", module + "seating", module + "checkout", module + "api", module + "engine", "net/http", "database/sql", "github.com/jackc/"},
		"cluster places performances on nodes through Redis; the store's fence and the shards are its caller's, through functions"},
	{[]string{"livebus"}, []string{module + "store", module + "seating", module + "checkout", module + "api", module + "realtime", "github.com/labstack/"},
		"livebus carries shards' changes: it takes halls and snapshots through functions, and serves the hub by shape"},
}

type pkg struct {
	ImportPath string
	Deps       []string
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-json", module+"...").Output()
	require.NoError(t, err)
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	require.Greater(t, len(pkgs), 20, "go list found the packages")
	checked := 0
	for _, r := range rules {
		for _, p := range pkgs {
			rel := strings.TrimPrefix(p.ImportPath, module)
			if !matches(rel, r.pkgs) || strings.HasSuffix(rel, "test") {
				continue
			}
			checked++
			for _, dep := range p.Deps {
				for _, f := range r.forbidden {
					if dep == strings.TrimSuffix(f, "/") || strings.HasPrefix(dep, f) {
						t.Errorf("%s imports %s: %s", rel, dep, r.why)
					}
				}
			}
		}
	}
	require.GreaterOrEqual(t, checked, len(rules), "every rule met a package")
}

// matches reports whether rel is one of pkgs, or below one that ends in /.
func matches(rel string, pkgs []string) bool {
	for _, p := range pkgs {
		if rel == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(rel, p)) {
			return true
		}
	}
	return false
}
