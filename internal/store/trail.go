package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// postTrail posts the system trail of a lead write inside the caller's
// transaction: activity 3001 when OwnerId changes (Data PreviousOwner,
// CurrentOwner as "Name (email)") and 3002 when ProspectStage changes
// (Data PreviousStage, CurrentStage, CreatedBy, Comment), as user.
//
// Every lead write path calls it after computing newVals and before saving
// the lead row, which it must have locked (SELECT … FOR UPDATE on
// PostgreSQL). It records the activities' roll-ups in newVals and moves
// l.LastModifiedOn, so the caller's save writes them with the change.
func (s *Store) postTrail(ctx context.Context, tx *sql.Tx, org *crm.Org, user *crm.User, l *crm.Lead, oldVals, newVals map[string]string, now time.Time) error {
	ownerChanged := oldVals["OwnerId"] != newVals["OwnerId"]
	stageChanged := oldVals["ProspectStage"] != newVals["ProspectStage"]
	if !ownerChanged && !stageChanged {
		return nil
	}
	// The activities update roll-ups on a lead value copy holding newVals.
	tmp := *l
	tmp.Values = newVals
	if ownerChanged {
		prev, err := s.ownerLabel(ctx, tx, org.ID, oldVals["OwnerId"])
		if err != nil {
			return err
		}
		cur, err := s.ownerLabel(ctx, tx, org.ID, newVals["OwnerId"])
		if err != nil {
			return err
		}
		a := &crm.Activity{Data: []crm.KV{{Key: "PreviousOwner", Value: prev}, {Key: "CurrentOwner", Value: cur}},
			Owner: newVals["OwnerId"], CreatedBy: user.ID, ModifiedBy: user.ID}
		if err := s.insertActivity(ctx, tx, org.ID, &tmp, crm.SystemActivityType(crm.CodeOwnerChange), a, now); err != nil {
			return err
		}
	}
	if stageChanged {
		a := &crm.Activity{Data: []crm.KV{{Key: "PreviousStage", Value: oldVals["ProspectStage"]},
			{Key: "CurrentStage", Value: newVals["ProspectStage"]}, {Key: "CreatedBy", Value: user.Name()}, {Key: "Comment", Value: ""}},
			Owner: newVals["OwnerId"], CreatedBy: user.ID, ModifiedBy: user.ID}
		if err := s.insertActivity(ctx, tx, org.ID, &tmp, crm.SystemActivityType(crm.CodeStageChange), a, now); err != nil {
			return err
		}
	}
	l.LastModifiedOn = tmp.LastModifiedOn
	return nil
}

// ownerLabel is a user as trail rows name them: "Name (email)", or "" for
// no owner.
func (s *Store) ownerLabel(ctx context.Context, tx *sql.Tx, org crm.OrgID, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	nid, ok := normID(id)
	if !ok {
		return id, nil
	}
	var u crm.User
	err := tx.QueryRowContext(ctx, s.d.q(`SELECT first_name, last_name, email FROM users WHERE org_id = ? AND id = ?`), org, nid).
		Scan(&u.FirstName, &u.LastName, &u.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return id, nil
	}
	if err != nil {
		return "", internal("store.ownerLabel", err)
	}
	return u.Name() + " (" + u.Email + ")", nil
}
