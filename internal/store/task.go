package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/localsquared/localsquared/internal/crm"
)

// ErrTaskNotFound is LocalSquared's error for an unknown task id.
var ErrTaskNotFound = crm.Errorf(crm.KindNotFound, "Task does not exist in the system")

const taskColumns = `auto_id, id, type_id, name, description, related_entity, related_id, owner_id, due_on, end_on,
	reminder, reminder_before_days, reminder_time, notify_by, status, completed_on, location, priority, fields,
	created_by, modified_by, created_on, modified_on`

func scanTask(row interface{ Scan(...any) error }, t *crm.Task) error {
	var typeID, fields string
	var due, end, completed, created, modified int64
	if err := row.Scan(&t.AutoID, &t.ID, &typeID, &t.Name, &t.Description, &t.RelatedEntity, &t.RelatedID, &t.OwnerID,
		&due, &end, &t.Reminder, &t.ReminderBeforeDays, &t.ReminderTime, &t.NotifyBy, &t.Status, &completed,
		&t.Location, &t.Priority, &fields, &t.CreatedBy, &t.ModifiedBy, &created, &modified); err != nil {
		return err
	}
	if tt := crm.TaskTypeByID(typeID); tt != nil {
		t.Type = *tt
	}
	t.Due, t.End, t.CreatedOn, t.ModifiedOn = fromMS(due), fromMS(end), fromMS(created), fromMS(modified)
	if completed != 0 {
		t.CompletedOn = fromMS(completed)
	}
	return json.Unmarshal([]byte(fields), &t.Fields)
}

var taskFieldName = regexp.MustCompile(`^mx_Custom_([1-9]|1[0-9]|20)$`)

// applyTask applies in to t (a new task when t.ID is ""), checking the
// type, owner, related lead and custom fields inside tx.
func (s *Store) applyTask(ctx context.Context, tx *sql.Tx, p *crm.Principal, t *crm.Task, in *crm.TaskInput, now time.Time) error {
	isNew := t.ID == ""
	if in.TypeName != nil {
		tt := crm.TaskTypeByName(*in.TypeName)
		if tt == nil {
			return crm.Invalidf("TaskType (no task type named '%s')", truncate(*in.TypeName, 64))
		}
		t.Type = *tt
	} else if isNew {
		return crm.Errorf(crm.KindMandatory, "'TaskType' is mandatory")
	}
	if in.Name != nil {
		t.Name = strings.TrimSpace(*in.Name)
	}
	if t.Name == "" {
		return crm.Errorf(crm.KindMandatory, "'Name' is mandatory")
	}
	if len(t.Name) > 500 {
		return crm.Invalidf("Name (longer than 500 characters)")
	}
	if in.Description != nil {
		if len(*in.Description) > 8000 {
			return crm.Invalidf("Description (longer than 8000 characters)")
		}
		t.Description = *in.Description
	}
	switch {
	case in.OwnerID != nil && *in.OwnerID != "":
		id, err := s.activeUserID(ctx, tx, p.Org.ID, *in.OwnerID)
		if err != nil {
			return crm.Invalidf("OwnerId (no active user with this id)")
		}
		t.OwnerID = id
	case in.OwnerEmail != nil && *in.OwnerEmail != "":
		id, err := s.activeUserByEmail(ctx, tx, p.Org.ID, *in.OwnerEmail)
		if err != nil {
			return crm.Invalidf("OwnerEmailAddress (no active user with this email)")
		}
		t.OwnerID = id
	case isNew:
		t.OwnerID = p.User.ID
	}
	if in.RelatedEntity != nil {
		t.RelatedEntity = *in.RelatedEntity
	}
	if in.RelatedID != nil {
		t.RelatedID = strings.TrimSpace(*in.RelatedID)
	}
	switch t.RelatedEntity {
	case crm.RelatedNone:
		if in.RelatedID != nil && t.RelatedID != "" && in.RelatedEntity == nil {
			t.RelatedEntity = crm.RelatedLead
		} else {
			t.RelatedID = ""
		}
	case crm.RelatedLead, crm.RelatedOpportunity:
	default:
		return crm.Invalidf("RelatedEntity (0 none, 1 lead or 5 opportunity)")
	}
	switch t.RelatedEntity {
	case crm.RelatedLead:
		if t.RelatedID == "" {
			return crm.Errorf(crm.KindMandatory, "'RelatedEntityId' is mandatory when RelatedEntity is 1")
		}
		l, err := s.lockLead(ctx, tx, p.Org.ID, t.RelatedID)
		if err != nil {
			return err
		}
		t.RelatedID = l.ID
	case crm.RelatedOpportunity:
		return crm.ErrOpportunityNotFound
	}
	if in.Due != nil {
		t.Due = *in.Due
	} else if isNew {
		t.Due = now.Truncate(time.Second)
	}
	if in.End != nil {
		t.End = *in.End
	} else if isNew || in.Due != nil {
		t.End = t.Due.Add(t.Type.DefaultSpan)
	}
	if t.End.Before(t.Due) {
		return crm.Invalidf("EndDate (before DueDate)")
	}
	if in.Reminder != nil {
		if *in.Reminder < 0 || *in.Reminder > 60*24*30 {
			return crm.Invalidf("Reminder (minutes, 0 to 43200)")
		}
		t.Reminder = *in.Reminder
	}
	if in.ReminderBeforeDays != nil {
		if *in.ReminderBeforeDays < 0 || *in.ReminderBeforeDays > 365 {
			return crm.Invalidf("ReminderBeforeDays (0 to 365)")
		}
		t.ReminderBeforeDays = *in.ReminderBeforeDays
	}
	if in.ReminderTime != nil {
		t.ReminderTime = *in.ReminderTime
	}
	if in.NotifyBy != nil {
		if *in.NotifyBy != "1100" && *in.NotifyBy != "1000" && *in.NotifyBy != "" {
			return crm.Invalidf("NotifyBy (1100 email or 1000 none)")
		}
		t.NotifyBy = *in.NotifyBy
	}
	if t.NotifyBy == "" {
		t.NotifyBy = "1000"
	}
	if in.Location != nil {
		t.Location = truncate(*in.Location, 500)
	}
	if in.Priority != nil {
		t.Priority = *in.Priority
	}
	if t.Fields == nil {
		t.Fields = map[string]string{}
	}
	for k, v := range in.Fields {
		if !taskFieldName.MatchString(k) {
			return crm.UnknownAttribute(k)
		}
		if len([]rune(v)) > 200 {
			return crm.Invalidf("%s (longer than 200 characters)", k)
		}
		if v == "" {
			delete(t.Fields, k)
		} else {
			t.Fields[k] = v
		}
	}
	t.ModifiedBy, t.ModifiedOn = p.User.ID, now
	if isNew {
		t.ID, t.CreatedBy, t.CreatedOn = crm.NewID(), p.User.ID, now
	}
	return nil
}

