package auth

import (
	"errors"
	"strings"
	"testing"

	validation "github.com/go-ozzo/ozzo-validation/v4"
)

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pw      string
		wantErr bool
	}{
		{"Err_Empty", "", true},
		{"Err_NineChars", "123456789", true},
		{"OK_TenChars", "1234567890", false},
		{"OK_TenMultibyteChars", strings.Repeat("é", 10), false},
		{"Err_FiveEmojiTwentyBytes", strings.Repeat("🗺", 5), true},
		{"OK_256Chars", strings.Repeat("a", 256), false},
		{"Err_257Chars", strings.Repeat("a", 257), true},
		{"OK_256MultibyteChars", strings.Repeat("ü", 256), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidatePassword(tt.pw)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidatePassword(%d bytes) = %v, want error %v", len(tt.pw), err, tt.wantErr)
			}
			var verr validation.Error
			if err != nil && (!errors.As(err, &verr) || !strings.Contains(err.Error(), "between 10 and 256 characters")) {
				t.Fatalf("err = %#v, want a validation.Error with a user-facing message", err)
			}
		})
	}
}

func TestNormalizeUsername(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"alice", "alice"},
		{"  Alice.Smith\t", "alice.smith"},
		{"BOB_99\n", "bob_99"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run("OK_"+tt.want, func(t *testing.T) {
			t.Parallel()
			if got := NormalizeUsername(tt.in); got != tt.want {
				t.Fatalf("NormalizeUsername(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidateUsername(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"OK_Simple", "alice", false},
		{"OK_AllAllowedChars", "a.b_c-d09", false},
		{"OK_ThreeChars", "abc", false},
		{"OK_64Chars", strings.Repeat("x", 64), false},
		{"Err_TwoChars", "ab", true},
		{"Err_65Chars", strings.Repeat("x", 65), true},
		{"Err_UpperCase", "Alice", true},
		{"Err_Space", "al ice", true},
		{"Err_At", "alice@example", true},
		{"Err_NonASCII", "jürgen", true},
		{"Err_Empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := ValidateUsername(tt.in); (err != nil) != tt.wantErr {
				t.Fatalf("ValidateUsername(%q) = %v, want error %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestRulesWithOzzo(t *testing.T) {
	t.Parallel()
	type signup struct{ Username, Password string }
	tests := []struct {
		name       string
		in         signup
		wantFields []string
	}{
		{"OK_Valid", signup{"alice", "long enough pw"}, nil},
		{"ErrUsername", signup{"a", "long enough pw"}, []string{"Username"}},
		{"ErrBoth", signup{"A!", "short"}, []string{"Password", "Username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := tt.in
			err := validation.ValidateStruct(&in,
				validation.Field(&in.Username, UsernameRule()),
				validation.Field(&in.Password, PasswordRule()),
			)
			var errs validation.Errors
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if !errors.As(err, &errs) || len(errs) != len(tt.wantFields) {
				t.Fatalf("err = %#v, want field errors on %v", err, tt.wantFields)
			}
			for _, f := range tt.wantFields {
				if errs[f] == nil {
					t.Fatalf("no error on %s in %v", f, errs)
				}
			}
		})
	}
	t.Run("ErrInternal_NotAString", func(t *testing.T) {
		t.Parallel()
		var ie validation.InternalError
		if err := validation.Validate(42, UsernameRule()); !errors.As(err, &ie) {
			t.Fatalf("err = %#v, want an internal error", err)
		}
	})
}
