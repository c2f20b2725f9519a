package app

import (
	"bufio"
	"fieldbase/app/live"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/gofiber/fiber/v2"
)

var eventsStreamOp = huma.Operation{OperationID: "stream-project-events", Tags: []string{"Projects"},
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
	sub, backlog, resync := a.events.Subscribe(project, lastID)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	conn, timeout, beat := c.Context().Conn(), a.cfg.Server.WriteTimeout, a.events.Heartbeat
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer a.events.Unsubscribe(sub)
		// The server's write timeout would cut a long stream: every write moves the deadline on instead.
		flush := func() bool {
			_ = conn.SetWriteDeadline(time.Now().Add(timeout))
			return w.Flush() == nil
		}
		_, _ = w.WriteString("retry: 2000\n\n")
		if resync {
			writeEvent(w, live.Event{ID: a.events.LastID(), Kind: live.KindResync, Data: []byte("{}")})
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
func (a *App) pumpEvents(w *bufio.Writer, sub *live.Subscription, beat time.Duration, flush func() bool) {
	tick := time.NewTicker(beat)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-sub.C():
			if !ok {
				// Dropped for being slow (or the server is stopping): tell the client to reload.
				writeEvent(w, live.Event{ID: a.events.LastID(), Kind: live.KindResync, Data: []byte("{}")})
				flush()
				return
			}
			writeEvent(w, ev)
			// Drain what is queued before flushing, so a burst costs one write.
			for more := true; more; {
				select {
				case ev, ok := <-sub.C():
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

func writeEvent(w *bufio.Writer, ev live.Event) {
	_, _ = w.WriteString("id: ")
	_, _ = w.WriteString(strconv.FormatInt(ev.ID, 10))
	_, _ = w.WriteString("\nevent: ")
	_, _ = w.WriteString(ev.Kind)
	_, _ = w.WriteString("\ndata: ")
	_, _ = w.Write(ev.Data)
	_, _ = w.WriteString("\n\n")
}
