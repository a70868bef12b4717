package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/seatmap/seatmap/pass"
	"github.com/seatmap/seatmap/store"
)

const (
	productColumns = `id, kind, name, price, currency, channels, on_sale, validity, rules, version, created_by, created_at, updated_at`
	insertProduct  = `INSERT INTO products (` + productColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11, $11)`
	selectProduct  = `SELECT ` + productColumns + ` FROM products WHERE id = $1`
	// updateProduct changes a product only at the version the change was
	// made on.
	updateProduct = `UPDATE products SET name = $3, price = $4, currency = $5, channels = $6, on_sale = $7, validity = $8,
rules = $9, version = version + 1, updated_at = $10
WHERE id = $1 AND version = $2 RETURNING ` + productColumns
	productExists = `SELECT EXISTS (SELECT 1 FROM products WHERE id = $1)`
	listProducts  = `SELECT ` + productColumns + ` FROM products
WHERE ($1::boolean IS NULL OR on_sale = $1) AND ($2 = '' OR $2 = ANY (channels)) AND ($3 = '' OR kind = $3)
  AND (created_at, id) > ($4, $5)
ORDER BY created_at, id LIMIT $6`

	selectFacility = `SELECT settings, version, updated_at FROM facility`
	insertFacility = `INSERT INTO facility (singleton, settings, version, updated_at) VALUES (true, $1, 1, $2)
ON CONFLICT DO NOTHING RETURNING version`
	updateFacility = `UPDATE facility SET settings = $1, version = version + 1, updated_at = $3 WHERE version = $2 RETURNING version`
)

func scanProduct(r pgx.Row) (pass.Product, error) {
	var p pass.Product
	var validity, rules []byte
	err := r.Scan(&p.ID, &p.Kind, &p.Name, &p.Price, &p.Currency, &p.Channels, &p.OnSale, &validity, &rules, &p.Version,
		&p.CreatedBy, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return pass.Product{}, err
	}
	utc(&p.CreatedAt)
	utc(&p.UpdatedAt)
	if err := json.Unmarshal(validity, &p.Validity); err != nil {
		return pass.Product{}, fmt.Errorf("validity of product %s: %w", p.ID, err)
	}
	if err := json.Unmarshal(rules, &p.Rules); err != nil {
		return pass.Product{}, fmt.Errorf("rules of product %s: %w", p.ID, err)
	}
	if p.Channels == nil {
		p.Channels = []string{}
	}
	return p, nil
}

func productJSON(p pass.Product) (validity, rules string, err error) {
	v, err := json.Marshal(p.Validity)
	if err != nil {
		return "", "", err
	}
	r, err := json.Marshal(p.Rules)
	if err != nil {
		return "", "", err
	}
	return string(v), string(r), nil
}

func channelsOf(p pass.Product) []string {
	if p.Channels == nil {
		return []string{}
	}
	return p.Channels
}

// CreateProduct stores a new product at version 1.
func (s *Store) CreateProduct(ctx context.Context, p pass.Product) (pass.Product, error) {
	validity, rules, err := productJSON(p)
	if err != nil {
		return pass.Product{}, fmt.Errorf("create product %s: %w", p.ID, err)
	}
	out, err := scanProduct(s.pool.QueryRow(ctx, insertProduct+` RETURNING `+productColumns, p.ID, p.Kind, p.Name, p.Price, p.Currency,
		channelsOf(p), p.OnSale, validity, rules, p.CreatedBy, s.now()))
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
	validity, rules, err := productJSON(p)
	if err != nil {
		return pass.Product{}, fmt.Errorf("update product %s: %w", p.ID, err)
	}
	out, err := scanProduct(s.pool.QueryRow(ctx, updateProduct, p.ID, p.Version, p.Name, p.Price, p.Currency, channelsOf(p), p.OnSale,
		validity, rules, s.now()))
	if errors.Is(err, pgx.ErrNoRows) {
		var exists bool
		if err := s.pool.QueryRow(ctx, productExists, p.ID).Scan(&exists); err != nil {
			return pass.Product{}, fmt.Errorf("update product %s: %w", p.ID, err)
		}
		if !exists {
			return pass.Product{}, fmt.Errorf("update product %s: %w", p.ID, store.ErrNotFound)
		}
		return pass.Product{}, fmt.Errorf("update product %s at version %d: %w", p.ID, p.Version, store.ErrConflict)
	}
	if err != nil {
		return pass.Product{}, fmt.Errorf("update product %s: %w", p.ID, err)
	}
	return out, nil
}

// GetProduct returns a product.
func (s *Store) GetProduct(ctx context.Context, id string) (pass.Product, error) {
	p, err := scanProduct(s.pool.QueryRow(ctx, selectProduct, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return pass.Product{}, fmt.Errorf("product %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return pass.Product{}, fmt.Errorf("product %s: %w", id, err)
	}
	return p, nil
}

// ListProducts lists products in the order they were made.
func (s *Store) ListProducts(ctx context.Context, f pass.Filter) ([]pass.Product, error) {
	limit := store.ClampLimit(f.Limit)
	rows, err := s.pool.Query(ctx, listProducts, f.OnSale, f.Channel, f.Kind, f.AfterTime, f.AfterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pass.Product, error) { return scanProduct(r) })
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return out, nil
}

// GetFacility returns the facility's settings, or the zero settings.
func (s *Store) GetFacility(ctx context.Context) (pass.Facility, error) {
	var f pass.Facility
	var settings []byte
	err := s.pool.QueryRow(ctx, selectFacility).Scan(&settings, &f.Version, &f.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return pass.Facility{}, nil
	}
	if err != nil {
		return pass.Facility{}, fmt.Errorf("facility settings: %w", err)
	}
	version, at := f.Version, f.UpdatedAt.UTC()
	if err := json.Unmarshal(settings, &f); err != nil {
		return pass.Facility{}, fmt.Errorf("facility settings: %w", err)
	}
	f.Version, f.UpdatedAt = version, at
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
	if f.Version == 0 {
		err = s.pool.QueryRow(ctx, insertFacility, string(settings), at).Scan(&version)
	} else {
		err = s.pool.QueryRow(ctx, updateFacility, string(settings), f.Version, at).Scan(&version)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return pass.Facility{}, fmt.Errorf("store facility settings at version %d: %w", f.Version, store.ErrConflict)
	}
	if err != nil {
		return pass.Facility{}, fmt.Errorf("store facility settings: %w", err)
	}
	f.Version, f.UpdatedAt = version, at
	return f, nil
}