func (s *Store) insertTask(ctx context.Context, tx *sql.Tx, org crm.OrgID, t *crm.Task) error {
	fields, err := json.Marshal(t.Fields)
	if err != nil {
		return internal("store.insertTask", err)
	}
	err = tx.QueryRowContext(ctx, s.d.q(`INSERT INTO tasks (id, org_id, type_id, category, name, description, related_entity, related_id,
		owner_id, due_on, end_on, reminder, reminder_before_days, reminder_time, notify_by, status, completed_on, location, priority,
		fields, created_by, modified_by, created_on, modified_on)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?) RETURNING auto_id`),
		t.ID, org, t.Type.ID, t.Type.Category, t.Name, t.Description, t.RelatedEntity, t.RelatedID, t.OwnerID, ms(t.Due), ms(t.End),
		t.Reminder, t.ReminderBeforeDays, t.ReminderTime, t.NotifyBy, t.Location, t.Priority, string(fields),
		t.CreatedBy, t.ModifiedBy, ms(t.CreatedOn), ms(t.ModifiedOn)).Scan(&t.AutoID)
	if err != nil {
		return internal("store.insertTask", err)
	}
	return s.touchTaskLead(ctx, tx, org, t)
}

// touchTaskLead moves LeadLastModifiedOn of the task's lead.
func (s *Store) touchTaskLead(ctx context.Context, tx *sql.Tx, org crm.OrgID, t *crm.Task) error {
	if t.RelatedEntity != crm.RelatedLead || t.RelatedID == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.d.q(`UPDATE leads SET last_modified_on = ? WHERE org_id = ? AND id = ?`), ms(t.ModifiedOn), org, t.RelatedID)
	return internal("store.touchTaskLead", err)
}

// TaskError marks which input of a bulk create failed.
type TaskError struct {
	Row int
	Err error
}

