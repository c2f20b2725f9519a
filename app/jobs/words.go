package jobs

import (
	"encoding/json"
	"strings"

	"fieldbase/app/backup"
)

// Words is a job's progress message as a message of the catalogues (web/i18n): its id and values, so that a page
// says it in its reader's language. Text is the same in English: the API, the live events and the log show it.
type Words struct {
	Text string         `json:"text"`
	ID   string         `json:"id"`
	Data map[string]any `json:"data,omitempty"`
}

// wordsMark starts a progress message recorded with its words (JSON); any other message is English text alone.
const wordsMark = `{"text":`

func (w Words) record() string {
	if w.ID == "" {
		return w.Text
	}
	raw, err := json.Marshal(w)
	if err != nil {
		return w.Text
	}
	return string(raw)
}

// readWords is a recorded message's English text and, when it was recorded with them, its words.
func readWords(msg string) (string, *Words) {
	if !strings.HasPrefix(msg, wordsMark) {
		return msg, nil
	}
	var w Words
	if err := json.Unmarshal([]byte(msg), &w); err != nil || w.ID == "" {
		return msg, nil
	}
	return w.Text, &w
}

// WordIDs are the message ids the jobs' progress messages use.
func WordIDs() []string {
	return append([]string{"job.basemap.progress", "job.basemap.progress_missing", "job.basemap.checking"},
		backup.StepIDs()...)
}
