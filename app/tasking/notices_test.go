package tasking

import (
	"slices"
	"testing"

	"fieldbase/db"
)

func TestMentions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"OK_One", "@amina please check", []string{"amina"}},
		{"OK_SeveralOnceEach", "cc @Amina, @bo_2 and @amina.", []string{"amina", "bo_2"}},
		{"OK_DotsInside", "(@jean.paul) said so", []string{"jean.paul"}},
		{"OK_TrailingDash", "ask @kofi- now", []string{"kofi"}},
		{"NoEmail", "write to x@amina.org", nil},
		{"NoTooShort", "@ab is not a username", nil},
		{"NoBareAt", "meet @ 5", nil},
		{"NoDoubleAt", "@@amina", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Mentions(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("Mentions(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestTaskNotices(t *testing.T) {
	t.Parallel()
	const actor, mapper, other = 1, 2, 3
	type want struct {
		user int64
		name string
		kind string
	}
	for _, tc := range []struct {
		name string
		old  db.Task
		ev   db.TaskEvent
		want []want
	}{
		{"Assign", db.Task{}, db.TaskEvent{Action: "assign", TargetUserID: other},
			[]want{{other, "", db.NoticeTaskAssigned}}},
		{"AssignSelf", db.Task{}, db.TaskEvent{Action: "assign", TargetUserID: actor}, nil},
		{"Validate", db.Task{MappedBy: mapper}, db.TaskEvent{Action: "validate", Comment: "ok"},
			[]want{{mapper, "", db.NoticeTaskValidated}}},
		{"InvalidateWithMention", db.Task{MappedBy: mapper}, db.TaskEvent{Action: "invalidate", Comment: "see @bob"},
			[]want{{mapper, "", db.NoticeTaskInvalidated}, {0, "bob", db.NoticeMention}}},
		{"ValidateOwnWork", db.Task{MappedBy: actor}, db.TaskEvent{Action: "validate"}, nil},
		{"LockTellsNobody", db.Task{MappedBy: mapper}, db.TaskEvent{Action: "lock_for_mapping"}, nil},
		{"Comment", db.Task{}, db.TaskEvent{Action: "comment", Comment: "@bob @cyd"},
			[]want{{0, "bob", db.NoticeMention}, {0, "cyd", db.NoticeMention}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []want
			for _, n := range TaskNotices(tc.old, actor, tc.ev) {
				got = append(got, want{n.UserID, n.Username, n.Kind})
				if n.Params["comment"] != tc.ev.Comment {
					t.Errorf("comment %q, want %q", n.Params["comment"], tc.ev.Comment)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("TaskNotices = %v, want %v", got, tc.want)
			}
		})
	}
}
