package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

const (
	productColumns = `id, kind, name, price, currency, channels, on_sale, validity, rules, version, created_by, created_at, updated_at`
	insertProduct  = `INSERT INTO products (` + productColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $11)
RETURNING ` + productColumns
	selectProduct = `SELECT ` + productColumns + ` FROM products WHERE id = $1`
	// updateProduct changes a product only at the version the change was
	// made on.
	updateProduct = `UPDATE products SET name = $3, price = $4, currency = $5, channels = $6, on_sale = $7, validity = $8,
rules = $9, version = version + 1, updated_at = $10
WHERE id = $1 AND version = $2 RETURNING ` + productColumns
	productExists = `SELECT EXISTS (SELECT 1 FROM products WHERE id = $1)`
	listProducts  = `SELECT ` + productColumns + ` FROM products
WHERE ($1 IS NULL OR on_sale = $1) AND ($2 = '' OR EXISTS (SELECT 1 FROM json_each(channels) WHERE value = $2))
  AND ($3 = '' OR kind = $3) AND (created_at, id) > ($4, $5)
ORDER BY created_at, id LIMIT $6`

	selectFacility = `SELECT settings, version, updated_at FROM facility`
	insertFacility = `INSERT INTO facility (singleton, settings, version, updated_at) VALUES (1, $1, 1, $2)
ON CONFLICT DO NOTHING RETURNING version`
	updateFacility = `UPDATE facility SET settings = $1, version = version + 1, updated_at = $3 WHERE version = $2 RETURNING version`
)

func scanProduct(r scanner) (pass.Product, error) {
	var p pass.Product
	var channels, validity, rules string
	var created, updated int64
	err := r.Scan(&p.ID, &p.Kind, &p.Name, &p.Price, &p.Currency, &channels, &p.OnSale, &validity, &rules, &p.Version,
		&p.CreatedBy, &created, &updated)
	if err != nil {
		return pass.Product{}, err
	}
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	if err := json.Unmarshal([]byte(channels), &p.Channels); err != nil {
		return pass.Product{}, fmt.Errorf("channels of product %s: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(validity), &p.Validity); err != nil {
		return pass.Product{}, fmt.Errorf("validity of product %s: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(rules), &p.Rules); err != nil {
		return pass.Product{}, fmt.Errorf("rules of product %s: %w", p.ID, err)
	}
	if p.Channels == nil {
		p.Channels = []string{}
	}
	return p, nil
}

// productJSON gives the JSON columns of a product.
func productJSON(p pass.Product) (channels, validity, rules string, err error) {
	ch := p.Channels
	if ch == nil {
		ch = []string{}
	}
	c, err := json.Marshal(ch)
	if err != nil {
		return "", "", "", err
	}
	v, err := json.Marshal(p.Validity)
	if err != nil {
		return "", "", "", err
	}
	r, err := json.Marshal(p.Rules)
	if err != nil {
		return "", "", "", err
	}
	return string(c), string(v), string(r), nil
}

// CreateProduct stores a new product at version 1.
func (s *Store) CreateProduct(ctx context.Context, p pass.Product) (pass.Product, error) {
	channels, validity, rules, err := productJSON(p)
	if err != nil {
		return pass.Product{}, fmt.Errorf("create product %s: %w", p.ID, err)
	}
	var out pass.Product
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scanProduct(tx.QueryRowContext(ctx, insertProduct, p.ID, p.Kind, p.Name, p.Price, p.Currency, channels, p.OnSale,
			validity, rules, p.CreatedBy, micros(s.now())))
		return err
	})
	if isUnique(err) {
		return pass.Product{}, fmt.Errorf("create product %s: %w", p.ID, store.ErrDuplicate)
	}
	if err != nil {
		return pass.Product{}, fmt.Errorf("create product %s: %w", p.ID, err)
	}
	return out, nil
}

// UpdateProduct replaces a product's fields if it is at p.Version.
func (s *Store) UpdateProduct(ctx context.Context, p pass.Product) (pass.Product, error) {
	channels, validity, rules, err := productJSON(p)
	if err != nil {
		return pass.Product{}, fmt.Errorf("update product %s: %w", p.ID, err)
	}
	var out pass.Product
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scanProduct(tx.QueryRowContext(ctx, updateProduct, p.ID, p.Version, p.Name, p.Price, p.Currency, channels, p.OnSale,
			validity, rules, micros(s.now())))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, productExists, p.ID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return store.ErrNotFound
		}
		return fmt.Errorf("at version %d: %w", p.Version, store.ErrConflict)
	})
	if err != nil {
		return pass.Product{}, fmt.Errorf("update product %s: %w", p.ID, err)
	}
	return out, nil
}

// GetProduct returns a product.
func (s *Store) GetProduct(ctx context.Context, id string) (pass.Product, error) {
	p, err := scanProduct(s.r.QueryRowContext(ctx, selectProduct, id))
	if errors.Is(err, sql.ErrNoRows) {
		return pass.Product{}, fmt.Errorf("product %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return pass.Product{}, fmt.Errorf("product %s: %w", id, err)
	}
	return p, nil
}

// ListProducts lists products in the order they were made.
func (s *Store) ListProducts(ctx context.Context, f pass.Filter) ([]pass.Product, error) {
	var onSale any
	if f.OnSale != nil {
		onSale = *f.OnSale
	}
	var after int64
	if !f.AfterTime.IsZero() {
		after = micros(f.AfterTime)
	}
	rows, err := s.r.QueryContext(ctx, listProducts, onSale, f.Channel, f.Kind, after, f.AfterID, store.ClampLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	defer rows.Close()
	var out []pass.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("list products: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return out, nil
}

// GetFacility returns the facility's settings, or the zero settings.
func (s *Store) GetFacility(ctx context.Context) (pass.Facility, error) {
	var settings string
	var version int
	var at int64
	err := s.r.QueryRowContext(ctx, selectFacility).Scan(&settings, &version, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return pass.Facility{}, nil
	}
	if err != nil {
		return pass.Facility{}, fmt.Errorf("facility settings: %w", err)
	}
	var f pass.Facility
	if err := json.Unmarshal([]byte(settings), &f); err != nil {
		return pass.Facility{}, fmt.Errorf("facility settings: %w", err)
	}
	f.Version, f.UpdatedAt = version, fromMicros(at)
	return f, nil
}

// PutFacility stores the settings if the stored ones are at f.Version.
func (s *Store) PutFacility(ctx context.Context, f pass.Facility) (pass.Facility, error) {
	settings, err := json.Marshal(f)
	if err != nil {
		return pass.Facility{}, fmt.Errorf("store facility settings: %w", err)
	}
	at := s.now()
	var version int
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if f.Version == 0 {
			return tx.QueryRowContext(ctx, insertFacility, string(settings), micros(at)).Scan(&version)
		}
		return tx.QueryRowContext(ctx, updateFacility, string(settings), f.Version, micros(at)).Scan(&version)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return pass.Facility{}, fmt.Errorf("store facility settings at version %d: %w", f.Version, store.ErrConflict)
	}
	if err != nil {
		return pass.Facility{}, fmt.Errorf("store facility settings: %w", err)
	}
	f.Version, f.UpdatedAt = version, at
	return f, nil
}
