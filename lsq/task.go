package lsq

import (
	"context"
	"fmt"
	"time"
)

// TaskTypeRef names a task type on writes.
type TaskTypeRef struct {
	Name string `json:",omitempty"`
	Id   string `json:",omitempty"`
}

// NewTask is the body of Task.svc/Create, of each Bulk/Create row and
// (with UserTaskId) of Task.svc/Update.
type NewTask struct {
	UserTaskId         string            `json:",omitempty"`
	Name               string            `json:",omitempty"`
	Description        string            `json:",omitempty"`
	TaskType           *TaskTypeRef      `json:",omitempty"`
	RelatedEntity      int               `json:",omitempty"` // 1 lead
	RelatedEntityId    string            `json:",omitempty"`
	DueDate            DateTime          `json:",omitzero"`
	EndDate            DateTime          `json:",omitzero"`
	Reminder           int               `json:",omitempty"`
	ReminderBeforeDays int               `json:",omitempty"`
	ReminderTime       string            `json:",omitempty"`
	NotifyBy           string            `json:",omitempty"`
	OwnerId            string            `json:",omitempty"`
	OwnerEmailAddress  string            `json:",omitempty"`
	Location           string            `json:",omitempty"`
	CustomFields       map[string]string `json:",omitempty"`
}

// Task is a task record of the task reads.
type Task struct {
	UserTaskId          string
	AutoId              int
	Name                string
	Category            int
	Description         string
	RelatedEntity       int
	RelatedEntityId     string
	RelatedEntityIdName string
	DueDate             DateTime
	EndDate             DateTime
	Reminder            int
	StatusCode          int
	OwnerId             string
	OwnerName           string
	OwnerEmailAddress   string
	CreatedBy           string
	CreatedOn           DateTime
	ModifiedOn          DateTime
	CompletedOn         DateTime
	TaskType            struct {
		Id       string
		Name     string
		Category int
	}
	Location     string
	CustomFields map[string]string
}

// Tasks is a page of tasks with the total count.
type Tasks struct {
	RecordCount int
	List        []Task
}

// CreateTask creates a task and returns its UserTaskId.
func (c *Client) CreateTask(ctx context.Context, t NewTask) (string, error) {
	m, err := c.message(ctx, postWrite("Task.svc/Create"), nil, t)
	return m.Id, err
}

// BulkCreateTasks creates up to 50 tasks, all or nothing, and returns the
// request id.
func (c *Client) BulkCreateTasks(ctx context.Context, tasks []NewTask) (string, error) {
	m, err := c.message(ctx, postWrite("Task.svc/Bulk/Create"), nil, struct{ TaskList []NewTask }{nonNilSlice(tasks)})
	return m.Id, err
}

// UpdateTask changes the fields set in t of task t.UserTaskId.
func (c *Client) UpdateTask(ctx context.Context, t NewTask) error {
	_, err := c.message(ctx, postWrite("Task.svc/Update"), nil, t)
	return err
}

// CompleteTask marks a task complete (MarkComplete).
func (c *Client) CompleteTask(ctx context.Context, id string) error {
	_, err := c.message(ctx, getWrite("Task.svc/MarkComplete"), query("id", id), nil)
	return err
}

// Reschedule is one appointment's new window.
type Reschedule struct {
	UserTaskId string
	FromDate   DateTime
	ToDate     DateTime
}

// RescheduleAppointments moves appointments (BulkUpdateAppointmentTime),
// all or nothing.
func (c *Client) RescheduleAppointments(ctx context.Context, r []Reschedule) error {
	_, err := c.message(ctx, postWrite("Task.svc/BulkUpdateAppointmentTime"), nil, struct{ TaskList []Reschedule }{nonNilSlice(r)})
	return err
}

// CancelAppointments cancels appointments (StatusCode 2).
func (c *Client) CancelAppointments(ctx context.Context, ids []string) error {
	_, err := c.message(ctx, postWrite("Task.svc/CancelAppointments"), nil, struct{ TaskIds []string }{nonNilSlice(ids)})
	return err
}

// DeleteTasks deletes up to 5000 tasks and returns how many were deleted.
func (c *Client) DeleteTasks(ctx context.Context, ids []string) (int, error) {
	var out struct{ DeletedTasksCount int }
	err := c.call(ctx, postWrite("Task.svc/DeleteTasks"), nil, struct{ TaskIds []string }{nonNilSlice(ids)}, &out)
	return out.DeletedTasksCount, err
}