// CreateTasks creates the tasks in one transaction: all or none. Errors:
// those of the first bad row, wrapped in *TaskError when there are
// several rows (KindInvalid, KindMandatory, KindNotFound for a lead).
func (s *Store) CreateTasks(ctx context.Context, p *crm.Principal, ins []crm.TaskInput) ([]crm.Task, error) {
	out := make([]crm.Task, len(ins))
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		for i := range ins {
			if err := s.applyTask(ctx, tx, p, &out[i], &ins[i], now); err != nil {
				if len(ins) > 1 && crm.KindOf(err) != crm.KindInternal {
					return &crm.Error{Kind: crm.KindOf(err), Msg: "TaskList[" + strconv.Itoa(i) + "]: " + crm.MessageOf(err)}
				}
				return err
			}
			if err := s.insertTask(ctx, tx, p.Org.ID, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) task(ctx context.Context, db querier, org crm.OrgID, id, lock string) (*crm.Task, error) {
	nid, ok := normID(id)
	if !ok {
		return nil, ErrTaskNotFound
	}
	var t crm.Task
	err := scanTask(db.QueryRowContext(ctx, s.d.q(`SELECT `+taskColumns+` FROM tasks WHERE id = ? AND org_id = ?`+lock), nid, org), &t)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrTaskNotFound
	}
	if err != nil {
		return nil, internal("store.Task", err)
	}
	return &t, nil
}

// Task returns the org's task with this id, or ErrTaskNotFound.
func (s *Store) Task(ctx context.Context, org crm.OrgID, id string) (*crm.Task, error) {
	return s.task(ctx, s.r, org, id, "")
}

func (s *Store) saveTask(ctx context.Context, tx *sql.Tx, org crm.OrgID, t *crm.Task) error {
	fields, err := json.Marshal(t.Fields)
	if err != nil {
		return internal("store.saveTask", err)
	}
	var completed int64
	if !t.CompletedOn.IsZero() {
		completed = ms(t.CompletedOn)
	}
	_, err = tx.ExecContext(ctx, s.d.q(`UPDATE tasks SET type_id = ?, category = ?, name = ?, description = ?, related_entity = ?, related_id = ?,
		owner_id = ?, due_on = ?, end_on = ?, reminder = ?, reminder_before_days = ?, reminder_time = ?, notify_by = ?, status = ?,
		completed_on = ?, location = ?, priority = ?, fields = ?, modified_by = ?, modified_on = ? WHERE org_id = ? AND id = ?`),
		t.Type.ID, t.Type.Category, t.Name, t.Description, t.RelatedEntity, t.RelatedID, t.OwnerID, ms(t.Due), ms(t.End),
		t.Reminder, t.ReminderBeforeDays, t.ReminderTime, t.NotifyBy, t.Status, completed, t.Location, t.Priority,
		string(fields), t.ModifiedBy, ms(t.ModifiedOn), org, t.ID)
	if err != nil {
		return internal("store.saveTask", err)
	}
	return s.touchTaskLead(ctx, tx, org, t)
}

// UpdateTask applies in to the org's task id and returns it. It does not
// complete the task. Errors: ErrTaskNotFound, those of CreateTasks.
func (s *Store) UpdateTask(ctx context.Context, p *crm.Principal, id string, in crm.TaskInput) (*crm.Task, error) {
	var t *crm.Task
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		if t, err = s.task(ctx, tx, p.Org.ID, id, s.d.forUpdate); err != nil {
			return err
		}
		if err := s.applyTask(ctx, tx, p, t, &in, fromMS(ms(s.now(p.Org.ClockOffset)))); err != nil {
			return err
		}
		return s.saveTask(ctx, tx, p.Org.ID, t)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// SetTaskStatus marks the org's tasks completed or cancelled (cancel is
// for appointments only). Completing a completed task succeeds and keeps
// its CompletedOn. Errors: ErrTaskNotFound for any unknown id (nothing
// changes), KindInvalid for cancelling a to-do.
func (s *Store) SetTaskStatus(ctx context.Context, p *crm.Principal, ids []string, status int) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		for _, id := range ids {
			t, err := s.task(ctx, tx, p.Org.ID, id, s.d.forUpdate)
			if err != nil {
				return err
			}
			if status == crm.TaskCancelled && t.Type.Category != crm.TaskAppointment {
				return crm.Invalidf("TaskIds (%s is a to-do; only appointments can be cancelled)", t.ID)
			}
			if t.Status == status {
				continue
			}
			t.Status, t.ModifiedBy, t.ModifiedOn = status, p.User.ID, now
			if status == crm.TaskCompleted {
				t.CompletedOn = now
			}
			if err := s.saveTask(ctx, tx, p.Org.ID, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reschedule is one appointment's new time.
type Reschedule struct {
	ID       string
	From, To time.Time
}

// RescheduleAppointments moves appointments, all or none. Errors:
// ErrTaskNotFound, KindInvalid for a to-do or To before From.
func (s *Store) RescheduleAppointments(ctx context.Context, p *crm.Principal, rs []Reschedule) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		now := fromMS(ms(s.now(p.Org.ClockOffset)))
		for _, r := range rs {
			t, err := s.task(ctx, tx, p.Org.ID, r.ID, s.d.forUpdate)
			if err != nil {
				return err
			}
			if t.Type.Category != crm.TaskAppointment {
				return crm.Invalidf("UserTaskId (%s is a to-do, not an appointment)", t.ID)
			}
			if r.To.Before(r.From) {
				return crm.Invalidf("ToDate (before FromDate)")
			}
			t.Due, t.End, t.ModifiedBy, t.ModifiedOn = r.From, r.To, p.User.ID, now
			if err := s.saveTask(ctx, tx, p.Org.ID, t); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteTasks deletes those of ids that are the org's tasks and returns
// how many it deleted; other ids are skipped.
func (s *Store) DeleteTasks(ctx context.Context, p *crm.Principal, ids []string) (int, error) {
	n := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			nid, ok := normID(id)
			if !ok {
				continue
			}
			res, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM tasks WHERE id = ? AND org_id = ?`), nid, p.Org.ID)
			if err != nil {
				return internal("store.DeleteTasks", err)
			}
			c, _ := res.RowsAffected()
			n += int(c)
		}
		return nil
	})
	return n, err
}

// TaskFilter selects tasks; zero fields do not filter. Due dates are in
// [From, To] when set.
type TaskFilter struct {
	OwnerIDs []string
	LeadID   string
	From, To time.Time
	Status   *int
	TypeID   string
	Category *int
	Desc     bool
	Offset   int
	Limit    int
}

// Tasks returns one page of the org's tasks by due date (then creation)
// and how many match.
func (s *Store) Tasks(ctx context.Context, org crm.OrgID, f TaskFilter) (int64, []crm.Task, error) {
	where, args := `org_id = ?`, []any{org}
	if len(f.OwnerIDs) > 0 {
		where += ` AND owner_id IN (?` + strings.Repeat(", ?", len(f.OwnerIDs)-1) + `)`
		for _, id := range f.OwnerIDs {
			args = append(args, strings.ToLower(id))
		}
	}
	if f.LeadID != "" {
		nid, ok := normID(f.LeadID)
		if !ok {
			return 0, nil, nil
		}
		where, args = where+` AND related_id = ?`, append(args, nid)
	}
	if !f.From.IsZero() {
		where, args = where+` AND due_on >= ?`, append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where, args = where+` AND due_on <= ?`, append(args, ms(f.To))
	}
	if f.Status != nil {
		where, args = where+` AND status = ?`, append(args, *f.Status)
	}
	if f.TypeID != "" {
		where, args = where+` AND type_id = ?`, append(args, strings.ToLower(f.TypeID))
	}
	if f.Category != nil {
		where, args = where+` AND category = ?`, append(args, *f.Category)
	}
	var total int64
	if err := s.r.QueryRowContext(ctx, s.d.q(`SELECT COUNT(*) FROM tasks WHERE `+where), args...).Scan(&total); err != nil {
		return 0, nil, internal("store.Tasks", err)
	}
	if total == 0 || f.Offset >= int(total) {
		return total, nil, nil
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	rows, err := s.r.QueryContext(ctx, s.d.q(`SELECT `+taskColumns+` FROM tasks WHERE `+where+` ORDER BY due_on`+dir+`, auto_id`+dir+` LIMIT ? OFFSET ?`),
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return 0, nil, internal("store.Tasks", err)
	}
	defer rows.Close()
	var out []crm.Task
	for rows.Next() {
		var t crm.Task
		if err := scanTask(rows, &t); err != nil {
			return 0, nil, internal("store.Tasks", err)
		}
		out = append(out, t)
	}
	return total, out, internal("store.Tasks", rows.Err())
}

// UserByEmail returns the org's user with this email (any case), or
// KindNotFound.
func (s *Store) UserByEmail(ctx context.Context, org crm.OrgID, email string) (*crm.User, error) {
	var u crm.User
	err := scanUser(s.r.QueryRowContext(ctx, s.d.q(`SELECT `+userColumns+` FROM users WHERE org_id = ? AND email_key = ?`), org, crm.EmailKey(email)), &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.Errorf(crm.KindNotFound, "User does not exist")
	}
	if err != nil {
		return nil, internal("store.UserByEmail", err)
	}
	return &u, nil
}
