package app

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"

	"fieldbase/db"
)

// heartbeatEvery is how often an idle stream gets a comment line, so that proxies and browsers keep it open.
const heartbeatEvery = 15 * time.Second

var eventsStreamOp = huma.Operation{OperationID: "stream-project-events", Method: http.MethodGet,
	Path: "/projects/{id}/events/stream", Tags: []string{"Projects"},
	Summary: "Live updates of a project as Server-Sent Events (task changes, new submissions, job progress)",
	Description: "A text/event-stream. Each event has an `id`, an `event` name (`task`, `submission`, `job`, or " +
		"`resync` when the client missed events and must reload) and one `data` line of JSON. Reconnect with " +
		"the `Last-Event-ID` header (or `?last_event_id=`) to resume; idle streams get a comment line every 15 s.",
	Security: []map[string][]string{{"bearer": {}}, {"session": {}}},
	Parameters: []*huma.Param{
		{Name: "id", In: "path", Required: true, Schema: &huma.Schema{Type: "integer", Minimum: ptrFloat(1)}},
		{Name: "Last-Event-ID", In: "header", Description: "The id of the last event received",
			Schema: &huma.Schema{Type: "integer"}},
		{Name: "last_event_id", In: "query", Description: "Same as Last-Event-ID, for clients that cannot set it",
			Schema: &huma.Schema{Type: "integer"}},
	},
	Responses: map[string]*huma.Response{
		"200": {Description: "The event stream", Content: map[string]*huma.MediaType{"text/event-stream": {
			Schema: &huma.Schema{Type: "string"}}}},
		"401": {Description: "Not signed in"},
		"404": {Description: "No such project, or a private one the caller does not belong to"},
	}}

func ptrFloat(f float64) *float64 { return &f }

// streamEvents answers GET /api/v1/projects/:id/events/stream: the backlog after Last-Event-ID, then every new
// event of the project until the client goes away or the server stops.
func (a *App) streamEvents(c *fiber.Ctx) error {
	project := projectFrom(c.UserContext()).Project.ID
	last := c.Get("Last-Event-ID")
	if last == "" {
		last = c.Query("last_event_id")
	}
	lastID, _ := strconv.ParseInt(last, 10, 64)
	sub, backlog, resync := a.events.subscribe(project, lastID)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	conn, timeout, beat := c.Context().Conn(), a.cfg.Server.WriteTimeout, a.events.heartbeat
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer a.events.unsubscribe(sub)
		// The server's write timeout would cut a long stream: every write moves the deadline on instead.
		flush := func() bool {
			_ = conn.SetWriteDeadline(time.Now().Add(timeout))
			return w.Flush() == nil
		}
		_, _ = w.WriteString("retry: 2000\n\n")
		if resync {
			writeEvent(w, Event{ID: a.events.lastID(), Kind: eventResync, Data: []byte("{}")})
		}
		for _, ev := range backlog {
			writeEvent(w, ev)
		}
		if !flush() {
			return
		}
		a.pumpEvents(w, sub, beat, flush)
	})
	return nil
}

// pumpEvents writes events as they come and a heartbeat when idle, until the subscription ends or a write
// fails (the client left).
func (a *App) pumpEvents(w *bufio.Writer, sub *subscription, beat time.Duration, flush func() bool) {
	tick := time.NewTicker(beat)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-sub.ch:
			if !ok {
				// Dropped for being slow (or the server is stopping): tell the client to reload.
				writeEvent(w, Event{ID: a.events.lastID(), Kind: eventResync, Data: []byte("{}")})
				flush()
				return
			}
			writeEvent(w, ev)
			// Drain what is queued before flushing, so a burst costs one write.
			for more := true; more; {
				select {
				case ev, ok := <-sub.ch:
					if !ok {
						flush()
						return
					}
					writeEvent(w, ev)
				default:
					more = false
				}
			}
		case <-tick.C:
			_, _ = w.WriteString(": heartbeat\n\n")
		}
		if !flush() {
			return
		}
	}
}

func writeEvent(w *bufio.Writer, ev Event) {
	_, _ = w.WriteString("id: ")
	_, _ = w.WriteString(strconv.FormatInt(ev.ID, 10))
	_, _ = w.WriteString("\nevent: ")
	_, _ = w.WriteString(ev.Kind)
	_, _ = w.WriteString("\ndata: ")
	_, _ = w.Write(ev.Data)
	_, _ = w.WriteString("\n\n")
}

// TaskChange is the payload of a task event: the task after the change, what was done and by whom.
type TaskChange struct {
	ProjectID int64    `json:"project_id"`
	Task      TaskBody `json:"task"`
	Action    string   `json:"action"`
	By        string   `json:"by"`
}

// publishTask tells a project's open pages that a task changed; by is who did it (nil: the system). The
// names of the lock holder and assignee are filled in when they are the actor.
func (a *App) publishTask(projectID int64, t db.Task, action string, by *Principal) {
	name := "system"
	if by != nil {
		name = by.Username
		if t.LockedBy == by.UserID && t.LockedByName == "" {
			t.LockedByName = by.Username
		}
		if t.AssignedTo == by.UserID && t.AssignedToName == "" {
			t.AssignedToName = by.Username
		}
	}
	a.events.publishJSON(projectID, eventTask, TaskChange{ProjectID: projectID, Task: taskBody(t),
		Action: action, By: name})
}

// SubmissionNotice is the payload of a submission event.
type SubmissionNotice struct {
	ProjectID    int64  `json:"project_id"`
	SubmissionID int64  `json:"submission_id"`
	FormID       int64  `json:"form_id,omitempty"`
	SubmittedBy  string `json:"submitted_by,omitempty"`
}

// publishSubmission tells a project's open pages that a submission arrived.
func (a *App) publishSubmission(n SubmissionNotice) {
	a.events.publishJSON(n.ProjectID, eventSubmission, n)
}

// JobNotice is the payload of a job event.
type JobNotice struct {
	ProjectID int64  `json:"project_id"`
	JobID     int64  `json:"job_id"`
	Kind      string `json:"kind"`
	State     string `json:"state"`
	Percent   int    `json:"percent"`
	Message   string `json:"message"`
	Error     string `json:"error,omitempty"`
}

// jobWatchPoll is how often a watched job's progress is read.
const jobWatchPoll = 200 * time.Millisecond

// jobWatchMax bounds how long a job is watched.
const jobWatchMax = 6 * time.Hour

// watchJob publishes a project's job progress as job events until the job finishes (or the server stops).
func (a *App) watchJob(projectID, jobID int64) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), jobWatchMax)
		defer cancel()
		tick := time.NewTicker(jobWatchPoll)
		defer tick.Stop()
		var prev JobNotice
		for {
			st, err := a.jobs.Status(ctx, jobID)
			if err != nil {
				return
			}
			n := JobNotice{ProjectID: projectID, JobID: jobID, Kind: st.Kind, State: st.State, Percent: st.Percent,
				Message: st.Message, Error: st.Error}
			if n != prev {
				a.events.publishJSON(projectID, eventJob, n)
				prev = n
			}
			if jobFinished(st.State) {
				return
			}
			select {
			case <-tick.C:
			case <-ctx.Done():
				return
			case <-a.events.done:
				return
			}
		}
	}()
}

func jobFinished(state string) bool {
	return state == "completed" || state == "cancelled" || state == "discarded"
}
