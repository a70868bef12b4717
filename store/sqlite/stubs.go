package sqlite

import (
	"context"
	"errors"

	"github.com/seatmap/seatmap/store"
)

// TEMPORARY: replaced by the real implementations in this change.
var errTODO = errors.New("not implemented yet")

func (s *Store) RefundOrder(ctx context.Context, r store.RefundRequest) (store.Order, store.Refund, bool, error) {
	return store.Order{}, store.Refund{}, false, errTODO
}
func (s *Store) Refunds(ctx context.Context, orderID string) ([]store.Refund, error) {
	return nil, errTODO
}
func (s *Store) OrderHistory(ctx context.Context, orderID string) ([]store.OrderEvent, error) {
	return nil, errTODO
}
func (s *Store) RecordOrderEvent(ctx context.Context, orderID, action, detail string, c store.Change) error {
	return errTODO
}
func (s *Store) SalesReport(ctx context.Context, f store.SalesFilter) (store.SalesReport, error) {
	return store.SalesReport{}, errTODO
}
func (s *Store) CreatePromotion(ctx context.Context, c store.Code) error { return errTODO }
func (s *Store) CreateVoucherBatch(ctx context.Context, b store.VoucherBatch, codes []store.Code) error {
	return errTODO
}
func (s *Store) GetVoucherBatch(ctx context.Context, id string) (store.VoucherBatch, error) {
	return store.VoucherBatch{}, errTODO
}
func (s *Store) ListVoucherBatches(ctx context.Context) ([]store.VoucherBatch, error) {
	return nil, errTODO
}
func (s *Store) GetCode(ctx context.Context, code string) (store.Code, error) {
	return store.Code{}, errTODO
}
func (s *Store) ListCodes(ctx context.Context, f store.CodeFilter) ([]store.Code, error) {
	return nil, errTODO
}
func (s *Store) SetCodeState(ctx context.Context, code, state string) (store.Code, error) {
	return store.Code{}, errTODO
}
