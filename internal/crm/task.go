package crm

import (
	"fmt"
	"strings"
	"time"
)

// Task categories.
const (
	TaskAppointment = 0
	TaskToDo        = 1
)

// Task status codes.
const (
	TaskOpen      = 0
	TaskCompleted = 1
	TaskCancelled = 2
)

// Related entity kinds of a task.
const (
	RelatedNone        = 0
	RelatedLead        = 1
	RelatedOpportunity = 5
)

// TaskType is a kind of task. LocalSquared's are a fixed Go table, the
// same for every org (task types have no write API).
type TaskType struct {
	ID          string
	Name        string
	Category    int
	Color       string
	DefaultSpan time.Duration // appointment length when EndDate is omitted
}

func taskType(n int, name string, cat int, color string, span time.Duration) TaskType {
	return TaskType{ID: fmt.Sprintf("00000000-0000-4000-9000-%012d", n), Name: name, Category: cat, Color: color, DefaultSpan: span}
}

var taskTypes = []TaskType{
	taskType(1, "Meeting", TaskAppointment, "#4d90fe", 30*time.Minute),
	taskType(2, "Phone Call", TaskAppointment, "#16a765", 15*time.Minute),
	taskType(3, "Demo", TaskAppointment, "#f691b2", 60*time.Minute),
	taskType(4, "Follow Up", TaskToDo, "#ffad46", 0),
	taskType(5, "Send Email", TaskToDo, "#9fc6e7", 0),
	taskType(6, "Revive Old Lead", TaskToDo, "#cca6ac", 0),
}

// TaskTypes returns copies of the task types.
func TaskTypes() []TaskType {
	out := make([]TaskType, len(taskTypes))
	copy(out, taskTypes)
	return out
}

// TaskTypeByName returns the type with this name (any case), or nil.
func TaskTypeByName(name string) *TaskType {
	for i := range taskTypes {
		if strings.EqualFold(taskTypes[i].Name, strings.TrimSpace(name)) {
			t := taskTypes[i]
			return &t
		}
	}
	return nil
}

// TaskTypeByID returns the type with this id (any case), or nil.
func TaskTypeByID(id string) *TaskType {
	for i := range taskTypes {
		if strings.EqualFold(taskTypes[i].ID, strings.TrimSpace(id)) {
			t := taskTypes[i]
			return &t
		}
	}
	return nil
}

// MaxTaskCustomFields bounds a task's CustomFields (mx_Custom_1…20).
const MaxTaskCustomFields = 20

// Task is an appointment or a to-do, owned by a user, optionally on a lead.
type Task struct {
	ID                 string // UserTaskId
	AutoID             int64
	Type               TaskType
	Name               string
	Description        string
	RelatedEntity      int
	RelatedID          string
	OwnerID            string
	Due                time.Time
	End                time.Time
	Reminder           int // minutes before (appointments)
	ReminderBeforeDays int // to-dos
	ReminderTime       string
	NotifyBy           string
	Status             int
	CompletedOn        time.Time // zero while open
	Location           string
	Priority           int
	Fields             map[string]string
	CreatedBy          string
	ModifiedBy         string
	CreatedOn          time.Time
	ModifiedOn         time.Time
}

// TaskInput is a task write as the API parsed it; nil fields are absent
// (on update they stay as they are).
type TaskInput struct {
	TypeName           *string
	Name               *string
	Description        *string
	RelatedEntity      *int
	RelatedID          *string
	OwnerID            *string
	OwnerEmail         *string
	Due                *time.Time
	End                *time.Time
	Reminder           *int
	ReminderBeforeDays *int
	ReminderTime       *string
	NotifyBy           *string
	Location           *string
	Priority           *int
	Fields             map[string]string
}
