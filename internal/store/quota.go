package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/localsquared/localsquared/internal/crm"
)

// Quota refusals returned by TakeQuota.
const (
	QuotaTaken         = 0
	QuotaWindowRefused = 1
	QuotaDayRefused    = 2
)

// takeQuotaSQL counts one call in the bucket's window and in the day, in
// one statement, only while neither is full; no row comes back when one is.
// {b} is std or bulk.
const takeQuotaSQL = `INSERT INTO quota_state AS q (org_id, std_win, std_n, bulk_win, bulk_n, day, day_n)
VALUES ($1, $2, $6, $2, $7, $3, $8)
ON CONFLICT (org_id) DO UPDATE SET
    {b}_n = CASE WHEN q.{b}_win = $2::bigint THEN q.{b}_n ELSE 0 END + $8::bigint,
    {b}_win = $2,
    day_n = CASE WHEN q.day = $3::bigint THEN q.day_n ELSE 0 END + $8::bigint,
    day = $3
WHERE (CASE WHEN q.{b}_win = $2::bigint THEN q.{b}_n ELSE 0 END) + $8::bigint <= $4::bigint
  AND ($5::bigint = 0 OR (CASE WHEN q.day = $3::bigint THEN q.day_n ELSE 0 END) + $8::bigint <= $5::bigint)
RETURNING 1`

var (
	takeStd  = strings.ReplaceAll(takeQuotaSQL, "{b}", "std")
	takeBulk = strings.ReplaceAll(takeQuotaSQL, "{b}", "bulk")
)

// TakeQuota counts n calls of org against PostgreSQL-held counters
// (windowStart and day in ms; dayLimit 0 means no daily cap), all or none,
// and returns QuotaTaken, or which limit refused them; refused calls are
// not counted. Several instances on one database share these counters.
func (s *Store) TakeQuota(ctx context.Context, org crm.OrgID, bulk bool, windowStart int64, limit int, day, dayLimit int64, n int) (int, error) {
	if s.counters == nil {
		return 0, crm.Internal(errors.New("store.TakeQuota: database counters exist on PostgreSQL only"))
	}
	q, std, bn := takeStd, int64(n), int64(0)
	if bulk {
		q, std, bn = takeBulk, 0, int64(n)
	}
	var one int
	err := s.counters.QueryRowContext(ctx, q, org, windowStart, day, limit, dayLimit, std, bn, n).Scan(&one)
	if err == nil {
		return QuotaTaken, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, internal("store.TakeQuota", err)
	}
	stdN, bulkN, _, err := s.QuotaUsage(ctx, org, windowStart, day)
	if err != nil {
		return 0, err
	}
	if bulk && bulkN+n > limit || !bulk && stdN+n > limit {
		return QuotaWindowRefused, nil
	}
	return QuotaDayRefused, nil
}

// QuotaUsage returns the org's counts in the given window and day
// (PostgreSQL counters).
func (s *Store) QuotaUsage(ctx context.Context, org crm.OrgID, windowStart, day int64) (std, bulk int, dayN int64, err error) {
	if s.counters == nil {
		return 0, 0, 0, crm.Internal(errors.New("store.QuotaUsage: database counters exist on PostgreSQL only"))
	}
	err = s.counters.QueryRowContext(ctx, `SELECT
		CASE WHEN std_win = $2 THEN std_n ELSE 0 END, CASE WHEN bulk_win = $2 THEN bulk_n ELSE 0 END,
		CASE WHEN day = $3 THEN day_n ELSE 0 END FROM quota_state WHERE org_id = $1`, org, windowStart, day).Scan(&std, &bulk, &dayN)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, 0, nil
	}
	return std, bulk, dayN, internal("store.QuotaUsage", err)
}

// ActiveUserCount returns how many active users the org has.
func (s *Store) ActiveUserCount(ctx context.Context, org crm.OrgID) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM users WHERE org_id = ? AND active = 1`), org).Scan(&n)
	return n, internal("store.ActiveUserCount", err)
}
