package config

import (
	"reflect"
	"time"
)

// toMap flattens a Config into "section.key" -> value, using the koanf tags; durations become strings so that
// they read back the same way as from a file.
func toMap(c Config) map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(c)
	t := v.Type()
	for i := range t.NumField() {
		section := t.Field(i).Tag.Get("koanf")
		sv := v.Field(i)
		st := sv.Type()
		for j := range st.NumField() {
			key := section + "." + st.Field(j).Tag.Get("koanf")
			val := sv.Field(j).Interface()
			if d, ok := val.(time.Duration); ok {
				val = d.String()
			}
			out[key] = val
		}
	}
	return out
}

// Map returns the configuration flattened to "section.key" -> value (durations as strings).
func (c Config) Map() map[string]any { return toMap(c) }