// TaskQuery is the body of Task.svc/Retrieve.
type TaskQuery struct {
	LookupName  string // OwnerId or OwnerEmailAddress
	LookupValue string
	From, To    time.Time // zero: unbounded
	StatusCode  *int      // 0 open, 1 complete
	TypeName    string
	SortBy      string
	SortDesc    bool
	Offset      int
	RowCount    int // 0 means 100
}

// RetrieveTasks returns one page of a user's tasks.
func (c *Client) RetrieveTasks(ctx context.Context, q TaskQuery) (Tasks, error) {
	p := map[string]any{"LookupName": q.LookupName, "LookupValue": q.LookupValue}
	if !q.From.IsZero() {
		p["FromDate"] = FormatDateTimeSeconds(q.From)
	}
	if !q.To.IsZero() {
		p["ToDate"] = FormatDateTimeSeconds(q.To)
	}
	if q.StatusCode != nil {
		p["StatusCode"] = *q.StatusCode
	}
	if q.TypeName != "" {
		p["TypeName"] = q.TypeName
	}
	body := map[string]any{"Parameter": p, "Paging": map[string]int{"Offset": q.Offset, "RowCount": cmpOr(q.RowCount, 100)}}
	if s := sortOf(q.SortBy, q.SortDesc); s != nil {
		body["Sorting"] = s
	}
	var out Tasks
	err := c.call(ctx, postRead("Task.svc/Retrieve"), nil, body, &out)
	return out, err
}

func cmpOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// GetTask returns one task (Retrieve.GetById), or an error for which
// IsNotFound holds.
func (c *Client) GetTask(ctx context.Context, id string) (Task, error) {
	var out []Task
	if err := c.call(ctx, getOp("Task.svc/Retrieve.GetById"), query("id", id), nil, &out); err != nil {
		return Task{}, err
	}
	if len(out) == 0 {
		return Task{}, fmt.Errorf("lsq: no task %s: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// LeadTask is a row of RetrieveTaskByLeadId (its own key spellings).
type LeadTask struct {
	TaskID        string
	Name          string
	Description   string
	DueDate       DateTime
	CreatedOn     DateTime
	OwnerID       string
	OwnerName     string
	CreatedBy     string
	CreatedByName string
	Status        string // Pending or Completed
	Reminder      string
}

// LeadTasks returns a lead's tasks.
func (c *Client) LeadTasks(ctx context.Context, leadID string) ([]LeadTask, error) {
	var out struct{ TaskList []LeadTask }
	err := c.call(ctx, getOp("LeadManagement.svc/RetrieveTaskByLeadId"), query("leadId", leadID), nil, &out)
	return out.TaskList, err
}

// AppointmentsByEmail returns appointments of users (by email) in a
// window of at most 100 days.
func (c *Client) AppointmentsByEmail(ctx context.Context, emails []string, from, to time.Time, pageIndex, pageSize int) (Tasks, error) {
	var out Tasks
	err := c.call(ctx, postRead("Task.svc/RetrieveAppointments/ByUserEmailAddress"), nil, map[string]any{
		"FromDate": FormatDateTimeSeconds(from), "ToDate": FormatDateTimeSeconds(to), "Users": nonNilSlice(emails),
		"Paging": pageOf(pageIndex, pageSize, 100)}, &out)
	return out, err
}

// ToDosByUserID returns to-dos of users (by id) in a window of at most
// 100 days.
func (c *Client) ToDosByUserID(ctx context.Context, userIDs []string, from, to time.Time, pageIndex, pageSize int) (Tasks, error) {
	var out Tasks
	err := c.call(ctx, postRead("Task.svc/RetrieveToDos/ByUserId"), nil, map[string]any{
		"FromDate": FormatDateTimeSeconds(from), "ToDate": FormatDateTimeSeconds(to), "Users": nonNilSlice(userIDs),
		"Paging": pageOf(pageIndex, pageSize, 100)}, &out)
	return out, err
}

// TaskType is one element of RetrieveTaskType.
type TaskType struct {
	Id       string
	Name     string
	Category int // 0 appointment, 1 to-do
	Color    string
}

// TaskTypes lists task types; column and value optionally filter
// (e.g. "Category", "1").
func (c *Client) TaskTypes(ctx context.Context, column, value string) ([]TaskType, error) {
	var q = query()
	if column != "" {
		q = query("ColumnName", column, "ColumnValue", value)
	}
	var out []TaskType
	err := c.call(ctx, getOp("Task.svc/RetrieveTaskType"), q, nil, &out)
	return out, err
}
